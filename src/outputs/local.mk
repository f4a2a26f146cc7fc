# src/outputs/: stage 7 (distribute) and what reads images: formats,
# OVF/OVA, checksums, manifest, SBOM, cloud import files, the
# import-readiness lint and its parsers, `kiln inspect`'s inspection.
src_libkilncore_a_SOURCES += \
	src/outputs/formats.c src/outputs/formats.h \
	src/outputs/checksums.c src/outputs/checksums.h \
	src/outputs/ovf.c src/outputs/ovf.h \
	src/outputs/ova.c src/outputs/ova.h \
	src/outputs/vmdk-stream.c src/outputs/vmdk-stream.h \
	src/outputs/manifest.c src/outputs/manifest.h \
	src/outputs/sbom.c src/outputs/sbom.h \
	src/outputs/cloud-import.c src/outputs/cloud-import.h \
	src/outputs/lint.c src/outputs/lint.h \
	src/outputs/lint-parse.c src/outputs/lint-parse.h \
	src/outputs/initramfs.c src/outputs/initramfs.h \
	src/outputs/outputs.c src/outputs/outputs.h \
	src/outputs/artifact-progress.c src/outputs/artifact-progress.h \
	src/outputs/guest-facts.c src/outputs/guest-facts.h \
	src/outputs/inspect-image.c src/outputs/inspect-image.h
