# tests/unit/: cmocka unit tests, one program per module.
# Add a test:  UNIT_TESTS += tests/unit/test-foo
#              tests_unit_test_foo_SOURCES = tests/unit/test-foo.c
UNIT_LDADD = $(KILN_CORE_LDADD) $(CMOCKA_LIBS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTEST_SRCDIR=\"$(abs_top_srcdir)\"
UNIT_TESTS =
include $(srcdir)/tests/unit/documents.mk
include $(srcdir)/tests/unit/recipe.mk
include $(srcdir)/tests/unit/engine.mk
include $(srcdir)/tests/unit/store.mk
include $(srcdir)/tests/unit/automation.mk
include $(srcdir)/tests/unit/outputs.mk
include $(srcdir)/tests/unit/templates.mk
include $(srcdir)/tests/unit/libvirt.mk
include $(srcdir)/tests/unit/backends.mk
include $(srcdir)/tests/unit/doctor.mk
include $(srcdir)/tests/unit/trust.mk
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
# `make check-unit` runs only the unit tests, kiln's and the agent's
# (agent/local.mk); the ASan build of .ci/run uses it.
check-unit:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(UNIT_TESTS) $(AGENT_UNIT_TESTS)"
.PHONY: check-unit
