# src/engine.mk - the build engine: catalog, plans, jobs, boots, progress
src_libkilncore_a_SOURCES += \
	src/catalog.c src/catalog.h \
	src/workspace.c src/workspace.h \
	src/reporter.c src/reporter.h \
	src/library.c src/library.h \
	src/plan.c src/plan.h \
	src/parent.c src/parent.h \
	src/boot.c src/boot.h \
	src/signals.c src/signals.h \
	src/job.c src/job.h \
	src/accel-decide.c src/accel-decide.h \
	src/build-ref.c src/build-ref.h \
	src/lock.c src/lock.h

kiln_SOURCES += \
	src/cmd-build.c \
	src/cmd-run.c \
	src/cmd-images.c \
	src/cmd-logs.c
