# tests/integration/local.mk
include $(srcdir)/tests/integration/testimage.mk
