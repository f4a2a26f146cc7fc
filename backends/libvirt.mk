# backends/libvirt.mk: backends_libkilnbackends_a_SOURCES += backends/libvirt.c backends/libvirt.h
