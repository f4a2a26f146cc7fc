#!/usr/bin/env bash
# trust-secrets.sh - a step that prints secret parameters never puts them
# in what kiln reports (issue 13, item 4): the agent masks the plan's secret
# values as ***, kiln masks them again in the build log, the console it
# appends there and the failure report.  One failing build (--json, one
# boot of the tiny image) with a value the recipe marks secret, one with a
# line break in it, and one whose parameter name looks secret; the step
# prints them on stdout, on stderr, cut across two writes, and on
# /dev/console, then fails.  Afterwards no file under $KILN_HOME (or the
# output directory) holds a value.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
tmp=$TEST_TMP
# a home of this test's own, so all of it can be searched (a place, not a
# decision kiln makes)
export KILN_HOME=$tmp/home

marked=Tr0ub4dor-x9q-marked
named=Sesame-0pen-42-named
line1=BEGIN-k3y-part1 line2=END-k3y-part2

mkdir -p "$tmp/r"
cat > "$tmp/r/c.yaml" <<'YAML'
name: trust-secrets
schemaVersion: 1.0
parameters:
  - motd:
      type: string
      default: none
  - dbPassword:
      type: string
      default: none
  - privateKey:
      type: string
      default: none
phases:
  - name: build
    steps:
      - name: Leak
        action: ExecuteBash
        inputs:
          commands:
            - echo "motd={{ motd }} password={{ dbPassword }}"
            - echo "on stderr {{ motd }}" >&2
            - printf 'key=%s\n' "{{ privateKey }}"
            - v='{{ dbPassword }}'; printf 'cut=%s' "${v%%-*}"; sleep 1; printf '%s\n' "-${v#*-}"
            - echo "console {{ motd }} {{ dbPassword }}" > /dev/console
            - printf 'console key=%s\n' "{{ privateKey }}" > /dev/console
            - exit 3
YAML
cat > "$tmp/r/recipe.yaml" <<YAML
name: trust-secrets
version: 1.0.0
parent: $tiny
components:
  - component: ./c.yaml
    parameters:
      motd: { value: "$marked", secret: true }
      dbPassword: "$named"
      privateKey: "$line1\\n$line2"
build:
  memory: 512M
outputs:
  formats: [qcow2]
  directory: $tmp/out
YAML

# no_value WHAT FILE...: none of the values is in the files
no_value () {
  local what=$1; shift
  local v
  for v in "$marked" "$named" "$line1" "$line2" "${named%%-*}"; do
    if grep -rlF -- "$v" "$@" > "$tmp/hits" 2>/dev/null; then
      fail "$what: '$v' in $(tr '\n' ' ' < "$tmp/hits")"
    fi
  done
  ok "$what: no secret value"
}

# 1. kiln build --json: the agent's events and the result (the failure
# report: the step's last output, the console's last lines) on stdout.
# Text output prints the same report through the same reporter.
expect_exit 1 --out "$tmp/build.out" "$KILN" build --json "$tmp/r/recipe.yaml" < /dev/null
no_value "kiln build's events and report" "$tmp/build.out"
# the step's stdout as the events carry it, joined: a loaded guest may
# hand the agent one printf in two reads, so one line can be two events
jq -j 'select(.event == "agent" and .step == "Leak" and .stream == "stdout") | .data' \
  "$tmp/build.out" > "$tmp/leak.stdout"
jq -j 'select(.event == "agent" and .step == "Leak" and .stream == "stderr") | .data' \
  "$tmp/build.out" > "$tmp/leak.stderr"
expect_grep -xF 'motd=*** password=***' "$tmp/leak.stdout"
expect_grep -xF 'key=***' "$tmp/leak.stdout"
# the value cut across two writes (a second apart) is masked whole; when
# the agent reads the halves apart it holds the first until it knows
expect_grep -xF 'cut=***' "$tmp/leak.stdout"
expect_grep -xF 'on stderr ***' "$tmp/leak.stderr"
expect_grep -F '| console *** ***' "$tmp/build.out"
expect_grep -F '| console key=***' "$tmp/build.out"

# 2. the build log: the agent's events, the console, the report
log=$KILN_HOME/logs/trust-secrets/1.0.0/1.log
expect_file "$log"
no_value "the build log" "$log"
expect_grep -F 'on stderr ***' "$log"
expect_grep -F 'console key=***' "$log"

# 3. nothing kiln left behind holds a value
mkdir -p "$tmp/out"
no_value "\$KILN_HOME and the output directory" "$KILN_HOME" "$tmp/out"
