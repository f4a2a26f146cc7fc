# src/build/: one build's stages (docs/design.md): the job, the plan the
# guest agent runs, boots, the accelerator decision, the parent image.
src_libkilncore_a_SOURCES += \
	src/build/job.c src/build/job.h \
	src/build/plan.c src/build/plan.h \
	src/build/boot.c src/build/boot.h \
	src/build/accel-decide.c src/build/accel-decide.h \
	src/build/parent.c src/build/parent.h
