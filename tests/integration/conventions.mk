# tests/integration/conventions.mk - shell, editor and packaging conventions
TESTS += tests/integration/cli-conventions.sh
EXTRA_DIST += tests/integration/cli-conventions.sh
TESTS += tests/integration/schemas.sh
EXTRA_DIST += tests/integration/schemas.sh tests/integration/schema-check.py
TESTS += tests/integration/debian-package.sh
EXTRA_DIST += tests/integration/debian-package.sh
