# tests/unit/backends.mk: backend tests that need no appliance or VM
# (the real qemu-img; libguestfs and libvirt are in tests/integration/).
BACKEND_UNIT_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)

UNIT_TESTS += tests/unit/test-qemu-img
tests_unit_test_qemu_img_SOURCES = tests/unit/test-qemu-img.c
tests_unit_test_qemu_img_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_qemu_img_LDADD = $(BACKEND_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-program
tests_unit_test_program_SOURCES = tests/unit/test-program.c
tests_unit_test_program_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_program_LDADD = $(BACKEND_UNIT_LDADD)
