# backends/: the only code that calls libvirt, libguestfs and qemu-img.
noinst_LIBRARIES += backends/libkilnbackends.a
backends_libkilnbackends_a_SOURCES = \
	backends/backend-placeholder.c
