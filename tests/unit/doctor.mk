# tests/unit/doctor.mk - kiln doctor's judges (pure; linked with the
# backends only because the core library refers to them)
UNIT_TESTS += tests/unit/test-doctor
tests_unit_test_doctor_SOURCES = tests/unit/test-doctor.c
tests_unit_test_doctor_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_doctor_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
