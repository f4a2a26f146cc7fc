# tests/unit/recipe.mk
UNIT_TESTS += tests/unit/test-units
tests_unit_test_units_SOURCES = tests/unit/test-units.c
tests_unit_test_units_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_units_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-semver
tests_unit_test_semver_SOURCES = tests/unit/test-semver.c
tests_unit_test_semver_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_semver_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-cron
tests_unit_test_cron_SOURCES = tests/unit/test-cron.c
tests_unit_test_cron_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cron_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-naming
tests_unit_test_naming_SOURCES = tests/unit/test-naming.c
tests_unit_test_naming_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_naming_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-recipe
tests_unit_test_recipe_SOURCES = tests/unit/test-recipe.c
tests_unit_test_recipe_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_recipe_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-pipeline
tests_unit_test_pipeline_SOURCES = tests/unit/test-pipeline.c
tests_unit_test_pipeline_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pipeline_LDADD = $(UNIT_LDADD)
