# src/engine.mk - appended to src/local.mk's lists (src_libkilncore_a_SOURCES += ..., kiln_SOURCES += ...)
