# tests/integration/guestfs.mk: libguestfs and qemu-img backends against
# real appliances and real images (tiny disks built by lib/guestfs-disks.sh).
check_PROGRAMS += tests/integration/kiln-guest-test
tests_integration_kiln_guest_test_SOURCES = tests/integration/kiln-guest-test.c
tests_integration_kiln_guest_test_CFLAGS = $(AM_CFLAGS) $(BACKEND_CFLAGS)
tests_integration_kiln_guest_test_LDADD = $(KILN_ALL_LDADD)

GUESTFS_TESTS = \
	tests/integration/guestfs-inspect.sh \
	tests/integration/guestfs-agent.sh \
	tests/integration/guestfs-generalize.sh \
	tests/integration/qemu-img-convert.sh
TESTS += $(GUESTFS_TESTS)
EXTRA_DIST += $(GUESTFS_TESTS) tests/integration/lib/guestfs-disks.sh
clean-local: clean-tiny-disks
clean-tiny-disks:
	rm -rf tests/integration/guestfs-work
.PHONY: clean-tiny-disks
# `make check-guestfs` runs only these tests.
check-guestfs:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(GUESTFS_TESTS)"
.PHONY: check-guestfs
