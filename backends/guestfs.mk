# backends/guestfs.mk: offline work on disk images through libguestfs
backends_libkilnbackends_a_SOURCES += \
	backends/guestfs.c backends/guestfs.h backends/guestfs-handle.c \
	backends/guestfs-private.h backends/guestfs-impl.h \
	backends/guestfs-inspect.c \
	backends/guestfs-agent.c \
	backends/guestfs-generalize.c
