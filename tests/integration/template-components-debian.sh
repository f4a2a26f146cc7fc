#!/usr/bin/env bash
# The built-in components that need a real distribution, on the debian-12
# template, through a real `kiln build` (tests/fixtures/recipes/
# components-debian.yaml): set-timezone, set-locale, install-packages,
# create-user, harden-ssh, configure-cloud-init, enable-service,
# reboot-check and the test components service-running, port-listening,
# http-ok, package-installed, file-contains, command-succeeds.  Their
# test phases run on the test boot; the output is then read back
# independently with guestfish.  (update-os runs in the golden-web build.)
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/template.sh"

# Three Debian boots under TCG and a reboot (~7 min): opt-in, so that
# `make check` (and CI) keeps one real-Debian end-to-end build, the
# README's (golden-web.sh), and stays near an hour without KVM.
[ -n "${KILN_SLOW_TESTS:-}" ] || skip "the debian-12 component library build is a slow test: run with KILN_SLOW_TESTS=1"
requires_root   # the debian-12 template: mmdebstrap in chroot mode
requires mmdebstrap
use_debian_home

fixtures="$top_srcdir/tests/fixtures/recipes"
cp -r "$fixtures/components" "$TEST_TMP/"
sed -e "s|^  formats: .*|  formats: [qcow2]\n  name: components-debian\n  directory: $TEST_TMP/out|" \
    "$fixtures/components-debian.yaml" > "$TEST_TMP/recipe.yaml"

start=$(date +%s)
expect_exit 0 --out "$TEST_TMP/build.out" "$KILN" build "$TEST_TMP/recipe.yaml" </dev/null
note "measure: components-debian build $(( $(date +%s) - start )) s"

for step in set-timezone/test/TimezoneOnBoot set-locale/test/LocaleOnBoot \
            install-packages/test/PackagesStillInstalled \
            create-user/test/UserReadyOnBoot \
            harden-ssh/test/EffectiveSettingsOnBoot \
            configure-cloud-init/test/CloudInitDone \
            enable-service/test/ServiceEnabledAndActive \
            reboot-check/build/CheckNewBoot reboot-check/test/BootedClean \
            service-running/test/ServiceActive port-listening/test/PortOpen \
            http-ok/test/Fetch package-installed/test/PackagesInstalled \
            file-contains/test/FileContains command-succeeds/test/RunCommand; do
  grep -q "step: $step: success" "$TEST_TMP/build.out" || fail "no successful $step"
done
grep -q "1 reboot" "$TEST_TMP/build.out" || fail "reboot-check did not reboot the build: $(grep 'build boot finished' "$TEST_TMP/build.out")"
ok "every component's build and test phases pass on debian-12"

# Read the result back, independently of kiln.
# each build writes its outputs to a directory named like them
out="$TEST_TMP/out/components-debian/components-debian.qcow2"
[ -f "$out" ] || fail "no output image $out"
test_guestfish --ro -a "$out" -i <<'GF' > "$TEST_TMP/facts" 2>&1 || { cat "$TEST_TMP/facts"; fail "guestfish could not read the output"; }
echo ==localtime
readlink /etc/localtime
echo ==locale
cat /etc/default/locale
echo ==passwd
grep "^alice:" /etc/passwd
echo ==keys
cat /home/alice/.ssh/authorized_keys
echo ==sudoers
cat /etc/sudoers.d/90-kiln-alice
echo ==sshd
cat /etc/ssh/sshd_config.d/10-kiln-hardening.conf
echo ==cloud
cat /etc/cloud/cloud.cfg.d/95-kiln.cfg
echo ==unit
is-symlink /etc/systemd/system/multi-user.target.wants/hello-http.service
echo ==jq
is-file /usr/bin/jq
echo ==reboot-marker
is-dir /var/lib/kiln-reboot-check
GF
facts=$(cat "$TEST_TMP/facts")
grep -A1 '^==localtime' <<<"$facts" | grep -q 'zoneinfo/Europe/Paris$' || fail "time zone: $facts"
grep -A1 '^==locale' <<<"$facts" | grep -q '^LANG=en_US.UTF-8' || fail "locale: $facts"
grep -q '^alice:x:[0-9]*:[0-9]*:.*:/home/alice:/bin/bash$' <<<"$facts" || fail "user alice: $facts"
grep -q '^ssh-ed25519 .* alice@example$' <<<"$facts" || fail "alice's key: $facts"
grep -q '^alice ALL=(ALL) NOPASSWD:ALL$' <<<"$facts" || fail "alice's sudo: $facts"
grep -q '^PermitRootLogin no$' <<<"$facts" && grep -q '^PasswordAuthentication no$' <<<"$facts" \
  || fail "sshd drop-in: $facts"
grep -q '^datasource_list: \[ NoCloud, Ec2, None \]$' <<<"$facts" && grep -q 'name: admin' <<<"$facts" \
  || fail "cloud-init drop-in: $facts"
grep -A1 '^==unit' <<<"$facts" | grep -qx true || fail "hello-http not enabled: $facts"
grep -A1 '^==jq' <<<"$facts" | grep -qx true || fail "jq not installed: $facts"
grep -A1 '^==reboot-marker' <<<"$facts" | grep -qx false || fail "reboot-check left its marker: $facts"
ok "the output image holds what the components did"
