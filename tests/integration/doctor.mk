# tests/integration/doctor.mk - kiln doctor on this machine (scrubbed env)
TESTS += tests/integration/doctor.sh
EXTRA_DIST += tests/integration/doctor.sh
# a build and doctor pointed at a libvirt daemon started by hand
TESTS += tests/integration/connect-daemon.sh
EXTRA_DIST += tests/integration/connect-daemon.sh
