# tests/unit/outputs.mk - formats, OVF/OVA, checksums, manifest, SBOM,
# cloud import files, lint rules and parsers, initramfs listing.
OUTPUTS_UNIT_LDADD = $(UNIT_LDADD) $(LIBARCHIVE_LIBS)

UNIT_TESTS += tests/unit/test-formats
tests_unit_test_formats_SOURCES = tests/unit/test-formats.c
tests_unit_test_formats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_formats_LDADD = $(OUTPUTS_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-ovf
tests_unit_test_ovf_SOURCES = tests/unit/test-ovf.c
tests_unit_test_ovf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ovf_LDADD = $(OUTPUTS_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-ova
tests_unit_test_ova_SOURCES = tests/unit/test-ova.c
tests_unit_test_ova_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ova_LDADD = $(OUTPUTS_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-manifest
tests_unit_test_manifest_SOURCES = tests/unit/test-manifest.c
tests_unit_test_manifest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_manifest_LDADD = $(OUTPUTS_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-lint
tests_unit_test_lint_SOURCES = tests/unit/test-lint.c
tests_unit_test_lint_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lint_LDADD = $(OUTPUTS_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-lint-parse
tests_unit_test_lint_parse_SOURCES = tests/unit/test-lint-parse.c
tests_unit_test_lint_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lint_parse_LDADD = $(OUTPUTS_UNIT_LDADD)

UNIT_TESTS += tests/unit/test-initramfs
tests_unit_test_initramfs_SOURCES = tests/unit/test-initramfs.c
tests_unit_test_initramfs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_initramfs_LDADD = $(OUTPUTS_UNIT_LDADD)

# kiln_distribute with the real qemu-img (backends/qemu-img.c).
UNIT_TESTS += tests/unit/test-outputs
tests_unit_test_outputs_SOURCES = tests/unit/test-outputs.c
tests_unit_test_outputs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_outputs_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)

# kiln's streamOptimized VMDK writer, read back by the real qemu-img.
UNIT_TESTS += tests/unit/test-vmdk-stream
tests_unit_test_vmdk_stream_SOURCES = tests/unit/test-vmdk-stream.c
tests_unit_test_vmdk_stream_CFLAGS = $(UNIT_CFLAGS) $(JSON_GLIB_CFLAGS)
tests_unit_test_vmdk_stream_LDADD = $(OUTPUTS_UNIT_LDADD)
