# src/base/: what every part of the core uses: diagnostics, "did you mean",
# paths, the progress reporter, work directories, signals, confined
# removal (confine.c) and process owners (owner.c).
src_libkilncore_a_SOURCES += \
	src/base/diag.c src/base/diag.h \
	src/base/suggest.c src/base/suggest.h \
	src/base/paths.c src/base/paths.h \
	src/base/reporter.c src/base/reporter.h \
	src/base/workspace.c src/base/workspace.h \
	src/base/confine.c src/base/confine.h \
	src/base/owner.c src/base/owner.h \
	src/base/signals.c src/base/signals.h \
	src/base/escape.c src/base/escape.h \
	src/base/secret-mask.c src/base/secret-mask.h \
	src/base/image-file.c src/base/image-file.h \
	src/base/doctor-hint.c src/base/doctor-hint.h
# S3 keys, region and endpoint, found as the AWS CLI finds them, from the
# environment and the AWS shared files (aws-ini.c reads their INI syntax)
src_libkilncore_a_SOURCES += \
	src/base/s3-config.c src/base/s3-config.h \
	src/base/aws-ini.c src/base/aws-ini.h
# paths.c bakes in the directories configure chose (AM_CPPFLAGS): rebuild it
# when they change, or a re-configured --prefix installs a stale binary.
src/base/paths.$(OBJEXT) src/base/tests_fuzz_libkilnfuzz_a-paths.$(OBJEXT): Makefile
