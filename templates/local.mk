# templates/ - base-image template documents (docs/templates.md); the code
# that reads, builds and stores them is in src/templates/ and
# backends/template-build.c.
templatesdir = $(pkgdatadir)/templates
dist_templates_DATA = templates/debian-12.yaml templates/debian-12-uefi.yaml
