# tests/integration/templates.mk - base-image templates, the NoCloud seed,
# the built-in component library
check_PROGRAMS += tests/integration/kiln-make-seed
tests_integration_kiln_make_seed_SOURCES = tests/integration/kiln-make-seed.c
tests_integration_kiln_make_seed_CFLAGS = $(AM_CFLAGS) $(BACKEND_CFLAGS)
tests_integration_kiln_make_seed_LDADD = $(KILN_ALL_LDADD)

# golden-web.sh first among the debian-12 tests (it is the first of all,
# Makefile.am): it runs the README's command in an empty home, building
# the template the later ones reuse (lib/template.sh); under make -j they
# take turns on that home.  The later ones are listed further down
# (DEBIAN_LATER_TESTS, local.mk): listed next to golden-web.sh, under
# make -j2 they would hold the second slot waiting for its home for all of
# its 12 minutes.
TESTS += \
	tests/integration/template-cli.sh \
	tests/integration/template-components.sh \
	tests/integration/template-components-tiny.sh
DEBIAN_LATER_TESTS = \
	tests/integration/template-debian12.sh \
	tests/integration/template-components-debian.sh \
	tests/integration/template-debian12-uefi.sh
EXTRA_DIST += \
	tests/integration/template-cli.sh \
	tests/integration/template-components.sh \
	tests/integration/template-debian12.sh \
	tests/integration/template-debian12-uefi.sh \
	tests/integration/lib/template.sh \
	tests/integration/template-components-tiny.sh \
	tests/integration/template-components-debian.sh \
	tests/integration/golden-web.sh \
	tests/fixtures/recipes
