# src/documents.mk - component documents, references, conditions, loops,
# parameters, document kinds; `kiln validate` and `kiln components`.
src_libkilncore_a_SOURCES += \
	src/actions.c src/actions.h \
	src/component.c \
	src/vars.c src/vars.h \
	src/condition.c src/condition.h \
	src/loop.c src/loop.h \
	src/params.c \
	src/doc.c src/doc.h
