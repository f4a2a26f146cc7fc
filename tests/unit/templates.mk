# tests/unit/templates.mk
UNIT_TESTS += tests/unit/test-template
tests_unit_test_template_SOURCES = tests/unit/test-template.c
tests_unit_test_template_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_template_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-seed
tests_unit_test_seed_SOURCES = tests/unit/test-seed.c
tests_unit_test_seed_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_seed_LDADD = backends/libkilnbackends.a $(UNIT_LDADD) $(BACKEND_LIBS)
