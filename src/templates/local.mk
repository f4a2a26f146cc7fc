# src/templates/: base-image templates (docs/templates.md): the template
# document, apt sources, building into and reading from the template store.
src_libkilncore_a_SOURCES += \
	src/templates/template.c src/templates/template.h \
	src/templates/template-store.c \
	src/templates/apt-sources.c src/templates/apt-sources.h
