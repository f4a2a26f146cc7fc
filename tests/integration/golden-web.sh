#!/usr/bin/env bash
# The README's main job, end to end under TCG: the debian-12 template (cached
# in the test run's kiln home by template-debian12.sh, built here otherwise)
# -> `kiln build examples/golden-web/recipe.yaml` (update-os, NGINX installed
# and enabled, `nginx -v` and http://127.0.0.1/ tested on a fresh boot) ->
# raw, VMDK and VHDX with SHA256SUMS, manifest and the AWS readiness lint.
# Then the raw artifact itself is booted by `kiln test`: NGINX must answer on
# it.  (A failing test phase failing the build is tested on the tiny image,
# template-components-tiny.sh, where a boot costs seconds, not minutes.)
. "$(dirname "$0")/lib/common.sh"

[ "$(id -u)" -eq 0 ] || skip "the debian-12 template needs root to build (mmdebstrap chroot mode)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (scripts/install-deps)"
for t in jq qemu-img sha256sum; do
  command -v "$t" >/dev/null || skip "$t is not installed (scripts/install-deps)"
done

dist="$TEST_TMP/dist"
start=$(date +%s)
"$KILN" build "$top_srcdir/examples/golden-web/recipe.yaml" --output-dir "$dist" \
  </dev/null > "$TEST_TMP/build.out" 2>&1
status=$?
cat "$TEST_TMP/build.out"
[ $status -eq 0 ] || fail "kiln build examples/golden-web/recipe.yaml exited $status"
echo "# measure: golden-web build $(( $(date +%s) - start )) s"
assert_no_leftovers

for step in update-os/build/UpdatePackages update-os/validate/NoPendingUpdates \
            install-packages/build/InstallPackages enable-service/build/EnableService \
            update-os/test/PackageDatabaseHealthy enable-service/test/ServiceEnabledAndActive \
            command-succeeds/test/RunCommand http-ok/test/Fetch; do
  grep -q "step: $step: success" "$TEST_TMP/build.out" || fail "no successful step $step"
done
grep -q "artifacts, SHA256SUMS and manifest.json are in $dist" "$TEST_TMP/build.out" \
  || fail "the build did not say where the artifacts are"
ok "golden-web builds; nginx -v and http://127.0.0.1/ pass on the test boot"

# The artifacts, read back by independent tools.
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

# The raw artifact boots, and NGINX answers on it.
"$KILN" test "$raw" --component service-running --parameters service=nginx \
  --component http-ok </dev/null > "$TEST_TMP/test.out" 2>&1
status=$?
cat "$TEST_TMP/test.out"
[ $status -eq 0 ] || fail "kiln test on the raw artifact exited $status"
grep -q "step: http-ok/test/Fetch: success" "$TEST_TMP/test.out" || fail "http-ok did not pass on the raw artifact"
ok "the raw artifact boots and NGINX answers 200"

assert_no_leftovers
