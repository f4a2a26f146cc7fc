# tests/integration/local.mk
include $(srcdir)/tests/integration/libvirt.mk
include $(srcdir)/tests/integration/documents.mk
include $(srcdir)/tests/integration/templates.mk
include $(srcdir)/tests/integration/recipe.mk
include $(srcdir)/tests/integration/engine.mk
include $(srcdir)/tests/integration/guestfs.mk
