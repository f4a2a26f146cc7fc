# tests/unit/engine.mk
UNIT_TESTS += tests/unit/test-yamldoc
tests_unit_test_yamldoc_SOURCES = tests/unit/test-yamldoc.c
tests_unit_test_yamldoc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_yamldoc_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-catalog
tests_unit_test_catalog_SOURCES = tests/unit/test-catalog.c
tests_unit_test_catalog_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_catalog_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-plan
tests_unit_test_plan_SOURCES = tests/unit/test-plan.c
tests_unit_test_plan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plan_LDADD = $(UNIT_LDADD)

# the accelerator decision's words (links the backends: accel-decide.c
# probes through them)
UNIT_TESTS += tests/unit/test-accel-decide
tests_unit_test_accel_decide_SOURCES = tests/unit/test-accel-decide.c
tests_unit_test_accel_decide_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_accel_decide_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)

# src/build/boot-events.c: hostile event lines
UNIT_TESTS += tests/unit/test-boot-events
tests_unit_test_boot_events_SOURCES = tests/unit/test-boot-events.c
tests_unit_test_boot_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_boot_events_LDADD = $(UNIT_LDADD)

# common/kiln-json.c
UNIT_TESTS += tests/unit/test-kiln-json
tests_unit_test_kiln_json_SOURCES = tests/unit/test-kiln-json.c
tests_unit_test_kiln_json_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_kiln_json_LDADD = $(UNIT_LDADD)

# the host against common/kiln-protocol.h (agent/test-protocol.c: the agent)
UNIT_TESTS += tests/unit/test-protocol
tests_unit_test_protocol_SOURCES = tests/unit/test-protocol.c
tests_unit_test_protocol_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_protocol_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-signals
tests_unit_test_signals_SOURCES = tests/unit/test-signals.c
tests_unit_test_signals_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_signals_LDADD = $(UNIT_LDADD)

# src/build/toe-log.c: kiln run's log folder from the agent's events
UNIT_TESTS += tests/unit/test-toe-log
tests_unit_test_toe_log_SOURCES = tests/unit/test-toe-log.c
tests_unit_test_toe_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_toe_log_LDADD = $(UNIT_LDADD)

# src/build/console-watch.c: a kernel panic on a raw, growing console log
UNIT_TESTS += tests/unit/test-console-watch
tests_unit_test_console_watch_SOURCES = tests/unit/test-console-watch.c
tests_unit_test_console_watch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_console_watch_LDADD = $(UNIT_LDADD)

# src/build/agent-seed.c: the test boot's agent through cloud-init
UNIT_TESTS += tests/unit/test-agent-seed
tests_unit_test_agent_seed_SOURCES = tests/unit/test-agent-seed.c
tests_unit_test_agent_seed_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_agent_seed_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)

# src/build/s3-transfers.c: the upload events a guest sends, checked
UNIT_TESTS += tests/unit/test-s3-transfers
tests_unit_test_s3_transfers_SOURCES = tests/unit/test-s3-transfers.c
tests_unit_test_s3_transfers_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_s3_transfers_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
