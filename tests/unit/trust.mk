# tests/unit/trust.mk - unit tests of what keeps hostile documents and guest
# text in their place (issue 13): escaping, connection URIs, number and name
# rules, YAML tags, secret masking.
UNIT_TESTS += tests/unit/test-escape
tests_unit_test_escape_SOURCES = tests/unit/test-escape.c
tests_unit_test_escape_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_escape_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test-connect
tests_unit_test_connect_SOURCES = tests/unit/test-connect.c
tests_unit_test_connect_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_connect_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test-image-file
tests_unit_test_image_file_SOURCES = tests/unit/test-image-file.c
tests_unit_test_image_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_image_file_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test-secret-mask
tests_unit_test_secret_mask_SOURCES = tests/unit/test-secret-mask.c
tests_unit_test_secret_mask_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_secret_mask_LDADD = $(UNIT_LDADD)
# the build log's mode: private when a file, a device's left alone
UNIT_TESTS += tests/unit/test-reporter-log
tests_unit_test_reporter_log_SOURCES = tests/unit/test-reporter-log.c
tests_unit_test_reporter_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_reporter_log_LDADD = $(UNIT_LDADD)
# S3 keys, region and endpoint as the AWS CLI finds them
# (src/base/s3-config.c): real files in a temporary home, no key in any
# message
UNIT_TESTS += tests/unit/test-s3-config
tests_unit_test_s3_config_SOURCES = tests/unit/test-s3-config.c
tests_unit_test_s3_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_s3_config_LDADD = $(UNIT_LDADD)
# the AWS shared files' INI syntax (src/base/aws-ini.c), from text in
# memory: errors name FILE:LINE, never the line
UNIT_TESTS += tests/unit/test-aws-ini
tests_unit_test_aws_ini_SOURCES = tests/unit/test-aws-ini.c
tests_unit_test_aws_ini_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_aws_ini_LDADD = $(UNIT_LDADD)
