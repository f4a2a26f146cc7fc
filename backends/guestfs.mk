# backends/guestfs.mk: backends_libkilnbackends_a_SOURCES += backends/guestfs.c backends/guestfs.h
