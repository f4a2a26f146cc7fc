#!/usr/bin/env bash
# doctor.sh - `kiln doctor` tells the truth about this machine, exits 3
# when the host lacks what a build needs, and changes nothing on disk.
#
# Every run is in a scrubbed environment (env -i: PATH, HOME, KILN_HOME and
# TMPDIR only), as a user's shell would be on a fresh machine.  What doctor
# says is compared with independent readers: test -e /dev/kvm (and a QEMU
# KVM boot when there is one), qemu-img --version, qemu-system-x86_64
# --version, df, curl.
# Costs two doctor runs (one appliance launch and one small TCG domain
# each): about 1-2 minutes without KVM.
#
# The home doctor gets is a new, empty one of this test's own ($home), not
# the shared $KILN_HOME of functions.sh: what doctor must not change is
# all that is in it.  Its TMPDIR is this test's $TMPDIR, empty until then.
. "$(dirname "$0")/lib/functions.sh"

requires jq

tmp=$TEST_TMP
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
home="$tmp/home"
mkdir -p "$home" || fail "mkdir $home"
scrubbed () {   # scrubbed KILN_HOME PATH COMMAND...
  local h=$1 p=$2; shift 2
  env -i PATH="$p" HOME="${HOME:-/root}" KILN_HOME="$h" TMPDIR="$TMPDIR" "$@"
}
# what is on disk under a directory: path, type, size, mtime
snapshot () { (cd "$1" && find . -printf '%p %y %s %T@\n' | sort); }

# ---- the command line --------------------------------------------------
expect_exit 0 --out "$tmp/help" "$KILN" doctor --help
ok "--help: exit 0"
expect_grep "kiln doctor \[OPTION" "$tmp/help"
ok "--help: 'Usage: kiln doctor'"
expect_grep -- "--json" "$tmp/help"
ok "--help: lists --json"
expect_exit 2 --out "$tmp/out" "$KILN" doctor extra
ok "an argument: exit 2"

# ---- this machine, as it is ---------------------------------------------
snapshot "$home" > "$tmp/home.before"
start=$(date +%s)
scrubbed "$home" "$SAFE_PATH" "$KILN" doctor --json > "$tmp/doctor.json" 2> "$tmp/doctor.err"
rc=$?
note "measure: kiln doctor --json $(( $(date +%s) - start )) s"
[ -s "$tmp/doctor.err" ] && cat "$tmp/doctor.err"
[ "$rc" -eq 0 ] || cat "$tmp/doctor.json"
expect "this machine: exit 0 (kiln can build here)" test "$rc" -eq 0
jq -e . "$tmp/doctor.json" > /dev/null || fail "--json parses"
ok "--json parses"
expect "--json: canBuild true, exitCode 0" \
  jq -e '.canBuild == true and .exitCode == 0' "$tmp/doctor.json"
expect "nothing on stderr" test ! -s "$tmp/doctor.err"
names=$(jq -r '[.checks[].check] | join(" ")' "$tmp/doctor.json")
expect_eq "one check each, in order" \
  "kvm appliance libvirt qemu kiln-home tmp mirror agent template-tools permissions" "$names"
fact () { jq -r ".checks[] | select(.check == \"$1\") | $2" "$tmp/doctor.json"; }
status () { fact "$1" .status; }

# KVM: the truth from outside kiln
if [ ! -e /dev/kvm ]; then
  expect "kvm: warn (no /dev/kvm here)" test "$(status kvm)" = warn
  expect "kvm: says 'no /dev/kvm'" grep -q "no /dev/kvm" <<< "$(fact kvm .found)"
  expect "kvm: says what to do" test "$(fact kvm .advice)" != null
  kvm_works=no
else
  # A broken nested KVM makes QEMU abort or hang in the guest's kernel:
  # the timeout only ends such a hang.
  kernel=$(ls -1 /boot/vmlinuz-* | sort -V | tail -1)
  mkdir -p "$tmp/initrd/dev"
  cp "$top_builddir/agent/kiln-agent" "$tmp/initrd/init"
  mknod "$tmp/initrd/dev/console" c 5 1
  (cd "$tmp/initrd" && printf 'init\ndev\ndev/console\n' | cpio -o -H newc --quiet) > "$tmp/probe.cpio"
  timeout 120 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic \
    -no-reboot -kernel "$kernel" -initrd "$tmp/probe.cpio" \
    -append "console=ttyS0 panic=-1 kiln-probe" > "$tmp/kvm-boot.log" 2>&1 < /dev/null
  if grep -q KILN-PROBE-OK "$tmp/kvm-boot.log"; then kvm_works=yes; else kvm_works=no; fi
  if [ "$kvm_works" = yes ]; then
    expect "kvm: ok (a KVM guest boots here)" test "$(status kvm)" = ok
  else
    expect "kvm: warn (a KVM guest does not boot here)" test "$(status kvm)" = warn
  fi
fi
want_accel=$([ "$kvm_works" = yes ] && echo KVM || echo TCG)
expect "kvm: kiln uses $want_accel" test "$(fact kvm .facts.kilnUses)" = "${want_accel,,}"

# the appliance: launched, with seconds, under the accelerator kiln uses
expect "appliance: ok" test "$(status appliance)" = ok
expect "appliance: launched" test "$(fact appliance .facts.launched)" = true
expect "appliance: took some seconds" jq -e \
  '.checks[] | select(.check == "appliance") | .facts.seconds > 0' "$tmp/doctor.json"
expect "appliance: ran under $want_accel" test "$(fact appliance .facts.accel)" = "$want_accel"
if [ "$want_accel" = TCG ]; then
  expect "appliance: its kernel saw no hypervisor (TCG)" \
    grep -q "bare hardware" <<< "$(fact appliance .facts.bootLine)"
fi
expect "appliance: the line names seconds and accelerator" \
  grep -Eq "launched in [0-9]+\.[0-9] s under $want_accel" <<< "$(fact appliance .found)"

# libvirt: a domain started, ran to userland and stopped
expect "libvirt: ok" test "$(status libvirt)" = ok
expect "libvirt: started, reached userland, stopped" test \
  "$(fact libvirt '[.facts.started, .facts.reachedUserland, .facts.stopped] | join(",")')" = "true,true,true"
expect "no doctor domain left running" test "$(pgrep -fc 'guest=kiln-doctor' || true)" -eq 0

# versions, as the programs themselves say
expect "qemu: ok" test "$(status qemu)" = ok
qi=$(qemu-img --version | sed -n '1s/^qemu-img version \([^ ]*\).*/\1/p')
expect "qemu: qemu-img version $qi" test "$(fact qemu .facts.imgVersion)" = "$qi"
qs=$(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p')
expect "qemu: version $qs" test "$(fact qemu .facts.version)" = "$qs"

# free space, as df sees it (other writers on the machine move it a bit)
df_avail=$(df -B1 --output=avail "$home" | tail -1 | tr -d ' ')
doc_free=$(fact kiln-home '.facts.directories[0].free')
diff=$(( df_avail > doc_free ? df_avail - doc_free : doc_free - df_avail ))
expect "kiln-home: free space matches df ($doc_free vs $df_avail)" \
  test "$diff" -le $(( df_avail / 20 + (256 << 20) ))
expect "kiln-home: measured against the debian-12 template" \
  grep -q "debian-12 template build needs about 6.0 GiB" <<< "$(fact kiln-home .found)"

# the mirror, as curl sees it
murl=$(fact mirror '.facts.mirrors[0].url')
code=$(curl -s -I -o /dev/null -w '%{http_code}' --max-time 60 "$murl" || true)
if [ "${code:-000}" = 000 ]; then
  expect "mirror: unreachable for curl, not ok for doctor" test "$(status mirror)" != ok
else
  expect "mirror: HTTP $code, as curl got" test "$(fact mirror '.facts.mirrors[0].status')" = "$code"
fi
expect "agent: ok" test "$(status agent)" = ok
expect "template-tools: ok" test "$(status template-tools)" = ok
if [ "$(id -u)" -eq 0 ]; then
  expect "permissions: ok as root" test "$(status permissions)" = ok
else
  expect "permissions: warn as a user" test "$(status permissions)" = warn
fi

# nothing on disk changed but the probe cache; no scratch files left
if [ -d "$home/cache" ]; then
  # the top directory's times change when cache/ is made
  snapshot "$home" | grep -v '^\./cache' | grep -v '^\. ' > "$tmp/home.after"
  grep -v '^\. ' "$tmp/home.before" > "$tmp/home.before2"
  expect "doctor's \$KILN_HOME ($home) unchanged but cache/" diff "$tmp/home.before2" "$tmp/home.after"
else
  snapshot "$home" > "$tmp/home.after"
  expect "doctor's \$KILN_HOME ($home) unchanged (no probe ran: nothing cached)" diff "$tmp/home.before" "$tmp/home.after"
fi
expect_eq "nothing left in \$TMPDIR" "" "$(ls -A "$TMPDIR")"

# ---- a host that lacks things: exit 3 -----------------------------------
# PATH without qemu-img (kiln template build runs it), and when a private
# mount namespace is possible, $KILN_HOME on a full file system.
mkdir -p "$tmp/path"
IFS=: read -ra dirs <<< "$SAFE_PATH"
for d in "${dirs[@]}"; do
  for f in "$d"/*; do
    b=${f##*/}
    [ "$b" = qemu-img ] || [ -e "$tmp/path/$b" ] || ln -s "$f" "$tmp/path/$b"
  done
done

scrubbed "$home" "$tmp/path" "$KILN" template build debian-12 > "$tmp/tb.out" 2> "$tmp/tb.err"
rc=$?
[ "$rc" -eq 3 ] || cat "$tmp/tb.out" "$tmp/tb.err"
expect "template build without qemu-img: exit 3" test "$rc" -eq 3
expect_grep "qemu-img (Debian package qemu-utils)" "$tmp/tb.err"
ok "... names qemu-img"
expect "... ends with 'run \`kiln doctor\`'" test "$(tail -1 "$tmp/tb.err" | grep -c 'run `kiln doctor`$')" -eq 1

full="$tmp/full"
mkdir -p "$full"
if unshare -m true 2> /dev/null; then
  start=$(date +%s)
  unshare -m bash -c '
    mount -t tmpfs -o size=1m kiln-doctor-full "$1" || exit 99
    dd if=/dev/zero of="$1/filler" bs=64k count=15 status=none
    shift
    exec "$@"' _ "$full" \
    env -i PATH="$tmp/path" HOME="${HOME:-/root}" KILN_HOME="$full/home" \
      TMPDIR="$TMPDIR" "$KILN" doctor > "$tmp/bad.out" 2> "$tmp/bad.err"
  rc=$?
  note "measure: kiln doctor, exit 3 case $(( $(date +%s) - start )) s"
  full_checked=yes
  [ "$rc" -eq 99 ] && { note "no tmpfs mount here: PATH case only"; full_checked=no; }
fi
if [ "${full_checked:-no}" = no ]; then
  scrubbed "$home" "$tmp/path" "$KILN" doctor > "$tmp/bad.out" 2> "$tmp/bad.err"
  rc=$?
fi
cat "$tmp/bad.out"
[ -s "$tmp/bad.err" ] && cat "$tmp/bad.err"
expect "a host that lacks things: exit 3" test "$rc" -eq 3
expect "text: a line per check, each ok/warn/fail" test \
  "$(grep -cE '^(ok|warn|fail)  ' "$tmp/bad.out")" -eq 10
expect "text: template-tools fails, naming qemu-img" \
  grep -qE '^fail  template-tools .*qemu-img' "$tmp/bad.out"
if [ "${full_checked:-no}" = yes ]; then
  expect "text: kiln-home fails on the full file system" \
    grep -qE '^fail  kiln-home .*[0-9.]+ (B|KiB|MiB) free' "$tmp/bad.out"
  expect "text: says what to do about it" grep -qE '^fail  kiln-home .* -- free space' "$tmp/bad.out"
fi
expect "text: the last line says kiln cannot build" \
  grep -q "^kiln cannot build on this host" <<< "$(tail -1 "$tmp/bad.out")"
expect "doctor's own exit 3 has no 'run kiln doctor' hint" test ! -s "$tmp/bad.err"
