# libvirt.sh - booting test guests under real libvirt (sourced after
# functions.sh by tests/integration/libvirt-*.sh).
#
# Boots the host's distribution kernel (newest /boot/vmlinuz-*) straight into
# a busybox initramfs built here: /init loads virtio_console (+ deps, and
# virtio_blk) from /lib/modules, finds the port named org.kiln.agent.0 and
# acts out the scenario named by kilnmode= on the kernel command line.
# Everything runs under TCG in a private embedded libvirt root, driven by
# tests/integration/kiln-domain-test (which chooses TCG as kiln's build
# stages do once kiln has decided).
#
#   lv_build_initramfs        $LV_INITRD (and $LV_KERNEL)
#   lv_run MODE OUT [OPTS]    boot in MODE; driver output in OUT, status $LV_RC
#   lv_get KEY OUT            "KEY value" from a driver output file
#   lv_qemu_pids              this test's qemu processes
#   lv_expect_clean           no qemu of ours, no active domain in the root

DRIVER="$top_builddir/tests/integration/kiln-domain-test"
[ -x "$DRIVER" ] || fail "$DRIVER is not built (make check builds it)"
LV_TMP=$TEST_TMP
# The embedded root holds unix sockets, whose paths must stay short.
LV_ROOT=$(mktemp -d /tmp/kiln-lv-XXXXXX) || fail "mktemp"
cleanup_fn rm -rf "$LV_ROOT" "$LV_ROOT-2"

# qemu processes of this test's domains (their command line holds the root)
lv_qemu_pids () { pgrep -f -- "-name guest=kiln-[^ ]*.*$LV_ROOT" || true; }

# A test that failed half-way must not leave a guest running: end the qemu
# processes it started, by pid.
lv_kill_leftover_guests () {
  local pid
  for pid in $(lv_qemu_pids); do kill -KILL "$pid" 2> /dev/null; done
}
cleanup_fn lv_kill_leftover_guests

# After every test: no qemu of ours, and the embedded root lists no active
# domain (destroying a domain waits for its qemu to end).
lv_expect_clean () {
  local pids list
  pids=$(lv_qemu_pids)
  [ -z "$pids" ] || fail "qemu still running after the test: $pids"
  list=$("$DRIVER" --root "$LV_ROOT" list) || fail "cannot list domains: $list"
  echo "$list" | grep -qx 'active-count 0' || fail "domains still active: $list"
}

lv_find_kernel () {
  LV_KERNEL=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
  [ -n "$LV_KERNEL" ] && [ -r "$LV_KERNEL" ] || skip "no readable kernel in /boot"
  LV_KVER=${LV_KERNEL#/boot/vmlinuz-}
  LV_MODDIR=/lib/modules/$LV_KVER
  [ -d "$LV_MODDIR" ] || skip "no $LV_MODDIR for $LV_KERNEL"
}

# Copies module $1 (decompressed) into $2.
lv_copy_module () {
  local f
  f=$(find "$LV_MODDIR/kernel" -name "$1.ko*" | head -n 1)
  [ -n "$f" ] || return 1
  case $f in
    *.ko) cp "$f" "$2/$1.ko" ;;
    *.ko.xz) xz -dc "$f" > "$2/$1.ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$2/$1.ko" ;;
    *.ko.gz) gzip -dc "$f" > "$2/$1.ko" ;;
    *) return 1 ;;
  esac
}

LV_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console virtio_blk"

# Builds $LV_TMP/initramfs.cpio.
lv_build_initramfs () {
  lv_find_kernel
  local bb
  bb=$(command -v busybox) || skip "busybox (busybox-static) not installed"
  file -L "$bb" 2>/dev/null | grep -q 'statically linked' || skip "$bb is not static (install busybox-static)"
  command -v cpio >/dev/null || skip "cpio not installed"

  local dir="$LV_TMP/initramfs"
  mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/sys" "$dir/lib/modules"
  cp "$bb" "$dir/bin/busybox"
  local m
  for m in $LV_MODULES; do
    # Built into the kernel is fine too (then there is nothing to load).
    lv_copy_module "$m" "$dir/lib/modules" || \
      grep -q "/$m.ko" "$LV_MODDIR/modules.builtin" 2>/dev/null || \
      skip "module $m not found for $LV_KVER"
  done
  cat > "$dir/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console virtio_blk; do
  [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done
mode=$(sed -n 's/.*kilnmode=\([a-z]*\).*/\1/p' /proc/cmdline)
port=
while [ -z "$port" ]; do
  for f in /sys/class/virtio-ports/*/name; do
    [ -r "$f" ] && [ "$(cat "$f")" = org.kiln.agent.0 ] && port=/dev/$(basename "$(dirname "$f")")
  done
  [ -n "$port" ] && [ -e "$port" ] && break
  port=
  sleep 0.1
done
echo "kiln-test-init: mode=$mode port=$port"
[ -n "$port" ] || { echo "kiln-test-init: no agent port"; poweroff -f; }
case $mode in
lines)
  exec 3>"$port"
  echo '{"event":"hello","n":1}' >&3
  echo '{"event":"log","n":2,"message":"second"}' >&3
  long=$(head -c 102400 /dev/zero | tr '\000' x)
  echo "{\"event\":\"output\",\"n\":3,\"data\":\"$long\"}" >&3
  sleep 2
  for n in 4 5 6; do echo "{\"event\":\"log\",\"n\":$n}" >&3; done
  # Over the 1 MiB line limit: reported and skipped, the channel goes on.
  head -c 1100000 /dev/zero | tr '\000' y >&3
  echo >&3
  echo '{"event":"done","n":7}' >&3
  exec 3>&-
  ;;
silent)
  while :; do sleep 60; done
  ;;
forever)
  exec 3>"$port"
  echo '{"event":"hello","n":1}' >&3
  while :; do sleep 60; done
  ;;
reboot)
  exec 3>"$port"
  if [ "$(head -c 5 /dev/vda)" = BOOT1 ]; then
    echo '{"event":"hello","boot":2}' >&3
    echo '{"event":"done","boot":2}' >&3
  else
    printf BOOT1 | dd of=/dev/vda conv=notrunc 2>/dev/null
    sync
    echo '{"event":"hello","boot":1}' >&3
    echo '{"event":"reboot","boot":1}' >&3
    exec 3>&-
    reboot -f
    sleep 60
  fi
  exec 3>&-
  ;;
esac
poweroff -f
EOF
  chmod 0755 "$dir/init"
  (cd "$dir" && find . | cpio -o -H newc --quiet > "$LV_TMP/initramfs.cpio") || \
    fail "cannot build the initramfs"
  LV_INITRD="$LV_TMP/initramfs.cpio"
}

# lv_run MODE OUT [driver options...]: boots the test kernel in MODE with
# the agent channel and console log in $LV_TMP; driver stdout goes to OUT.
# Sets LV_RC.
lv_run () {
  local mode=$1 out=$2
  shift 2
  LV_RC=0
  "$DRIVER" --root "$LV_ROOT" --prefix kiln-test --accel tcg \
    --kernel "$LV_KERNEL" --initrd "$LV_INITRD" \
    --cmdline "console=ttyS0 panic=-1 kilnmode=$mode" \
    --console "$LV_TMP/console-$mode.log" --socket "$LV_TMP/agent-$mode.sock" \
    --memory 512 --vcpus 1 "$@" run > "$out" 2> "$out.err" || LV_RC=$?
}

# Value of "KEY value" in a driver output file.
lv_get () { sed -n "s/^$1 //p" "$2" | head -n 1; }
