# tests/integration/agent.mk - kiln-agent run on the host in test mode
# (temporary folders only), plus one small TCG guest (agent-vm.sh).
# `make check-agent-asan` runs the host tests against the ASan/UBSan build.
AGENT_HOST_TESTS = \
	tests/integration/agent-files.sh \
	tests/integration/agent-exec.sh \
	tests/integration/agent-flow.sh \
	tests/integration/agent-reboot.sh \
	tests/integration/agent-document.sh \
	tests/integration/agent-events.sh \
	tests/integration/agent-web.sh
AGENT_VM_TESTS = tests/integration/agent-vm.sh
TESTS += $(AGENT_HOST_TESTS) $(AGENT_VM_TESTS)
EXTRA_DIST += $(AGENT_HOST_TESTS) $(AGENT_VM_TESTS) tests/integration/lib/agent.sh tests/fixtures/plans
# The tests run the agent binary: build it first.
$(AGENT_HOST_TESTS:.sh=.log) $(AGENT_VM_TESTS:.sh=.log): agent/kiln-agent

check-agent-asan: agent/kiln-agent-asan agent/kiln-agent
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(AGENT_HOST_TESTS)" KILN_AGENT='$(abs_top_builddir)/agent/kiln-agent-asan'
.PHONY: check-agent-asan
