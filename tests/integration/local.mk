# tests/integration/local.mk
include $(srcdir)/tests/integration/libvirt.mk
