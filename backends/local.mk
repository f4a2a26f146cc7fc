# backends/: the only code that calls libvirt, libguestfs and qemu-img.
# They take plain specs and hand back raw results; they make no policy.
noinst_LIBRARIES += backends/libkilnbackends.a
backends_libkilnbackends_a_CFLAGS = $(AM_CFLAGS) $(BACKEND_CFLAGS)
backends_libkilnbackends_a_SOURCES = \
	backends/qemu-img.c backends/qemu-img.h \
	backends/libvirt.c backends/libvirt.h backends/libvirt-private.h \
	backends/libvirt-xml.c \
	backends/libvirt-accel.c \
	backends/libvirt-pool.c backends/libvirt-pool.h \
	backends/guestfs.c backends/guestfs.h backends/guestfs-handle.c \
	backends/guestfs-private.h backends/guestfs-impl.h \
	backends/guestfs-inspect.c \
	backends/guestfs-agent.c \
	backends/guestfs-generalize.c \
	backends/guestfs-read.c \
	backends/template-build.c backends/template-build.h \
	backends/template-build-private.h backends/template-tree.c \
	backends/seed.c backends/seed.h
# host programs kiln runs (notification commands, systemctl) and webhooks
backends_libkilnbackends_a_SOURCES += \
	backends/program.c backends/program.h \
	backends/http.c backends/http.h \
	backends/curl-setup.c backends/curl-setup.h
# kiln doctor's raw facts (src/doctor/ judges them)
backends_libkilnbackends_a_SOURCES += \
	backends/host-facts.h backends/host-kvm.c backends/host-programs.c \
	backends/libvirt-facts.c backends/guestfs-appliance-check.c
# S3 GetObject, PutObject, ListObjectsV2 (AWSTOE's S3Download and S3Upload,
# run on the host; src/base/s3-config.c finds the keys): the operations
# (s3.c), one signed request over libcurl (s3-request.c), S3's XML answers
# read (s3-xml.c)
backends_libkilnbackends_a_SOURCES += \
	backends/s3.c backends/s3.h backends/s3-private.h \
	backends/s3-request.c backends/s3-xml.c
