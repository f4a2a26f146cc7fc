# tests/integration/agent.mk - kiln-agent run on the host in test mode
# (temporary folders only).  KILN_AGENT=agent/kiln-agent-asan runs the same
# tests against the sanitizer build.
AGENT_INTEGRATION_TESTS = \
	tests/integration/agent-files.sh \
	tests/integration/agent-exec.sh \
	tests/integration/agent-flow.sh \
	tests/integration/agent-reboot.sh \
	tests/integration/agent-document.sh \
	tests/integration/agent-events.sh \
	tests/integration/agent-web.sh \
	tests/integration/agent-vm.sh
TESTS += $(AGENT_INTEGRATION_TESTS)
EXTRA_DIST += $(AGENT_INTEGRATION_TESTS) tests/integration/agent-lib.sh tests/fixtures/plans
# The tests run the agent binary: build it first.
$(AGENT_INTEGRATION_TESTS:.sh=.log): agent/kiln-agent
