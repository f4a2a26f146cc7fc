# src/engine.mk - the build engine: catalog, plans, jobs, boots, progress
src_libkilncore_a_SOURCES += \
	src/catalog.c src/catalog.h \
	src/workspace.c src/workspace.h \
	src/reporter.c src/reporter.h
