# tests/fuzz/local.mk - libFuzzer target for the loader and the validators.
#   ./configure --enable-fuzz CC=clang && make tests/fuzz/fuzz-validate
#   tests/fuzz/run-fuzz.sh [SECONDS]
# The core is compiled a second time, instrumented for coverage, into a
# library of its own so the normal build stays untouched.
if ENABLE_FUZZ
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer
noinst_LIBRARIES += tests/fuzz/libkilnfuzz.a
tests_fuzz_libkilnfuzz_a_SOURCES = $(src_libkilncore_a_SOURCES) \
	$(common_libkilncommon_a_SOURCES)
tests_fuzz_libkilnfuzz_a_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) \
	-fsanitize=fuzzer-no-link,address,undefined
noinst_PROGRAMS += tests/fuzz/fuzz-validate
tests_fuzz_fuzz_validate_SOURCES = tests/fuzz/fuzz-validate.c
tests_fuzz_fuzz_validate_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) \
	-fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_validate_LDFLAGS = -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_validate_LDADD = tests/fuzz/libkilnfuzz.a $(CORE_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz-validate.c tests/fuzz/yaml.dict \
	tests/fuzz/run-fuzz.sh
