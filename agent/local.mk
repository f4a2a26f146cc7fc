# agent/local.mk - kiln-agent, the static (musl) guest agent.
#
# kiln uploads agent/kiln-agent into guests, so it is linked statically
# against musl (configure finds $(MUSL_GCC)) and stripped; it cannot use
# GLib.  automake's own rules use $(CC), hence the custom rule.  The same
# sources are also built with $(CC) and the sanitizers (kiln-agent-asan) for
# the tests, and the unit tests link the modules they test.

KILN_AGENT_SRCS = agent/main.c $(KILN_AGENT_MODULES)
# everything but main(): the protocol test links all the handlers
KILN_AGENT_MODULES = \
	agent/agent.c agent/runner.c agent/plan.c agent/state.c \
	agent/events.c agent/layer.c agent/ask-host.c agent/mask.c agent/port.c agent/expand.c agent/cond.c agent/loop.c \
	agent/proc.c agent/power.c agent/actions.c agent/inputs.c \
	agent/act_exec.c agent/act_files.c agent/act_copy.c agent/act_attrs.c \
	agent/act_system.c agent/act_web.c agent/act_s3.c agent/act_document.c agent/pkgmgr.c \
	agent/json.c agent/hash.c agent/encoding.c agent/fsutil.c agent/strbuf.c \
	agent/util.c common/kiln-re2-posix.c
KILN_AGENT_HDRS = \
	agent/agent.h agent/runner.h agent/plan.h agent/state.h agent/events.h agent/layer.h agent/ask-host.h \
	agent/mask.h agent/port.h agent/expand.h agent/cond.h agent/loop.h agent/proc.h \
	agent/power.h agent/actions.h agent/pkgmgr.h agent/json.h agent/hash.h \
	agent/encoding.h agent/fsutil.h agent/strbuf.h agent/util.h
# the names it shares with kiln (plain C; distributed with common/)
KILN_AGENT_SHARED_HDRS = common/kiln-protocol.h common/kiln-re2-posix.h

KILN_AGENT_MUSL_FLAGS = -std=gnu11 -Os -static -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables $(WARN_CFLAGS)
KILN_AGENT_MUSL_LINK = -static -Wl,--gc-sections -s

pkglibexec_SCRIPTS = agent/kiln-agent
agent/kiln-agent: $(KILN_AGENT_SRCS) $(KILN_AGENT_HDRS) $(KILN_AGENT_SHARED_HDRS)
	@$(MKDIR_P) agent
	$(AM_V_GEN)srcs=; for f in $(KILN_AGENT_SRCS); do srcs="$$srcs $(srcdir)/$$f"; done; \
	$(MUSL_GCC) $(KILN_AGENT_MUSL_FLAGS) -I$(srcdir)/agent -I$(srcdir) $(KILN_AGENT_MUSL_LINK) -o $@.tmp $$srcs && mv -f $@.tmp $@
CLEANFILES += agent/kiln-agent agent/kiln-agent.tmp
EXTRA_DIST += $(KILN_AGENT_SRCS) $(KILN_AGENT_HDRS)

# The same agent built with $(CC) + ASan/UBSan, for running the integration
# tests under the sanitizers: `make check-agent-asan` (built on request).
EXTRA_PROGRAMS = agent/kiln-agent-asan
# automake does not clean EXTRA_PROGRAMS
CLEANFILES += agent/kiln-agent-asan
agent_kiln_agent_asan_SOURCES = $(KILN_AGENT_SRCS) $(KILN_AGENT_HDRS)
AGENT_ASAN_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
agent_kiln_agent_asan_CFLAGS = $(WARN_CFLAGS) $(AGENT_ASAN_FLAGS)
agent_kiln_agent_asan_LDFLAGS = $(AGENT_ASAN_FLAGS)

# Unit tests (cmocka) of the agent's modules, built with $(CC).
KILN_AGENT_TEST_FLAGS = $(WARN_CFLAGS) $(SANITIZER_CFLAGS) $(CMOCKA_CFLAGS) -I$(srcdir)/agent -I$(srcdir)
KILN_AGENT_TEST_LIBS = $(CMOCKA_LIBS)
KILN_AGENT_BASE = agent/json.c agent/strbuf.c agent/util.c agent/fsutil.c

AGENT_UNIT_TESTS = agent/kiln-agent-test-json agent/kiln-agent-test-text \
	agent/kiln-agent-test-logic agent/kiln-agent-test-state \
	agent/kiln-agent-test-protocol agent/kiln-agent-test-mask \
	agent/kiln-agent-test-events
check_PROGRAMS += $(AGENT_UNIT_TESTS)
TESTS += $(AGENT_UNIT_TESTS)

agent_kiln_agent_test_json_SOURCES = agent/test-json.c $(KILN_AGENT_BASE)
agent_kiln_agent_test_json_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_json_LDADD = $(KILN_AGENT_TEST_LIBS)

agent_kiln_agent_test_text_SOURCES = agent/test-text.c agent/hash.c agent/encoding.c $(KILN_AGENT_BASE)
agent_kiln_agent_test_text_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_text_LDADD = $(KILN_AGENT_TEST_LIBS)

agent_kiln_agent_test_logic_SOURCES = agent/test-logic.c agent/cond.c agent/expand.c agent/loop.c common/kiln-re2-posix.c \
	agent/plan.c agent/pkgmgr.c agent/hash.c $(KILN_AGENT_BASE)
agent_kiln_agent_test_logic_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_logic_LDADD = $(KILN_AGENT_TEST_LIBS)

agent_kiln_agent_test_state_SOURCES = agent/test-state.c agent/state.c agent/proc.c $(KILN_AGENT_BASE)
agent_kiln_agent_test_state_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_state_LDADD = $(KILN_AGENT_TEST_LIBS)

agent_kiln_agent_test_mask_SOURCES = agent/test-mask.c agent/mask.c $(KILN_AGENT_BASE)
agent_kiln_agent_test_mask_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_mask_LDADD = $(KILN_AGENT_TEST_LIBS)

# the sinks while a layer is cut (layer.c): the log held, events sent
agent_kiln_agent_test_events_SOURCES = agent/test-events.c agent/events.c agent/mask.c agent/port.c $(KILN_AGENT_BASE)
agent_kiln_agent_test_events_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_events_LDADD = $(KILN_AGENT_TEST_LIBS)

# The agent against common/kiln-protocol.h: a handler for every action the
# host sends, every operator known.
agent_kiln_agent_test_protocol_SOURCES = agent/test-protocol.c $(KILN_AGENT_MODULES)
agent_kiln_agent_test_protocol_CFLAGS = $(KILN_AGENT_TEST_FLAGS)
agent_kiln_agent_test_protocol_LDADD = $(KILN_AGENT_TEST_LIBS)
