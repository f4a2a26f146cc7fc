# tests/integration/testimage.mk - the tiny bootable test image
# (scripts/make-test-image; other tests get it via lib/tiny-image.sh).
TESTS += tests/integration/test-image-boots.sh
EXTRA_DIST += tests/integration/test-image-boots.sh \
	tests/integration/lib/tiny-image.sh
