# tests/unit/engine.mk
UNIT_TESTS += tests/unit/test-yamldoc
tests_unit_test_yamldoc_SOURCES = tests/unit/test-yamldoc.c
tests_unit_test_yamldoc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_yamldoc_LDADD = $(UNIT_LDADD)
