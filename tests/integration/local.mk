# tests/integration/local.mk
include $(srcdir)/tests/integration/agent.mk
