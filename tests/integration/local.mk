# tests/integration/local.mk
include $(srcdir)/tests/integration/documents.mk
include $(srcdir)/tests/integration/templates.mk
