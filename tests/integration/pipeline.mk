# tests/integration/pipeline.mk - kiln pipeline run/status/list/enable on
# the tiny image (one real build, the rest skipped or failing before a boot)
TESTS += tests/integration/pipeline-run.sh
EXTRA_DIST += tests/integration/pipeline-run.sh
TESTS += tests/integration/pipeline-install.sh
EXTRA_DIST += tests/integration/pipeline-install.sh
TESTS += tests/integration/notify.sh
EXTRA_DIST += tests/integration/notify.sh
