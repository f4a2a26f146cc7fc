# tests/integration/libvirt.mk - transient domains under real libvirt (TCG)
check_PROGRAMS += tests/integration/kiln-domain-test
tests_integration_kiln_domain_test_SOURCES = tests/integration/kiln-domain-test.c
tests_integration_kiln_domain_test_CFLAGS = $(AM_CFLAGS) $(BACKEND_CFLAGS)
tests_integration_kiln_domain_test_LDADD = \
	$(KILN_ALL_LDADD)

# Static probe /init programs for the accel tests (test-only, musl).
LIBVIRT_PROBE_INITS = tests/integration/probe-init tests/integration/probe-init-silent
# Built with the test driver (no shared check_DATA to merge).
EXTRA_tests_integration_kiln_domain_test_DEPENDENCIES = $(LIBVIRT_PROBE_INITS)
CLEANFILES += $(LIBVIRT_PROBE_INITS)
tests/integration/probe-init: $(srcdir)/tests/integration/probe-init.c
	$(AM_V_CC)$(MKDIR_P) tests/integration && $(MUSL_GCC) -static -Os -o $@ $<
tests/integration/probe-init-silent: $(srcdir)/tests/integration/probe-init.c
	$(AM_V_CC)$(MKDIR_P) tests/integration && $(MUSL_GCC) -static -Os -DPROBE_SILENT -o $@ $<

LIBVIRT_ITESTS = \
	tests/integration/libvirt-channel.sh \
	tests/integration/libvirt-timeout.sh \
	tests/integration/libvirt-reboot.sh \
	tests/integration/libvirt-sigterm.sh \
	tests/integration/libvirt-devices.sh \
	tests/integration/libvirt-accel.sh
TESTS += $(LIBVIRT_ITESTS)
# One TCG guest at a time, even under make -j: they are slow enough alone.
tests/integration/libvirt-timeout.log: tests/integration/libvirt-channel.log
tests/integration/libvirt-reboot.log: tests/integration/libvirt-timeout.log
tests/integration/libvirt-sigterm.log: tests/integration/libvirt-reboot.log
tests/integration/libvirt-devices.log: tests/integration/libvirt-sigterm.log
tests/integration/libvirt-accel.log: tests/integration/libvirt-devices.log
EXTRA_DIST += $(LIBVIRT_ITESTS) tests/integration/lib/libvirt.sh \
	tests/integration/probe-init.c
