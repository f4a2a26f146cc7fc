# agent/local.mk
