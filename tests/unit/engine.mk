# tests/unit/engine.mk
UNIT_TESTS += tests/unit/test-yamldoc
tests_unit_test_yamldoc_SOURCES = tests/unit/test-yamldoc.c
tests_unit_test_yamldoc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_yamldoc_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-catalog
tests_unit_test_catalog_SOURCES = tests/unit/test-catalog.c
tests_unit_test_catalog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_catalog_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-plan
tests_unit_test_plan_SOURCES = tests/unit/test-plan.c
tests_unit_test_plan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plan_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-signals
tests_unit_test_signals_SOURCES = tests/unit/test-signals.c
tests_unit_test_signals_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_signals_LDADD = $(UNIT_LDADD)
