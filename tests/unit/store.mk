# tests/unit/store.mk: the image store (src/store/), with a real SQLite
# catalog, real files and the real qemu-img.
UNIT_TESTS += tests/unit/test-store
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# confined removal (src/base/confine.c) with real links and, as root, real
# mounts; work directories of killed owners (src/base/workspace.c)
UNIT_TESTS += tests/unit/test-confine
tests_unit_test_confine_SOURCES = tests/unit/test-confine.c
tests_unit_test_confine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_confine_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# crash safety: one transaction per state change, owners, recovery after a
# killed kiln (src/store/recover.c) with a real child process
UNIT_TESTS += tests/unit/test-recover
tests_unit_test_recover_SOURCES = tests/unit/test-recover.c
tests_unit_test_recover_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_recover_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# the build key's per-home secret (src/store/build-secret.c): real files,
# real concurrent processes
UNIT_TESTS += tests/unit/test-build-secret
tests_unit_test_build_secret_SOURCES = tests/unit/test-build-secret.c
tests_unit_test_build_secret_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_build_secret_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# lifecycle rules on a catalog with many builds, and the pipeline tables
UNIT_TESTS += tests/unit/test-lifecycle
tests_unit_test_lifecycle_SOURCES = tests/unit/test-lifecycle.c
tests_unit_test_lifecycle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lifecycle_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# what kiln is about to make on a libvirt target, recorded first
# (src/store/target-claims.c): real files, a real child process killed
# with its claim
UNIT_TESTS += tests/unit/test-target-claims
tests_unit_test_target_claims_SOURCES = tests/unit/test-target-claims.c
tests_unit_test_target_claims_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_target_claims_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# which parents cached on a target lifecycle rules delete: the pure
# decision from catalog records (src/store/parent-plan.c)
UNIT_TESTS += tests/unit/test-parent-plan
tests_unit_test_parent_plan_SOURCES = tests/unit/test-parent-plan.c
tests_unit_test_parent_plan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_parent_plan_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
# per-component layers (docs/layers.md): the layer keys, the plan's layer
# members, the catalog's rows with real SQLite, the store's layer files
# with the real qemu-img
UNIT_TESTS += tests/unit/test-layers
tests_unit_test_layers_SOURCES = tests/unit/test-layers.c
tests_unit_test_layers_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_layers_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
