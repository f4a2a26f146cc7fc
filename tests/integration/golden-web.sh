#!/usr/bin/env bash
# The README's first command, as a new user runs it: its kiln part is read
# from README.md's Quick start (so the two cannot drift) and run with
# nothing but PATH, HOME and an empty KILN_HOME in the environment (env -i:
# no LIBGUESTFS_*, no KILN_ACCEL, no template or accelerator probe cached
# from an earlier run).  That is `kiln template build debian-12`, then
# `kiln build examples/golden-web/recipe.yaml` (update-os, NGINX installed
# and enabled, `nginx -v` and http://127.0.0.1/ tested on a fresh boot) ->
# raw, VMDK and VHDX with SHA256SUMS, manifest and the AWS readiness lint.
# Then, in the same scrubbed environment, `kiln inspect` reads the raw
# artifact and `kiln test` boots it: NGINX must answer on it.  (A failing
# test phase failing the build is tested on the tiny image,
# template-components-tiny.sh, where a boot costs seconds, not minutes.)
#
# The command runs in a scratch copy of the repository's layout (./kiln is
# the built kiln, examples/golden-web a copy), so the artifacts land there
# and not in the source tree.  Its home is the debian home of the template
# tests, emptied first: template-debian12.sh and
# template-components-debian.sh, which run after this test, find the
# template it built (lib/template.sh).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/template.sh"

requires_root   # the debian-12 template: mmdebstrap in chroot mode
requires mmdebstrap
for t in jq qemu-img sha256sum env; do requires "$t"; done

# ---- the command, from the README ---------------------------------------
# The Quick start's first command ends `... make -j"$(nproc)" && <kiln part>`.
readme_cmd=$(sed -n '/^## Quick start/,/^## /p' "$top_srcdir/README.md" |
  grep -m1 -F 'make -j"$(nproc)" && ' | sed 's/.*make -j"$(nproc)" && //')
[ -n "$readme_cmd" ] || fail "no 'make -j\"\$(nproc)\" && ...' line in README.md's Quick start"
case $readme_cmd in
  *"./kiln build examples/golden-web/recipe.yaml"*) ;;
  *) fail "the README's command no longer builds examples/golden-web (the checks below are about it): $readme_cmd" ;;
esac
note "the README's command: $readme_cmd"

use_debian_home
rm -rf "$KILN_HOME" && mkdir -p "$KILN_HOME" || fail "cannot empty $KILN_HOME"

mkdir -p "$TEST_TMP/readme/examples" || fail "mkdir"
readme=$(cd "$TEST_TMP/readme" && pwd -P)   # as kiln prints it
ln -s "$KILN" "$readme/kiln" || fail "ln -s $KILN"
cp -r "$top_srcdir/examples/golden-web" "$readme/examples/" || fail "cp examples/golden-web"
rm -rf "$readme/examples/golden-web/dist"

# scrubbed CMD...: CMD in $readme with a new user's environment; PATH is
# Debian's for users: no sbin directory, where mkfs.ext4, sfdisk and
# mkfs.vfat are
scrubbed () {
  (cd "$readme" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" KILN_HOME="$KILN_HOME" "$@")
}

start=$(date +%s)
expect_exit 0 --out "$TEST_TMP/build.out" scrubbed sh -c "$readme_cmd" < /dev/null
note "measure: the README's command (template + golden-web build) $(( $(date +%s) - start )) s"
ok "the README's first command works in a new user's environment"

dist="$readme/examples/golden-web/dist"
for step in update-os/build/UpdatePackages update-os/validate/NoPendingUpdates \
            install-packages/build/InstallPackages enable-service/build/EnableService \
            update-os/test/PackageDatabaseHealthy enable-service/test/ServiceEnabledAndActive \
            command-succeeds/test/RunCommand http-ok/test/Fetch; do
  expect_grep -F "step: $step: success" "$TEST_TMP/build.out"
done
expect_grep -F "artifacts, SHA256SUMS and manifest.json are in $dist" "$TEST_TMP/build.out"
ok "golden-web builds; nginx -v and http://127.0.0.1/ pass on the test boot"
# The image has cloud-init: the test boot takes the agent from its seed,
# so the build has two appliance launches (inject, generalize), not three.
expect_grep -F "the agent and the test plan go on the boot's cloud-init seed" "$TEST_TMP/build.out"
log=$(ls "$KILN_HOME"/logs/golden-web/1.0.0/*.log | head -n1)
launches=$(grep -c "libguestfs appliance up in" "$log")
expect_eq "libguestfs launches (inject, generalize; none for the test boot)" 2 "$launches"
ok "the test boot gets its agent through cloud-init, without an appliance launch"
# the seed's user-data is valid cloud-config: the guest's cloud-init (its
# console is in the build log, for the build and the test boot) does not
# warn about it
expect_grep -F "cloud-init[" "$log"
expect_no_grep -F "Invalid cloud-config" "$log"
ok "cloud-init takes kiln's seed without a schema warning"
# (kiln's temporary files went to the scrubbed environment's /tmp, shared
# with everything else on the machine: only the home and the guests are
# checked here)
expect_no_scrubbed_leftovers () {
  local n
  n=$(( $(kiln_qemu_count "$KILN_HOME") + $(kiln_qemu_count "$readme") ))
  [ "$n" -eq 0 ] || fail "$n kiln qemu process(es) left running"
  [ -z "$(ls -A "$KILN_HOME/work" 2> /dev/null)" ] || fail "work directories left: $(ls "$KILN_HOME/work")"
}
expect_no_scrubbed_leftovers

# ---- the artifacts, read back by independent tools ----------------------
# each build's outputs are in a directory of their own, named like them
sums=$(ls "$dist"/golden-web-*/SHA256SUMS 2>/dev/null | head -n1)
[ -n "$sums" ] || fail "no $dist/golden-web-*/SHA256SUMS: $(ls -R "$dist")"
out=$(dirname "$sums")
raw=$(ls "$out"/golden-web-*.raw 2>/dev/null | head -n1)
vmdk=$(ls "$out"/golden-web-*.vmdk 2>/dev/null | head -n1)
vhdx=$(ls "$out"/golden-web-*.vhdx 2>/dev/null | head -n1)
[ -n "$raw" ] && [ -n "$vmdk" ] && [ -n "$vhdx" ] \
  || fail "expected raw, vmdk and vhdx in $out: $(ls -R "$dist")"
( cd "$out" && sha256sum -c SHA256SUMS ) || fail "sha256sum -c SHA256SUMS"
for pair in "$raw raw" "$vmdk vmdk" "$vhdx vhdx"; do
  set -- $pair
  fmt=$(qemu-img info --output=json "$1" | jq -r .format)
  [ "$fmt" = "$2" ] || fail "$1: qemu-img says $fmt, expected $2"
done
qemu-img info --output=json "$vmdk" | jq -e '."format-specific".data."create-type" == "streamOptimized"' >/dev/null \
  || fail "the VMDK is not streamOptimized"
qemu-img check "$vhdx" >/dev/null || fail "qemu-img check $vhdx"
# The raw artifact is sparse: far smaller on disk than its virtual size.
alloc=$(( $(stat -c %b "$raw") * $(stat -c %B "$raw") ))
[ "$alloc" -lt $((1536 * 1024 * 1024)) ] || fail "the raw artifact allocates $alloc bytes"

m="$out/manifest.json"
jq -e '.artifacts | length == 3' "$m" >/dev/null || fail "manifest: not 3 artifacts"
for f in "$raw" "$vmdk" "$vhdx"; do
  want=$(sha256 "$f")
  jq -e --arg n "$(basename "$f")" --arg d "$want" \
    '[.artifacts[] | select((.file // .name // .path | tostring | endswith($n)) and .sha256 == $d)] | length == 1' \
    "$m" >/dev/null || fail "manifest digest of $(basename "$f") does not match the file"
done
jq -e '.lint.targets == ["aws"]' "$m" >/dev/null || fail "manifest: the AWS lint did not run"
errors=$(jq '[.lint.findings[] | select(.severity == "error")] | length' "$m")
[ "$errors" -eq 0 ] || fail "AWS lint errors: $(jq -c .lint.findings "$m")"
jq -e '.guest.distro == "debian"' "$m" >/dev/null || fail "manifest: guest is not debian: $(jq -c .guest "$m")"
ok "raw, vmdk (streamOptimized), vhdx, SHA256SUMS and manifest check out; AWS lint has no error"

# what ships carries nothing of kiln's: neither the build agent nor the
# test boot's (that one only ever went to a throw-away overlay)
gf=$(test_guestfish --ro -a "$raw" -i <<'EOF' 2>&1
exists /usr/local/libexec/kiln/kiln-agent
exists /var/lib/kiln-agent
exists /var/log/kiln-agent.log
exists /etc/systemd/system/kiln-agent.service
exists /usr/sbin/nginx
cat /etc/passwd
cat /etc/shadow
EOF
) || fail "guestfish on $raw: $gf"
# one launch reads both: the five answers, then the account files
raw_accounts=$(echo "$gf" | tail -n +6)
gf=$(echo "$gf" | head -n 5)
[ "$(echo $gf)" = "false false false false true" ] \
  || fail "guestfish (agent, state, log, unit, nginx) says: $(echo $gf)"
ok "the raw artifact has nginx and no trace of kiln's agent (read with guestfish)"

# the boots' seeds made no account and left root's password as the
# template has it
template=$(ls "$KILN_HOME"/templates/debian-12/*/image.qcow2 | head -n1)
accounts () {
  test_guestfish --ro -a "$1" -i <<'EOF' 2>&1
cat /etc/passwd
cat /etc/shadow
EOF
}
template_accounts=$(accounts "$template") || fail "guestfish on $template: $template_accounts"
# login accounts (uid 1000 and up, nobody apart): cloud-init's default
# user (debian) would be one
logins_of () { awk -F: 'NF == 7 && $3 >= 1000 && $3 < 65534 { print $1 }' | tr '\n' ' '; }
root_of () { awk -F: 'NF == 9 && $1 == "root" { print $2 }'; }
expect_eq "login accounts in the template" "" "$(echo "$template_accounts" | logins_of)"
expect_eq "login accounts in the image" "" "$(echo "$raw_accounts" | logins_of)"
[ -n "$(echo "$template_accounts" | root_of)" ] \
  || fail "no root line in the template's /etc/shadow: $template_accounts"
expect_eq "root's password field, as in the template" \
  "$(echo "$template_accounts" | root_of)" "$(echo "$raw_accounts" | root_of)"
ok "no account made by the build or test boot, root's password as in the template"

# ---- kiln inspect and kiln test on the raw artifact, still scrubbed ------
start=$(date +%s)
expect_exit 0 scrubbed ./kiln inspect "$raw" --target aws --json < /dev/null > "$TEST_TMP/inspect.json"
note "measure: kiln inspect $(( $(date +%s) - start )) s"
jq -e '.guest.distro == "debian" and .guest.majorVersion == 12' "$TEST_TMP/inspect.json" > /dev/null \
  || fail "kiln inspect: not Debian 12: $(jq -c .guest "$TEST_TMP/inspect.json")"
jq -e '[.findings[] | select(.severity == "error")] | length == 0' "$TEST_TMP/inspect.json" > /dev/null \
  || fail "kiln inspect: AWS errors: $(jq -c .findings "$TEST_TMP/inspect.json")"
ok "kiln inspect reads the raw artifact: Debian 12, ready for AWS"

start=$(date +%s)
expect_exit 0 --out "$TEST_TMP/test.out" scrubbed ./kiln test "$raw" \
  --component service-running --parameters service=nginx --component http-ok < /dev/null
note "measure: kiln test $(( $(date +%s) - start )) s"
expect_grep -F "step: http-ok/test/Fetch: success" "$TEST_TMP/test.out"
ok "the raw artifact boots and NGINX answers 200"
expect_no_scrubbed_leftovers
