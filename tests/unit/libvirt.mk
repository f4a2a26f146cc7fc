# tests/unit/libvirt.mk
UNIT_TESTS += tests/unit/test-libvirt-xml
tests_unit_test_libvirt_xml_SOURCES = tests/unit/test-libvirt-xml.c
tests_unit_test_libvirt_xml_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_libvirt_xml_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
UNIT_TESTS += tests/unit/test-libvirt-channel
tests_unit_test_libvirt_channel_SOURCES = tests/unit/test-libvirt-channel.c
tests_unit_test_libvirt_channel_CFLAGS = $(UNIT_CFLAGS) $(BACKEND_CFLAGS)
tests_unit_test_libvirt_channel_LDADD = $(KILN_ALL_LDADD) $(CMOCKA_LIBS)
