# src/build/: one build's stages (docs/design.md): the job (job.c, the
# sequencer) and its stages (stages.h, stage-*.c, failure-report.c), the
# plan the guest agent runs, boots, the accelerator decision, the parent
# image.
src_libkilncore_a_SOURCES += \
	src/build/job.c src/build/job.h \
	src/build/recipe-job.c src/build/recipe-job.h \
	src/build/stages.c src/build/stages.h \
	src/build/stage-resolve.c \
	src/build/build-key.c \
	src/build/layer-cut.c \
	src/build/stage-layers.c \
	src/build/stage-prepare.c \
	src/build/stage-inject.c \
	src/build/agent-seed.c src/build/agent-seed.h \
	src/build/stage-boot.c \
	src/build/stage-generalize.c \
	src/build/stage-offline.c \
	src/build/stage-distribute.c \
	src/build/stage-output.c \
	src/build/failure-report.c \
	src/build/plan.c src/build/plan.h \
	src/build/s3-transfers.c src/build/s3-transfers.h \
	src/build/stage-s3.c \
	src/build/boot.c src/build/boot.h \
	src/build/boot-events.c src/build/boot-events.h \
	src/build/console-watch.c src/build/console-watch.h \
	src/build/toe-log.c src/build/toe-log.h \
	src/build/accel-decide.c src/build/accel-decide.h \
	src/build/parent.c src/build/parent.h \
	src/build/target-disks.c src/build/target-disks.h
