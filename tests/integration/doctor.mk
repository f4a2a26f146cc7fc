# tests/integration/doctor.mk - kiln doctor on this machine (scrubbed env)
TESTS += tests/integration/doctor.sh
EXTRA_DIST += tests/integration/doctor.sh
# a build and doctor pointed at a libvirt daemon started by hand
TESTS += tests/integration/connect-daemon.sh
EXTRA_DIST += tests/integration/connect-daemon.sh
# a build on a user's own session daemon, as a throw-away user
# (listed last of all, Makefile.am: it takes turns with connect-daemon.sh
# on this host's libvirt daemons, take_daemon_turn in lib/functions.sh)
DAEMON_LAST_TESTS = tests/integration/connect-session.sh
EXTRA_DIST += tests/integration/connect-session.sh
