# src/doctor/: kiln doctor: facts from backends/host-facts.h, judged here.
src_libkilncore_a_SOURCES += \
	src/doctor/doctor.c src/doctor/doctor.h \
	src/doctor/judge.c \
	src/doctor/http-head.c src/doctor/http-head.h
