# backends/qemu-img.mk: overlays, resize, info, check, convert via qemu-img
backends_libkilnbackends_a_SOURCES += backends/qemu-img.c backends/qemu-img.h
