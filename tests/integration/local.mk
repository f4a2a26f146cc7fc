# tests/integration/local.mk
include $(srcdir)/tests/integration/guestfs.mk
