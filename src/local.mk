# src/: the core library (documents, models, plan, catalog, build engine)
# and the kiln CLI (one file per subcommand).
noinst_LIBRARIES += src/libkilncore.a
src_libkilncore_a_SOURCES = \
	src/kiln.c src/kiln.h \
	src/accel.c src/accel.h \
	src/diag.c src/diag.h \
	src/yamldoc.c src/yamldoc.h \
	src/suggest.c src/suggest.h \
	src/schema.c src/schema.h \
	src/paths.c src/paths.h \
	src/component.h src/params.h
# paths.c bakes in the directories configure chose (AM_CPPFLAGS): rebuild it
# when they change, or a re-configured --prefix installs a stale binary.
src/paths.$(OBJEXT) src/tests_fuzz_libkilnfuzz_a-paths.$(OBJEXT): Makefile

bin_PROGRAMS += kiln
kiln_SOURCES = \
	src/main.c src/commands.h \
	src/cmd-validate.c \
	src/cmd-components.c
kiln_LDADD = src/libkilncore.a backends/libkilnbackends.a src/libkilncore.a $(CORE_LIBS) $(BACKEND_LIBS)
