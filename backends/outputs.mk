# backends/outputs.mk - import-readiness facts read through libguestfs
backends_libkilnbackends_a_SOURCES += backends/guestfs-facts.c backends/guestfs-facts.h
