# tests/unit/documents.mk - unit tests of the document modules
UNIT_TESTS += \
	tests/unit/test-actions \
	tests/unit/test-component \
	tests/unit/test-vars \
	tests/unit/test-condition \
	tests/unit/test-loop \
	tests/unit/test-params
tests_unit_test_actions_SOURCES = tests/unit/test-actions.c
tests_unit_test_actions_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_actions_LDADD = $(UNIT_LDADD)
tests_unit_test_component_SOURCES = tests/unit/test-component.c
tests_unit_test_component_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_component_LDADD = $(UNIT_LDADD)
tests_unit_test_vars_SOURCES = tests/unit/test-vars.c
tests_unit_test_vars_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_vars_LDADD = $(UNIT_LDADD)
tests_unit_test_condition_SOURCES = tests/unit/test-condition.c
tests_unit_test_condition_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_condition_LDADD = $(UNIT_LDADD)
tests_unit_test_loop_SOURCES = tests/unit/test-loop.c
tests_unit_test_loop_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loop_LDADD = $(UNIT_LDADD)
tests_unit_test_params_SOURCES = tests/unit/test-params.c
tests_unit_test_params_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_params_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/unit/doc-test-util.h

UNIT_TESTS += tests/unit/test-library
tests_unit_test_library_SOURCES = tests/unit/test-library.c
tests_unit_test_library_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_library_LDADD = $(UNIT_LDADD)

# lifecycle rules as documents/lifecycle.c reads them: resource:, what a
# rule for cached parents accepts and refuses
UNIT_TESTS += tests/unit/test-lifecycle-rules
tests_unit_test_lifecycle_rules_SOURCES = tests/unit/test-lifecycle-rules.c
tests_unit_test_lifecycle_rules_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lifecycle_rules_LDADD = $(UNIT_LDADD)
