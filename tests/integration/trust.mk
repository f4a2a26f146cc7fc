# tests/integration/trust.mk - hostile documents stay in their place
# (issue 13): connections, modes, non-regular files, secrets.
TESTS += tests/integration/trust-connect.sh
EXTRA_DIST += tests/integration/trust-connect.sh
TESTS += tests/integration/trust-modes.sh
EXTRA_DIST += tests/integration/trust-modes.sh
TESTS += tests/integration/trust-regular-files.sh
EXTRA_DIST += tests/integration/trust-regular-files.sh
TESTS += tests/integration/trust-secrets.sh
EXTRA_DIST += tests/integration/trust-secrets.sh
