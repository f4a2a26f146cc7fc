# components/local.mk
