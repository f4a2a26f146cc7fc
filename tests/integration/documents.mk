# tests/integration/documents.mk - kiln validate / kiln components
TESTS += \
	tests/integration/validate-corpus.sh \
	tests/integration/validate-cli.sh \
	tests/integration/components-cli.sh
EXTRA_DIST += \
	tests/integration/validate-corpus.sh \
	tests/integration/validate-cli.sh \
	tests/integration/components-cli.sh \
	tests/fixtures/bad \
	tests/fixtures/good \
	tests/fixtures/awstoe
