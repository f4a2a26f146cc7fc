# components/local.mk - the built-in component library (AWSTOE YAML),
# installed to $(pkgdatadir)/components; `kiln components` lists it.
componentsdir = $(pkgdatadir)/components
components_DATA = \
	components/command-succeeds.yaml \
	components/update-os.yaml
EXTRA_DIST += $(components_DATA)
