# tests/integration/local.mk
include $(srcdir)/tests/integration/libvirt.mk
include $(srcdir)/tests/integration/documents.mk
include $(srcdir)/tests/integration/recipe.mk
include $(srcdir)/tests/integration/engine.mk
include $(srcdir)/tests/integration/guestfs.mk
include $(srcdir)/tests/integration/agent.mk
include $(srcdir)/tests/integration/testimage.mk
