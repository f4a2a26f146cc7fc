# tests/integration/outputs.mk - kiln convert / kiln inspect on real images
TESTS += \
	tests/integration/outputs-convert.sh \
	tests/integration/outputs-lint.sh
EXTRA_DIST += \
	tests/integration/outputs-convert.sh \
	tests/integration/outputs-lint.sh \
	tests/fixtures/lint/make-lint-fixtures
