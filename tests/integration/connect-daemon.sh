#!/usr/bin/env bash
# connect-daemon.sh - a build pointed at a libvirt daemon (`--connect
# qemu:///system`) that cannot start its domains fails at once in the
# prepare stage, with the daemon's own reason, exit 3 and `kiln doctor
# --connect URI` as the next step; nothing is cached as "KVM is not usable"
# and nothing changes on disk.  `kiln doctor --connect URI` looks at that
# target.  A remote URI is refused before any work.
#
# The daemon is a real libvirtd started here as a user would start it by
# hand (its own config, log and pid files under $TEST_TMP), first without
# virtlogd, then with it.  kiln does not yet move disks to a daemon through
# a storage pool, so with virtlogd running the domain still cannot start
# (the daemon's QEMU user cannot read kiln's files): that is checked to be
# reported as such, not taken for a KVM answer.
# The same daemon carries sparse volumes both ways through a storage pool
# of its own (removed again), ends a killed process's domain
# (autodestroy), and hands a domain's agent channel to kiln as a libvirt
# stream (the backend's test driver, tests/integration/kiln-domain-test).  Skipped when some libvirt daemon already
# runs here (it is not ours to start or stop).  Costs one doctor run (one appliance launch) and one
# busybox boot: ~60 s.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

requires_root
requires jq
requires libvirtd --version
requires virtlogd --version
requires virsh --version
requires qemu-img --version
requires qemu-io --version
requires sqlite3 --version
if pgrep -x 'libvirtd|virtqemud|virtlogd' > /dev/null; then
  skip "a libvirt daemon already runs on this host"
fi

tmp=$TEST_TMP
uri=qemu:///system
tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
cat > "$tmp/r.yaml" <<YAML
name: sysconn
version: 1.0.0
parent: $tiny
components:
  - component: command-succeeds
    parameters: { command: "test -x /bin/busybox" }
build:
  memory: 512M
  network: none
outputs:
  formats: [qcow2]
YAML
cache="$KILN_HOME/cache"
probe_answers () { ls "$cache" 2> /dev/null | grep -c '^accel-probe-' || true; }
before=$(probe_answers)

# build_fails WHAT PATTERN: a build on $uri exits 3 in the prepare stage,
# its error matches PATTERN, it points at `kiln doctor --connect`, and
# leaves nothing behind
build_fails () {
  local what=$1 pattern=$2 out="$tmp/$1.out"
  expect_exit 3 --out "$out" "$KILN" build "$tmp/r.yaml" --connect "$uri" \
    -o "$tmp/out-$what"
  expect_grep "build failed in stage 'prepare'" "$out"
  expect_grep -- "$pattern" "$out"
  expect_grep -F "run \`kiln doctor --connect $uri\`" "$out"
  expect_no_grep "stage: generalize\|stage: inject" "$out"
  ok "$what: exit 3 in the prepare stage: $(grep -m1 -- "$pattern" "$out" | cut -c1-160)"
  expect_no_file "$tmp/out-$what"
  [ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "$what: the parent changed"
  [ "$(probe_answers)" = "$before" ] \
    || fail "$what: a probe answer was cached for the target: $(ls "$cache")"
  ok "$what: no output, parent unchanged, nothing cached about KVM"
  expect_no_leftovers
}

# 1. No daemon at all.
build_fails no-daemon "cannot connect to $uri"

# 2. libvirtd without virtlogd: no domain can start (the case that used to
#    be cached as "KVM is not usable" with virtlogd's error as the reason).
stop_daemon () { [ -f "$1" ] && kill_if_running "$(cat "$1")"; sleep 1; }
# start_daemon NAME: as a user would by hand, with its log and pid file here
start_daemon () {
  printf 'log_outputs = "3:file:%s/%s.log"\n' "$tmp" "$1" > "$tmp/$1.conf"
  "$1" --daemon --config "$tmp/$1.conf" --pid-file "$tmp/$1.pid" \
    || fail "$1 did not start"
  cleanup_fn stop_daemon "$tmp/$1.pid"
  wait_for "$1's pid file" test -s "$tmp/$1.pid"
}
start_daemon libvirtd
wait_for "libvirtd answers" virsh -c "$uri" version
build_fails no-virtlogd "no domain starts on $uri.*virtlogd"
n=$(virsh -c "$uri" list --all --name | grep -c . || true)
expect_eq "no domain left on the daemon" 0 "$n"

# 2b. Disks travel to a daemon through a storage pool (backends/
#     libvirt-pool.h, not used by builds yet): a 1 GiB sparse file with two
#     islands of data and the tiny qcow2 go up and come back byte for byte,
#     holes kept on the target and here.
DRIVER="$top_builddir/tests/integration/kiln-domain-test"
[ -x "$DRIVER" ] || fail "$DRIVER was not built"
pool=kiln-test-$$
pool_dir="$tmp/pool"
drop_pool () {
  virsh -c "$uri" pool-destroy "$pool" > /dev/null 2>&1
  virsh -c "$uri" pool-undefine "$pool" > /dev/null 2>&1
  return 0
}
cleanup_fn drop_pool
pool_cmd () { "$DRIVER" --connect "$uri" --pool "$pool" --pool-path "$pool_dir" "$@"; }
allocated_kib () { du -k "$1" | cut -f1; }
truncate -s 1G "$tmp/sparse.raw"
printf 'island one' | dd of="$tmp/sparse.raw" bs=1 seek=4096 conv=notrunc status=none
printf 'island two' | dd of="$tmp/sparse.raw" bs=1 seek=600000000 conv=notrunc status=none
up=$(pool_cmd pool-upload --file "$tmp/sparse.raw" --volume sparse.raw) || fail "upload: $up"
expect_eq "the volume is in the pool's directory" "path $pool_dir/sparse.raw" "$up"
expect_eq "the pool was made as a directory pool" "$pool_dir" \
  "$(virsh -c "$uri" pool-dumpxml "$pool" | sed -n 's|.*<path>\(.*\)</path>.*|\1|p')"
[ "$(allocated_kib "$pool_dir/sparse.raw")" -lt 1024 ] \
  || fail "the holes were filled on the target: $(du -h "$pool_dir/sparse.raw")"
ok "upload: 1 GiB sparse file, $(allocated_kib "$pool_dir/sparse.raw") KiB allocated on the target"
pool_cmd pool-download --volume sparse.raw --file "$tmp/back.raw" || fail "download"
expect "the downloaded file is the uploaded one" cmp "$tmp/sparse.raw" "$tmp/back.raw"
[ "$(allocated_kib "$tmp/back.raw")" -lt 1024 ] \
  || fail "the holes were filled here: $(du -h "$tmp/back.raw")"
ok "download: byte for byte, $(allocated_kib "$tmp/back.raw") KiB allocated"
pool_cmd pool-upload --file "$tiny" --volume tiny.qcow2 > /dev/null || fail "qcow2 upload"
expect_eq "the target holds a qcow2 file" qcow2 \
  "$(qemu-img info --output=json "$pool_dir/tiny.qcow2" | jq -r .format)"
pool_cmd pool-download --volume tiny.qcow2 --file "$tmp/tiny-back.qcow2" || fail "qcow2 download"
expect "the qcow2 came back byte for byte" cmp "$tiny" "$tmp/tiny-back.qcow2"
expect_eq "a second upload of the same name is refused" 3 \
  "$(pool_cmd pool-upload --file "$tiny" --volume tiny.qcow2 > /dev/null 2>&1; echo $?)"
expect_eq "the volume is listed" yes "$(pool_cmd pool-has --volume tiny.qcow2)"
pool_cmd pool-delete --volume tiny.qcow2 || fail "delete"
pool_cmd pool-delete --volume sparse.raw || fail "delete"
expect_eq "a deleted volume is gone" no "$(pool_cmd pool-has --volume tiny.qcow2)"
expect_eq "nothing left in the pool's directory" "" "$(ls -A "$pool_dir")"
pool_cmd pool-delete --volume tiny.qcow2 || fail "deleting a missing volume is not an error"
ok "storage pool: volumes round-trip and are deleted"

# 3. With virtlogd: the daemon's QEMU user cannot read kiln's files (builds
#    do not use storage pools yet): still a failure to start, reported as
#    such.
start_daemon virtlogd
wait_for "virtlogd's socket" test -S /run/libvirt/virtlogd-sock
build_fails with-virtlogd "no domain starts on $uri.*Permission denied"

# 3b. A domain kiln starts on a daemon does not outlive kiln, kill -9
#     included: it ends with kiln's connection (autodestroy).  The backend's
#     own test driver starts one whose files the daemon's QEMU user can
#     read (an empty disk: the BIOS finds nothing to boot and waits).
shared=$(mktemp -d /tmp/kiln-daemon-XXXXXX) || fail "mktemp"
cleanup_fn rm -rf "$shared"
chmod 0755 "$shared"
truncate -s 16M "$shared/empty.raw"
"$DRIVER" --connect "$uri" wait --disk "$shared/empty.raw" --format raw \
  --accel tcg --memory 128 --prefix kiln-autodestroy > "$tmp/driver.out" 2>&1 &
driver=$!
cleanup_fn kill_if_running "$driver"
domain_on_daemon () { virsh -c "$uri" list --name | grep -q '^kiln-autodestroy-'; }
no_domain_on_daemon () { ! domain_on_daemon; }
wait_for --while "$driver" "the domain on the daemon" domain_on_daemon
kill -KILL "$driver"
wait "$driver" 2> /dev/null
wait_for "the daemon to end the killed process's domain" no_domain_on_daemon
ok "kill -9 of the process that started a domain on the daemon: the domain ended with it"

# 3c. The agent channel of a domain on a daemon reaches kiln as a libvirt
#     stream (virDomainOpenChannel), read exactly as kiln's own socket is:
#     libvirt-channel.sh's scenario (the host kernel into a busybox
#     initramfs that writes 7 lines, one of 100 KiB and one over 1 MiB).
. "$(dirname "$0")/lib/libvirt.sh"
lv_build_initramfs
cp "$LV_KERNEL" "$shared/vmlinuz"
cp "$LV_INITRD" "$shared/initramfs.cpio"
chmod 0644 "$shared/vmlinuz" "$shared/initramfs.cpio"
out="$tmp/stream.out"
rc=0
"$DRIVER" --connect "$uri" --prefix kiln-stream --accel tcg \
  --kernel "$shared/vmlinuz" --initrd "$shared/initramfs.cpio" \
  --cmdline "console=ttyS0 panic=-1 kilnmode=lines" \
  --console "$shared/console.log" --socket "$tmp/unused.sock" \
  --memory 512 --vcpus 1 run > "$out" 2> "$out.err" || rc=$?
expect_eq "the stream channel: the overlong line is reported (exit 1)" 1 "$rc"
expect_grep '^status error .*longer than 1048576 bytes' "$out"
expect_grep '^status stopped$' "$out"
expect_eq "7 lines through the stream" 7 "$(lv_get lines "$out")"
expect_eq "the 100 KiB line whole" $((102400 + 34)) \
  "$(grep '^line 3 ' "$out" | cut -d' ' -f3)"
expect_grep '^line 7 .*"done"' "$out"
expect_no_file "$tmp/unused.sock"
ok "agent channel as a libvirt stream: every line, in order, whole"
n=$(virsh -c "$uri" list --all --name | grep -c . || true)
expect_eq "no domain left on the daemon" 0 "$n"

# 3d. A domain of a build that outlived its kiln on the daemon (as when
#     the daemon restarted meanwhile and forgot its autodestroy) is
#     destroyed by the next kiln, found by the tag in its name; another
#     build's domain is left alone.  The build is killed while resolve
#     digests a fresh 1 GiB parent: by then kiln has recorded the URI and
#     its domains' tag in the catalog (read here with sqlite3).
big=$tmp/big.qcow2
qemu-img convert -O qcow2 "$tiny" "$big" || fail "cannot copy the tiny image"
qemu-img resize -q "$big" 1536M || fail "cannot grow the big parent"
qemu-io -c "write -q -P 0x5a 300M 1024M" "$big" > /dev/null || fail "qemu-io"
sed "s|^parent: .*|parent: $big|; s|^name: .*|name: sysconn-killed|" "$tmp/r.yaml" > "$tmp/killed.yaml"
"$KILN" build "$tmp/killed.yaml" --connect "$uri" -o "$tmp/out-killed" \
  < /dev/null > "$tmp/killed.out" 2>&1 &
kpid=$!
cleanup_fn kill_if_running "$kpid"
in_resolve () { grep -q 'stage: resolve$' "$tmp/killed.out"; }
wait_for --while "$kpid" "the killed build's resolve stage" in_resolve
kill -KILL "$kpid"
wait "$kpid" 2> /dev/null
kref=$(sed -n 's|.*build \(sysconn-killed/1.0.0/[0-9]*\) (log .*|\1|p' "$tmp/killed.out" | head -n 1)
[ -n "$kref" ] || { _show "$tmp/killed.out"; fail "the killed kiln did not name its build"; }
tag=$(sqlite3 "$KILN_HOME/catalog.db" \
  "SELECT domain_tag FROM builds WHERE name = 'sysconn-killed' ORDER BY id DESC LIMIT 1")
expect_eq "the killed build's URI is in the catalog" "$uri" "$(sqlite3 "$KILN_HOME/catalog.db" \
  "SELECT connect_uri FROM builds WHERE name = 'sysconn-killed' ORDER BY id DESC LIMIT 1")"
[[ $tag =~ ^[0-9a-f]{8}$ ]] || fail "no domain tag recorded for the killed build: '$tag'"
# leftover NAME: a transient domain on the daemon that boots nothing
leftover () {
  cat > "$tmp/$1.xml" <<XML
<domain type='qemu'><name>$1</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices/></domain>
XML
  virsh -c "$uri" create "$tmp/$1.xml" > /dev/null || fail "cannot start $1"
}
other=kiln-00000000-build-other
[ "$tag" != 00000000 ] || other=kiln-11111111-build-other
leftover "kiln-$tag-build-leftover"
leftover "$other"
drop_other () { virsh -c "$uri" destroy "$other" > /dev/null 2>&1; return 0; }
cleanup_fn drop_other
expect_exit 0 --out "$tmp/recovered.out" "$KILN" images list
expect_grep -F "stopped the domain kiln-$tag-build-leftover on $uri, left running by a kiln that was killed" "$tmp/recovered.out"
expect_grep -F "$kref marked failed: kiln was killed during resolve" "$tmp/recovered.out"
expect_eq "the killed build's domain is gone" "" \
  "$(virsh -c "$uri" list --name | grep "^kiln-$tag-" || true)"
expect_eq "another build's domain is left alone" "$other" \
  "$(virsh -c "$uri" list --name | grep -x "$other" || true)"
expect_exit 0 --out "$tmp/show-killed.out" "$KILN" images show "$kref"
expect_grep -F "domains   kiln-$tag-* on $uri" "$tmp/show-killed.out"
drop_other
ok "a killed build's domain on the daemon: destroyed by the next kiln, by its name"

# 4. kiln doctor --connect looks at that target and says why.
expect_exit 3 --out "$tmp/doctor.json" "$KILN" doctor --connect "$uri" --json
d=$tmp/doctor.json
# --out mixes stderr in; doctor's --json writes nothing else
jq -e . "$d" > /dev/null || fail "doctor --json is not JSON: $(head -c 400 "$d")"
expect_eq "doctor: target" "$uri" "$(jq -r .target "$d")"
expect_eq "doctor: the libvirt check is about the target" "$uri" \
  "$(jq -r '.checks[] | select(.check == "libvirt") | .facts.target' "$d")"
expect_eq "doctor: libvirt fails" fail \
  "$(jq -r '.checks[] | select(.check == "libvirt") | .status' "$d")"
jq -r '.checks[] | select(.check == "libvirt") | .found' "$d" \
  | expect_grep "on $uri did not start a .* domain" -
jq -r '.checks[] | select(.check == "libvirt") | .advice' "$d" \
  | expect_grep "storage pool" -
ok "doctor --connect: $(jq -r '.checks[] | select(.check == "libvirt") | .found' "$d" | cut -c1-160)"
n=$(virsh -c "$uri" list --all --name | grep -c . || true)
expect_eq "no domain left on the daemon after doctor" 0 "$n"

# 5. A remote target: refused before any work.  libvirt's ext transport
#    reaches the daemon above through virt-ssh-helper, as qemu+ssh would
#    on another host; a host name that does not resolve fails to connect.
printf '#!/bin/sh\nexec virt-ssh-helper %s\n' "$uri" > "$tmp/ssh-helper"
chmod +x "$tmp/ssh-helper"
remote="qemu+ext://localhost/system?command=$tmp/ssh-helper"
expect "the remote URI reaches the daemon" virsh -c "$remote" hostname
expect_exit 3 --out "$tmp/remote.out" "$KILN" build "$tmp/r.yaml" \
  --connect "$remote" -o "$tmp/out-remote"
expect_grep "build failed in stage 'prepare'" "$tmp/remote.out"
expect_grep -F "cannot build on a remote libvirt host ($remote) yet" "$tmp/remote.out"
expect_grep -F "run \`kiln doctor --connect '$remote'\`" "$tmp/remote.out"
expect_no_file "$tmp/out-remote"
ok "remote target: refused in prepare, doctor hint names the target (quoted)"
nohost=qemu+ssh://kiln-no-such-host.invalid/system
expect_exit 3 --out "$tmp/nohost.out" "$KILN" build "$tmp/r.yaml" \
  --connect "$nohost" -o "$tmp/out-nohost"
expect_grep -F "cannot connect to $nohost" "$tmp/nohost.out"
expect_grep -F "run \`kiln doctor --connect $nohost\`" "$tmp/nohost.out"
expect_no_file "$tmp/out-nohost"
ok "unreachable remote target: exit 3, doctor hint"
[ "$(sha256 "$tiny")" = "$parent_sum" ] || fail "the parent changed"
expect_no_leftovers
