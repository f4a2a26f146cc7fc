# tests/integration/s3.mk: the S3 backend (backends/s3.c) and the AWS
# configuration (src/base/s3-config.c) against an S3 emulator: s3rver behind
# a gate that checks every signature as S3 does (lib/s3.sh), s3cmd as the
# independent reader and writer.
check_PROGRAMS += tests/integration/kiln-s3-test
tests_integration_kiln_s3_test_SOURCES = tests/integration/kiln-s3-test.c
tests_integration_kiln_s3_test_CFLAGS = $(AM_CFLAGS) $(BACKEND_CFLAGS)
tests_integration_kiln_s3_test_LDADD = $(KILN_ALL_LDADD)

S3_TESTS = tests/integration/s3-client.sh tests/integration/s3-build.sh
TESTS += $(S3_TESTS)
EXTRA_DIST += $(S3_TESTS) tests/integration/lib/s3.sh \
	tests/integration/lib/s3-sigv4-gate.py \
	tests/fixtures/s3/s3-work.yaml tests/fixtures/s3/s3-runtime-ref.yaml \
	tests/fixtures/s3/s3-missing.yaml tests/fixtures/s3/s3-child.yaml \
	tests/fixtures/s3/s3-bad-child.yaml tests/fixtures/s3/s3-bad-parent.yaml \
	tests/fixtures/s3/s3-offline.yaml
