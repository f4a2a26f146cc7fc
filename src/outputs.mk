# src/outputs.mk - stage 7 (distribute): formats, OVF/OVA, checksums,
# manifest, SBOM, cloud import files, import-readiness lint; kiln convert
# and kiln inspect.
src_libkilncore_a_SOURCES += \
	src/formats.c src/formats.h \
	src/checksums.c src/checksums.h \
	src/ovf.c src/ovf.h \
	src/ova.c src/ova.h \
	src/manifest.c src/manifest.h \
	src/sbom.c src/sbom.h \
	src/cloud-import.c src/cloud-import.h \
	src/lint.c src/lint.h \
	src/lint-parse.c src/lint-parse.h \
	src/initramfs.c src/initramfs.h \
	src/outputs.c src/outputs.h
src_libkilncore_a_SOURCES += \
	src/artifact-progress.c src/artifact-progress.h

kiln_SOURCES += \
	src/cmd-convert.c src/cmd-inspect.c \
	src/inspect-image.c src/inspect-image.h
# backends/guestfs-facts.c (in libkilnbackends.a) uses the core's parsers:
# the core archive again after the backends one resolves them.
kiln_LDADD += src/libkilncore.a
