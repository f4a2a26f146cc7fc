# src/documents/: every document kiln reads: the YAML loader and schema
# helpers, AWSTOE components (actions, variables, conditions, loops,
# parameters), recipes, pipelines (cron), naming templates, units, semver,
# the built-in component library.  Pure functions: no disk is touched.
src_libkilncore_a_SOURCES += \
	src/documents/yamldoc.c src/documents/yamldoc.h \
	src/documents/schema.c src/documents/schema.h src/documents/tables.h \
	src/documents/scalarpos.c src/documents/scalarpos.h \
	src/documents/doc.c src/documents/doc.h \
	src/documents/component.c src/documents/component.h \
	src/documents/actions.c src/documents/actions.h \
	src/documents/vars.c src/documents/vars.h \
	src/documents/condition.c src/documents/condition.h \
	src/documents/loop.c src/documents/loop.h \
	src/documents/params.c src/documents/params.h \
	src/documents/recipe.c src/documents/recipe.h \
	src/documents/recipe-components.c \
	src/documents/offline.c src/documents/offline.h \
	src/documents/connect.c src/documents/connect.h \
	src/documents/pipeline.c src/documents/pipeline.h \
	src/documents/cron.c src/documents/cron.h \
	src/documents/lifecycle.c src/documents/lifecycle.h \
	src/documents/notify.c src/documents/notify.h \
	src/documents/naming.c src/documents/naming.h \
	src/documents/units.c src/documents/units.h \
	src/documents/semver.c src/documents/semver.h \
	src/documents/library.c src/documents/library.h
