# tests/integration/local.mk
include $(srcdir)/tests/integration/testimage.mk
include $(srcdir)/tests/integration/outputs.mk
include $(srcdir)/tests/integration/guestfs.mk
