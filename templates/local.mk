# templates/local.mk - base-image templates (docs/templates.md) and the code
# that reads, builds and stores them.
templatesdir = $(pkgdatadir)/templates
dist_templates_DATA = templates/debian-12.yaml templates/debian-12-uefi.yaml

src_libkilncore_a_SOURCES += \
	src/template.c src/template.h \
	src/template-store.c \
	src/apt-sources.c src/apt-sources.h
backends_libkilnbackends_a_SOURCES += \
	backends/template-build.c backends/template-build.h \
	backends/template-build-private.h backends/template-tree.c \
	backends/seed.c backends/seed.h
kiln_SOURCES += src/cmd-template.c
# docs/templates.md is in the dist with the rest of docs/
