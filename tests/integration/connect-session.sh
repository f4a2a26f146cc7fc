#!/usr/bin/env bash
# connect-session.sh - builds on a user's session daemon (`--connect
# qemu:///session`) as that user.  As root, libvirt takes qemu:///session
# for the system daemon, so the test makes a throw-away system user and
# runs kiln as that user's shell would (runuser, a scrubbed environment:
# HOME, USER, LOGNAME, the distribution's PATH for users and a private
# XDG_RUNTIME_DIR; no KILN_HOME, so kiln uses its default for a user).
# libvirt autostarts the user's own `libvirtd --session` (no system daemon
# runs); kiln makes its pool `kiln` in ~/.local/share/libvirt/kiln and
# builds and tests the tiny image there: the parent goes to the pool once
# (kept, with its .complete marker), the boots' overlays and seeds come and
# go, the console and the agent channel come through libvirt streams.  The
# image is read back with guestfish (as root: an independent reader).
#
# What the user runs is a copy of kiln, its agent and its data files in a
# world-readable directory (KILN_DATADIR and KILN_AGENT, as for any
# installed kiln elsewhere): the build tree may be under a directory the
# user cannot enter (/root).  At the end every process of the user is
# ended (the session daemon, its virtlogd, any qemu) and the user is
# removed with its home.
# Skipped when some libvirt daemon already runs here (the tests that start
# one check that none does).  One build with a build and a test boot:
# ~2 min under TCG.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"

requires_root
requires libvirtd --version
requires virsh --version
requires runuser
requires useradd
requires userdel
requires guestfish
take_daemon_turn
daemon_runs () { pgrep -x 'libvirtd|virtqemud|virtlogd' > /dev/null 2>&1; }
if daemon_runs; then
  skip "a libvirt daemon already runs on this host"
fi

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
uri=qemu:///session

# ---- the user and what it may read -------------------------------------

# $TEST_TMP may be under a directory only root enters: the user's files
# go to a directory of their own under /tmp
base=$(mktemp -d /tmp/kiln-session-XXXXXX) || fail "mktemp"
cleanup_fn rm -rf "$base"
chmod 0755 "$base"
user=kiln-session-$$
# 29 characters: longer than libvirt's own place for the agent channel's
# socket allows (kiln gives the session daemon a short path instead)
home=$base/home
run=$base/run

# user_pids: the user's processes, one pid a line
user_pids () { pgrep -u "$user" 2> /dev/null; }
# end_user: TERM to every process of the user, KILL to what is left
# after 10 s; returns once none is left
end_user () {
  local pids i
  id -u "$user" > /dev/null 2>&1 || return 0
  for sig in TERM KILL; do
    pids=$(user_pids) || return 0
    # shellcheck disable=SC2086  # one pid a word
    kill -"$sig" $pids 2> /dev/null
    for (( i = 0; i < 100; i++ )); do
      user_pids > /dev/null || return 0
      sleep 0.1
    done
  done
  echo "processes of $user left: $(pgrep -a -u "$user")" >&2
  return 1
}
# drop_user: the user, its home, and libguestfs's appliance cache that
# kiln's offline stages made for it in /var/tmp
drop_user () {
  end_user
  userdel --remove "$user" 2> /dev/null
  rm -rf "/var/tmp/.guestfs-$uid"
  return 0
}
useradd --system --user-group --create-home --home-dir "$home" \
  --shell /bin/sh "$user" || fail "useradd $user"
uid=$(id -u "$user")
cleanup_fn drop_user
mkdir -m 0700 "$run"
chown "$user:" "$run"

# a copy of kiln, its agent (also the KVM probe's init) and its data
inst=$base/kiln
mkdir -p "$inst/bin" "$inst/libexec" "$inst/share"
cp "$KILN" "$inst/bin/kiln"
cp "$top_builddir/agent/kiln-agent" "$inst/libexec/kiln-agent"
cp -r "$top_srcdir/components" "$top_srcdir/templates" "$inst/share/"
cp "$tiny" "$base/tiny.qcow2"
chmod -R a+rX "$inst" "$base/tiny.qcow2"

# as_user [NAME=VALUE...] CMD...: CMD as the user, with the environment
# its login shell would give it
as_user () {
  runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" \
    SHELL=/bin/sh PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$run" \
    "$@"
}
kiln_as_user () {
  as_user KILN_DATADIR="$inst/share" KILN_AGENT="$inst/libexec/kiln-agent" \
    "$inst/bin/kiln" "$@"
}
expect_eq "the user is not root" "$user" "$(as_user id -un)"
# a host where only root may write /dev/null (mode 0600) runs no user's
# program: nothing kiln could change
as_user sh -c ': > /dev/null' 2> /dev/null \
  || skip "$(stat -c 'a user cannot write /dev/null on this host (mode %a)' /dev/null)"

# ---- one build with a build and a test phase ---------------------------

cat > "$home/note.yaml" <<'YAML'
name: session-note
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands: ['echo built-on-the-session > /etc/kiln-session-note']
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ['grep -q built-on-the-session /etc/kiln-session-note']
YAML
cat > "$home/r.yaml" <<YAML
name: session-built
version: 1.0.0
parent: $base/tiny.qcow2
components:
  - component: ./note.yaml
build:
  memory: 512M
  network: none
outputs:
  formats: [qcow2]
YAML
chown "$user:" "$home/note.yaml" "$home/r.yaml"

out=$base/built.out
expect_exit 0 --out "$out" kiln_as_user build "$home/r.yaml" \
  --connect "$uri" -o "$home/out"
parent_vol=kiln-parent-$parent_sum
expect_grep "stage: build boot" "$out"
expect_grep "step: session-note/build/Write: success" "$out"
expect_grep "step: session-note/test/Check: success" "$out"
expect_grep -F "the parent went to the target in" "$out"
expect_grep -F "(volume $parent_vol, kept for later builds)" "$out"
expect_grep -F "the parent is on the target already (volume $parent_vol): reused" "$out"
ok "a build and its test boot on $uri as $user, the parent through the pool"

# the user's own kiln home, and the console through a libvirt stream
kiln_home=$home/.local/share/kiln
blog=$(sed -n 's|^\[ *[0-9.]*s\] build session-built/1.0.0/[0-9]* (log \(.*\))$|\1|p' "$out")
case $blog in
  "$kiln_home"/logs/*) ;;
  *) fail "the build log is not in the user's kiln home $kiln_home: '$blog'" ;;
esac
expect_file "$blog"
expect_grep "^kiln-tiny: userland up" "$blog"
expect_grep -- "----- guest console of the test boot" "$blog"
ok "the build log is in $kiln_home, with both boots' consoles"

# the daemon was the user's own
libvirtd_of () { pgrep -u "$1" -x libvirtd > /dev/null; }
expect "the user's session libvirtd answered" libvirtd_of "$user"
expect_not "no libvirtd of root's" libvirtd_of root

built=$(ls "$home"/out/*/*.qcow2 2> /dev/null)
[ -f "$built" ] || fail "no qcow2 artifact: $(ls -R "$home/out")"
expect_eq "the build step's file, read back with guestfish" built-on-the-session \
  "$(test_guestfish --ro -a "$built" -i cat /etc/kiln-session-note)"

# ---- what is left on the session daemon --------------------------------

expect_eq "no domain left on the session daemon" "" \
  "$(as_user virsh -c "$uri" list --all --name | grep . || true)"
pool_dir=$home/.local/share/libvirt/kiln
expect_eq "the pool kiln is in the user's data directory" "$pool_dir" \
  "$(as_user virsh -c "$uri" pool-dumpxml kiln | sed -n 's|.*<path>\(.*\)</path>.*|\1|p')"
expect_eq "the pool holds the cached parent only" "$parent_vol $parent_vol.complete" \
  "$(as_user virsh -c "$uri" vol-list kiln --details | awk 'NR > 2 && $1 { print $1 }' | sort | xargs)"
expect_eq "and so does its directory" "$parent_vol $parent_vol.complete" \
  "$(ls -A "$pool_dir" | sort | xargs)"
expect_eq "the cached parent is the parent" "$parent_sum" "$(sha256 "$pool_dir/$parent_vol")"
expect_eq "kiln left nothing of the user's in /tmp" "" \
  "$(find /tmp -maxdepth 1 -user "$user" | xargs)"

# ---- the session daemon ends with the user ------------------------------

expect "every process of the user ended (the session daemon too)" end_user
expect_not "no libvirt daemon is left on this host" daemon_runs
