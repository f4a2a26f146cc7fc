#!/usr/bin/env bash
# cli-conventions.sh - what a Linux user expects of a command: every
# `kiln COMMAND --help` names itself "kiln COMMAND", the man page documents
# every option each --help lists, and the bash completion (sourced into
# bash with bash-completion, its function called with COMP_WORDS and
# COMP_CWORD) completes commands, options, formats, template and component
# names and build references.  The option lists are taken from --help, so
# neither the completion nor the man page can drift from the program.
. "$(dirname "$0")/lib/functions.sh"

bash_completion=/usr/share/bash-completion/bash_completion
[ -r "$bash_completion" ] || skip "bash-completion is not installed"
requires sqlite3
tmp=$TEST_TMP
same_words () {   # same_words "A B C" "C B A": the same set of words
  [ "$(tr -s ' \n' '\n\n' <<< "$1" | sed '/^$/d' | sort -u)" = \
    "$(tr -s ' \n' '\n\n' <<< "$2" | sed '/^$/d' | sort -u)" ] && return 0
  echo "     expected: $(tr '\n' ' ' <<< "$1")" >&2
  echo "     found:    $(tr '\n' ' ' <<< "$2")" >&2
  return 1
}

# A kiln home with builds in its catalog: two builds of web-golden, one of
# base (kiln images list reads them like any other).  A home of its own,
# not the shared one: these rows are made up.
export KILN_HOME="$tmp/home"
mkdir -p "$KILN_HOME"
sqlite3 "$KILN_HOME/catalog.db" <<'SQL'
CREATE TABLE builds (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
  version TEXT NOT NULL, build_number INTEGER NOT NULL, state TEXT NOT NULL,
  recipe_path TEXT, build_key TEXT, parent TEXT, parent_digest TEXT,
  image_path TEXT, image_digest TEXT, log_path TEXT, failure TEXT,
  started TEXT NOT NULL, finished TEXT, UNIQUE (name, version, build_number));
INSERT INTO builds (name, version, build_number, state, started, finished) VALUES
  ('web-golden', '1.2.0', 6, 'failed', '2026-11-01T10:00:00Z', '2026-11-01T10:05:00Z'),
  ('web-golden', '1.2.0', 7, 'available', '2026-11-02T10:00:00Z', '2026-11-02T10:11:00Z'),
  ('base', '0.3.1', 1, 'available', '2026-11-03T10:00:00Z', '2026-11-03T10:09:00Z');
SQL

commands=$("$KILN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
expect "kiln --help lists doctor" grep -qx doctor <<< "$commands"

# ---- --help: "kiln COMMAND", and the man page documents every option ----
man="$top_srcdir/docs/kiln.1"
for c in $commands; do
  expect_exit 0 --out "$tmp/help-$c" "$KILN" "$c" --help
  ok "kiln $c --help: exit 0"
  expect "kiln $c --help: 'Usage: kiln $c'" \
    grep -Eq "^(Usage: +|  )kiln $c( |$)" <(head -3 "$tmp/help-$c")
  # the options --help lists (without --help itself)
  grep -oE -- '--[a-z][a-z-]*' "$tmp/help-$c" | grep -vx -- --help | sort -u > "$tmp/opts-$c"
  # the man page's section of that command
  awk -v c="kiln $c" '/^\.S[SH] /{ on = index($0, "\"" c) == 5 } on' "$man" > "$tmp/man-$c"
  expect "man page: a section for kiln $c" test -s "$tmp/man-$c"
  missing=
  while read -r o; do
    grep -qF -- "$(sed 's/-/\\-/g' <<< "$o")" "$tmp/man-$c" || missing="$missing $o"
  done < "$tmp/opts-$c"
  expect "man page: every option of kiln $c${missing:+ (missing:$missing)}" test -z "$missing"
done

# ---- bash completion -----------------------------------------------------
# shellcheck source=/dev/null
source "$bash_completion"
# shellcheck source=/dev/null
source "$top_srcdir/completion/kiln"
expect "the completion binds _kiln to kiln" test "$(complete -p kiln)" = "complete -F _kiln kiln"
comp () {   # comp WORD...: what completing the last word offers
  COMP_WORDS=("$KILN" "$@")
  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
  # as readline would have it: no blanks around an '=' word
  local w last=
  COMP_LINE=$KILN
  for w in "$@"; do
    if [ "$w" = = ] || [ "$last" = = ]; then COMP_LINE+=$w; else COMP_LINE+=" $w"; fi
    last=$w
  done
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _kiln
  printf '%s\n' "${COMPREPLY[@]}"
}
mkdir -p "$tmp/cwd/files/sub"
cd "$tmp/cwd" || fail "cd $tmp/cwd"   # file names offered next to names come from here
touch files/r.yaml files/img.qcow2

expect "commands" same_words "$commands" "$(comp '')"
expect "a command's prefix: do -> doctor" same_words doctor "$(comp do)"
for c in $commands; do
  expect "options of kiln $c, as --help lists them" \
    same_words "$(cat "$tmp/opts-$c") --help" "$(comp "$c" -)"
done
formats=$("$KILN" build --help | sed -n 's/.*comma-separated (\(.*\)).*/\1/p')
expect "build --format: the formats --help names ($formats)" \
  same_words "$formats" "$(comp build --format '')"
expect "build --format=: the same after '='" same_words "$formats" "$(comp build --format = '')"
expect "build --format vmdk,vh: the list's last item" \
  same_words "vmdk,vhdx vmdk,vhd" "$(comp build -f vmdk,vh)"
expect "convert --format: its sub-formats" \
  same_words "qcow2:compressed" "$(comp convert --format qcow2:)"
expect "--accel" same_words "auto kvm tcg" "$(comp build --accel '')"
expect "inspect --target aws,a" same_words "aws,aws aws,azure aws,all" "$(comp inspect --target aws,a)"
expect "validate --kind" same_words "component recipe pipeline" "$(comp validate --kind '')"
expect "validate -k (kind)" same_words "component recipe pipeline" "$(comp validate -k '')"
expect "build -k is --keep-on-failure: files follow" grep -qx files <<< "$(comp build -k '')"

templates=$(cd "$top_srcdir/templates" && ls -- *.yaml | sed 's/\.yaml$//')
expect "template: subcommands" same_words "list build" "$(comp template '')"
expect "template build: the template names ($(echo $templates))" \
  same_words "$templates files" "$(comp template build '')"
expect "template build deb: debian-12 templates" \
  same_words "$(grep '^deb' <<< "$templates")" "$(comp template build deb)"
components=$(cd "$top_srcdir/components" && ls -- *.yaml | sed 's/\.yaml$//')
expect "components show: the built-in names" same_words "$components" "$(comp components show '')"
expect "components show se: service-running set-locale set-timezone" \
  same_words "service-running set-locale set-timezone" "$(comp components show se)"
expect "run: component names and files" same_words "$components files" "$(comp run '')"
expect "test -C: component names and files" same_words "$components files" "$(comp test img.qcow2 -C '')"
expect "build: recipe files (yaml) and directories" same_words "files" "$(comp build '')"
expect "build files/: the yaml file and directories only" \
  same_words "files/r.yaml files/sub" "$(comp build files/)"

expect "logs: build references" same_words \
  "web-golden web-golden/1.2.0 web-golden/1.2.0/6 web-golden/1.2.0/7 base base/0.3.1 base/0.3.1/1" \
  "$(comp logs '')"
expect "logs web-golden/1.2.0/: the numbers" same_words \
  "web-golden/1.2.0/6 web-golden/1.2.0/7" "$(comp logs web-golden/1.2.0/)"
expect "images: subcommands" same_words "list show rm prune deprecate undeprecate parents prune-parents" "$(comp images '')"
expect "images deprecate: build references" grep -qx base/0.3.1/1 <<< "$(comp images deprecate '')"
expect "lifecycle: subcommands" same_words "run" "$(comp lifecycle '')"
expect "images show b: base's references" same_words "base base/0.3.1 base/0.3.1/1" "$(comp images show b)"
expect "images rm: more than one" grep -qx base <<< "$(comp images rm web-golden/1.2.0/6 '')"
expect "images prune -n: recipe names (-n is --dry-run)" \
  same_words "web-golden base" "$(comp images prune -n '')"
expect "doctor --: --json --connect --help" same_words "--json --connect --help" "$(comp doctor --)"
