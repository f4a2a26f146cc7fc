# tests/integration/templates.mk - base-image templates, the NoCloud seed,
# the built-in component library
check_PROGRAMS += tests/integration/kiln-make-seed
tests_integration_kiln_make_seed_SOURCES = tests/integration/kiln-make-seed.c
tests_integration_kiln_make_seed_CFLAGS = $(AM_CFLAGS) $(BACKEND_CFLAGS)
tests_integration_kiln_make_seed_LDADD = $(KILN_ALL_LDADD)

TESTS += \
	tests/integration/template-cli.sh \
	tests/integration/template-components.sh \
	tests/integration/template-debian12.sh \
	tests/integration/template-debian12-uefi.sh \
	tests/integration/template-components-tiny.sh \
	tests/integration/template-components-debian.sh \
	tests/integration/golden-web.sh
EXTRA_DIST += \
	tests/integration/template-cli.sh \
	tests/integration/template-components.sh \
	tests/integration/template-debian12.sh \
	tests/integration/template-debian12-uefi.sh \
	tests/integration/template-lib.sh \
	tests/integration/template-components-tiny.sh \
	tests/integration/template-components-debian.sh \
	tests/integration/golden-web.sh \
	tests/fixtures/recipes
