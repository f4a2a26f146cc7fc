# tests/integration/doctor.mk - kiln doctor on this machine (scrubbed env)
TESTS += tests/integration/doctor.sh
EXTRA_DIST += tests/integration/doctor.sh
