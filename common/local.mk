# common/: what the core (src/), the backends (backends/) share: the error
# domain and exit codes (kiln.h), the plain types that cross the seam
# (kiln-types.h).  Plain types only; nothing here calls a library beyond GLib.
noinst_LIBRARIES += common/libkilncommon.a
common_libkilncommon_a_SOURCES = \
	common/kiln.c common/kiln.h \
	common/kiln-types.c common/kiln-types.h
# kiln-protocol.h: the names kiln and kiln-agent share (plain C, header
# only: the musl agent includes it too).  kiln-json: helpers over json-glib.
common_libkilncommon_a_SOURCES += \
	common/kiln-protocol.h common/kiln-json.c common/kiln-json.h \
	common/kiln-re2-posix.c common/kiln-re2-posix.h
# kiln-host-facts: what kiln doctor's backend checks hand back
common_libkilncommon_a_SOURCES += \
	common/kiln-host-facts.c common/kiln-host-facts.h
# kiln-s3: where S3 is and the keys (resolved by src/base/s3-config.c,
# used by backends/s3.c)
common_libkilncommon_a_SOURCES += \
	common/kiln-s3.c common/kiln-s3.h
