# tests/integration/testimage.mk - the tiny bootable test image
# (scripts/make-test-image; other tests get it via lib/tiny-image.sh).
TESTS += tests/integration/test-image-boots.sh
EXTRA_DIST += tests/integration/test-image-boots.sh \
	tests/integration/lib/tiny-image.sh
# The cached images (rebuilt when scripts/make-test-image is newer).
DISTCLEANFILES += tests/tmp/tiny.qcow2 tests/tmp/tiny.qcow2.log \
	tests/tmp/tiny.qcow2.lock tests/tmp/tiny-noboot.qcow2 \
	tests/tmp/tiny-noboot.qcow2.log tests/tmp/tiny-noboot.qcow2.lock
# Everything else the tests leave in tests/tmp (the shared KILN_HOME with
# its catalog, logs and accel cache) goes with `make distclean` too.
distclean-local: distclean-tests-tmp
distclean-tests-tmp:
	-rm -rf tests/tmp
.PHONY: distclean-tests-tmp
