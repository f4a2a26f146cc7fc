# src/store/: kiln's state under $KILN_HOME: the image store (layout,
# storing, retention), the SQLite catalog, locks, build references
# (name/version/number), recovery after a killed kiln (recover.c).
src_libkilncore_a_SOURCES += \
	src/store/store.c src/store/store.h \
	src/store/recover.c src/store/recover.h \
	src/store/target-claims.c src/store/target-claims.h \
	src/store/build-secret.c src/store/build-secret.h \
	src/store/catalog.c src/store/catalog.h src/store/catalog-private.h \
	src/store/catalog-pipelines.c src/store/catalog-pipelines.h \
	src/store/catalog-layers.c src/store/catalog-layers.h \
	src/store/layers.c src/store/layers.h \
	src/store/lifecycle-plan.c src/store/lifecycle-plan.h \
	src/store/parent-plan.c src/store/parent-plan.h \
	src/store/lock.c src/store/lock.h \
	src/store/build-ref.c src/store/build-ref.h
