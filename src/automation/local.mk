# src/automation/: pipelines: a run (inputs, the decision, the build through
# build/recipe-job.h, the record in the catalog); the systemd units and
# their installation.
src_libkilncore_a_SOURCES += \
	src/automation/inputs.c src/automation/inputs.h \
	src/automation/pipeline-run.c src/automation/pipeline-run.h \
	src/automation/notify-event.c src/automation/notify-event.h \
	src/automation/notify-send.c src/automation/notify-send.h \
	src/automation/lifecycle-run.c src/automation/lifecycle-run.h \
	src/automation/lifecycle-parents.c src/automation/lifecycle-parents.h \
	src/automation/units.c src/automation/units.h \
	src/automation/install.c src/automation/install.h
