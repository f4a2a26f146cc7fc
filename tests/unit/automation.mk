# tests/unit/automation.mk: pipelines (src/automation/)
UNIT_TESTS += tests/unit/test-inputs
tests_unit_test_inputs_SOURCES = tests/unit/test-inputs.c
tests_unit_test_inputs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_inputs_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-pipeline-units
tests_unit_test_pipeline_units_SOURCES = tests/unit/test-pipeline-units.c
tests_unit_test_pipeline_units_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pipeline_units_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-notify-event
tests_unit_test_notify_event_SOURCES = tests/unit/test-notify-event.c
tests_unit_test_notify_event_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_event_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-notify-send
tests_unit_test_notify_send_SOURCES = tests/unit/test-notify-send.c
tests_unit_test_notify_send_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_send_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
