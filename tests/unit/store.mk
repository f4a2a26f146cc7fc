# tests/unit/store.mk: the image store (src/store/), with a real SQLite
# catalog, real files and the real qemu-img.
UNIT_TESTS += tests/unit/test-store
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# lifecycle rules on a catalog with many builds, and the pipeline tables
UNIT_TESTS += tests/unit/test-lifecycle
tests_unit_test_lifecycle_SOURCES = tests/unit/test-lifecycle.c
tests_unit_test_lifecycle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lifecycle_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
