# src/recipe.mk - appended to src/local.mk's lists (src_libkilncore_a_SOURCES += ..., kiln_SOURCES += ...)
# Recipes, pipelines and the pure functions the build engine needs.
src_libkilncore_a_SOURCES += \
	src/units.c src/units.h \
	src/semver.c src/semver.h \
	src/cron.c src/cron.h \
	src/naming.c src/naming.h \
	src/scalarpos.c src/scalarpos.h
src_libkilncore_a_SOURCES += \
	src/recipe.c src/recipe.h \
	src/recipe-components.c
src_libkilncore_a_SOURCES += src/pipeline.c src/pipeline.h
