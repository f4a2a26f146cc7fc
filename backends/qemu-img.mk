# backends/qemu-img.mk: backends_libkilnbackends_a_SOURCES += backends/qemu-img.c backends/qemu-img.h
