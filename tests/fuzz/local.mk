# tests/fuzz/local.mk - libFuzzer targets (docs/reliability.md):
#   fuzz-validate     the YAML loader and the document validators
#   fuzz-plan         plan compilation, checked by the agent's plan reader
#   fuzz-events       the host's reading of the agent's event lines
#   fuzz-guest-files  the readers of guest files, package rows and OS facts
#   fuzz-agent-plan   kiln-agent's JSON parser and plan reader
#   ./configure --enable-fuzz CC=clang && make fuzz-targets
#   tests/fuzz/run-fuzz.sh [--replay] [TARGET] [SECONDS]
# The core is compiled a second time, instrumented for coverage, into a
# library of its own so the normal build stays untouched; the agent's
# sources are compiled into the targets that use them.  An undefined
# behaviour is a crash, as a memory error is.
FUZZ_TARGETS = tests/fuzz/fuzz-validate tests/fuzz/fuzz-plan \
	tests/fuzz/fuzz-events tests/fuzz/fuzz-guest-files \
	tests/fuzz/fuzz-agent-plan
if ENABLE_FUZZ
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_LINK = -fsanitize=fuzzer,address,undefined
noinst_LIBRARIES += tests/fuzz/libkilnfuzz.a
tests_fuzz_libkilnfuzz_a_SOURCES = $(src_libkilncore_a_SOURCES) \
	$(common_libkilncommon_a_SOURCES)
tests_fuzz_libkilnfuzz_a_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) \
	-fsanitize=fuzzer-no-link,address,undefined
noinst_PROGRAMS += $(FUZZ_TARGETS)
FUZZ_CORE_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) $(FUZZ_LINK)
FUZZ_CORE_LDADD = tests/fuzz/libkilnfuzz.a $(CORE_LIBS)

tests_fuzz_fuzz_validate_SOURCES = tests/fuzz/fuzz-validate.c
tests_fuzz_fuzz_validate_CFLAGS = $(FUZZ_CORE_CFLAGS)
tests_fuzz_fuzz_validate_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_validate_LDADD = $(FUZZ_CORE_LDADD)

FUZZ_AGENT_PLAN_READER = agent/json.c agent/plan.c agent/strbuf.c \
	agent/util.c agent/fsutil.c
tests_fuzz_fuzz_plan_SOURCES = tests/fuzz/fuzz-plan.c \
	tests/fuzz/fuzz-agent-accepts.c tests/fuzz/fuzz-agent-accepts.h \
	$(FUZZ_AGENT_PLAN_READER)
tests_fuzz_fuzz_plan_CFLAGS = $(FUZZ_CORE_CFLAGS)
tests_fuzz_fuzz_plan_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_plan_LDADD = $(FUZZ_CORE_LDADD)

tests_fuzz_fuzz_events_SOURCES = tests/fuzz/fuzz-events.c
tests_fuzz_fuzz_events_CFLAGS = $(FUZZ_CORE_CFLAGS)
tests_fuzz_fuzz_events_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_events_LDADD = $(FUZZ_CORE_LDADD)

tests_fuzz_fuzz_guest_files_SOURCES = tests/fuzz/fuzz-guest-files.c
tests_fuzz_fuzz_guest_files_CFLAGS = $(FUZZ_CORE_CFLAGS)
tests_fuzz_fuzz_guest_files_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_guest_files_LDADD = $(FUZZ_CORE_LDADD)

# plain C, no GLib: the agent's modules (not its main) and the target
tests_fuzz_fuzz_agent_plan_SOURCES = tests/fuzz/fuzz-agent-plan.c \
	$(KILN_AGENT_MODULES)
tests_fuzz_fuzz_agent_plan_CFLAGS = $(WARN_CFLAGS) $(FUZZ_FLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_agent_plan_LDFLAGS = $(FUZZ_LINK)

endif
fuzz-targets: $(FUZZ_TARGETS)
.PHONY: fuzz-targets
EXTRA_DIST += tests/fuzz/fuzz-validate.c tests/fuzz/fuzz-plan.c \
	tests/fuzz/fuzz-events.c tests/fuzz/fuzz-guest-files.c \
	tests/fuzz/fuzz-agent-plan.c tests/fuzz/fuzz-agent-accepts.c \
	tests/fuzz/fuzz-agent-accepts.h tests/fuzz/yaml.dict \
	tests/fuzz/json.dict tests/fuzz/run-fuzz.sh tests/fuzz/corpus
