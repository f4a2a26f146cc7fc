# components/local.mk - the built-in component library (AWSTOE YAML),
# installed to $(pkgdatadir)/components; `kiln components` lists it.
componentsdir = $(pkgdatadir)/components
components_DATA = \
	components/command-succeeds.yaml \
	components/configure-cloud-init.yaml \
	components/create-user.yaml \
	components/enable-service.yaml \
	components/file-contains.yaml \
	components/harden-ssh.yaml \
	components/http-ok.yaml \
	components/install-packages.yaml \
	components/package-installed.yaml \
	components/port-listening.yaml \
	components/reboot-check.yaml \
	components/service-running.yaml \
	components/set-locale.yaml \
	components/set-timezone.yaml \
	components/update-os.yaml
EXTRA_DIST += $(components_DATA)
