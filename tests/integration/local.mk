# tests/integration/local.mk
include $(srcdir)/tests/integration/libvirt.mk
include $(srcdir)/tests/integration/documents.mk
include $(srcdir)/tests/integration/templates.mk
include $(srcdir)/tests/integration/recipe.mk
include $(srcdir)/tests/integration/engine.mk
include $(srcdir)/tests/integration/pipeline.mk
include $(srcdir)/tests/integration/testimage.mk
include $(srcdir)/tests/integration/outputs.mk
include $(srcdir)/tests/integration/guestfs.mk
# the debian-12 tests after golden-web.sh, once it is done (templates.mk)
TESTS += $(DEBIAN_LATER_TESTS)
include $(srcdir)/tests/integration/agent.mk
include $(srcdir)/tests/integration/doctor.mk
include $(srcdir)/tests/integration/conventions.mk
include $(srcdir)/tests/integration/trust.mk
include $(srcdir)/tests/integration/s3.mk
# The tests' one vocabulary: every tests/integration/*.sh sources it.
EXTRA_DIST += tests/integration/lib/functions.sh
