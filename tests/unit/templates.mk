# tests/unit/templates.mk
# (the template store calls the template builder: both libraries)
TEMPLATE_TEST_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)

UNIT_TESTS += tests/unit/test-template
tests_unit_test_template_SOURCES = tests/unit/test-template.c
tests_unit_test_template_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_template_LDADD = $(TEMPLATE_TEST_LDADD)

UNIT_TESTS += tests/unit/test-seed
tests_unit_test_seed_SOURCES = tests/unit/test-seed.c
tests_unit_test_seed_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_seed_LDADD = $(TEMPLATE_TEST_LDADD)
