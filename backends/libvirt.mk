# backends/libvirt.mk: transient domains, the agent channel, the accel probe
backends_libkilnbackends_a_SOURCES += \
	backends/libvirt.c backends/libvirt-private.h \
	backends/libvirt-xml.c \
	backends/libvirt-accel.c
