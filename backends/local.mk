# backends/: the only code that calls libvirt, libguestfs and qemu-img.
noinst_LIBRARIES += backends/libkilnbackends.a
backends_libkilnbackends_a_SOURCES = backends/libvirt.h
include $(srcdir)/backends/qemu-img.mk
include $(srcdir)/backends/libvirt.mk
include $(srcdir)/backends/guestfs.mk
include $(srcdir)/backends/outputs.mk
