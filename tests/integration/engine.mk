# tests/integration/engine.mk - the build spine end to end (real libguestfs,
# libvirt, qemu-img under TCG, on the tiny test image)
TESTS += \
	tests/integration/build-spine.sh \
	tests/integration/build-failures.sh \
	tests/integration/build-layers.sh \
	tests/integration/build-run-test.sh \
	tests/integration/build-offline.sh \
	tests/integration/awstoe-runtime.sh
EXTRA_DIST += \
	tests/integration/build-spine.sh \
	tests/integration/build-failures.sh \
	tests/integration/build-layers.sh \
	tests/integration/build-run-test.sh \
	tests/integration/build-offline.sh \
	tests/integration/awstoe-runtime.sh \
	tests/fixtures/runtime \
	tests/fixtures/offline \
	tests/fixtures/spine
