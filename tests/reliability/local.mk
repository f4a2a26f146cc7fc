# tests/reliability/local.mk - fault tests: kiln killed, signalled or
# starved mid-build on the tiny image, and what the next kiln finds.  They
# share tests/integration/lib (functions.sh, tiny-image.sh).
RELIABILITY_TESTS = tests/reliability/kill-during-boot.sh \
	tests/reliability/full-output-dir.sh \
	tests/reliability/guest-faults.sh \
	tests/reliability/signal-stages.sh \
	tests/reliability/signal-outer-stages.sh \
	tests/reliability/guest-files.sh \
	tests/reliability/kill-offline.sh \
	tests/reliability/kill-stages.sh \
	tests/reliability/prepare-stage.sh \
	tests/reliability/signal-template.sh
TESTS += $(RELIABILITY_TESTS)
EXTRA_DIST += $(RELIABILITY_TESTS)
