# tests/integration/local.mk
include $(srcdir)/tests/integration/recipe.mk
