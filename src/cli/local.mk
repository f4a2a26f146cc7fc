# src/cli/: the kiln program: main.c's command table and one cmd-*.c per
# command (git's builtin/ layout).
bin_PROGRAMS += kiln
kiln_SOURCES = \
	src/cli/main.c src/cli/commands.h \
	src/cli/run-options.c src/cli/run-options.h \
	src/cli/cmd-build.c \
	src/cli/cmd-run.c \
	src/cli/cmd-test.c \
	src/cli/cmd-validate.c \
	src/cli/cmd-components.c \
	src/cli/cmd-convert.c \
	src/cli/cmd-inspect.c \
	src/cli/cmd-template.c \
	src/cli/cmd-images.c \
	src/cli/cmd-logs.c \
	src/cli/cmd-pipeline.c \
	src/cli/cmd-doctor.c
kiln_LDADD = $(KILN_ALL_LDADD)
