#!/usr/bin/env bash
# S3Download and S3Upload in a build (issue 15, item 2) on the tiny image,
# against an S3 emulator (s3rver) on 127.0.0.1, with s3cmd as the
# independent reader and writer.  The host fetches and puts; the guest gets
# the objects and never a credential.  Checked: the objects in the built
# image (guestfish), the uploads in the bucket (s3cmd), the credential in
# none of the log, the events, the plan or the image; and the refusals
# (no credentials, a URI known only at run time, a missing object) before
# anything boots, with nothing left behind.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
. "$(dirname "$0")/lib/s3.sh"

requires s3cmd
s3_start || skip "the S3 emulator (s3rver) cannot start here"
cleanup_fn s3_stop

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256 "$tiny")
cp "$top_srcdir"/tests/fixtures/s3/*.yaml "$TEST_TMP/"

bucket=kiln-s3-build
s3cmd_t mb "s3://$bucket" >/dev/null || fail "s3cmd cannot make the bucket"
printf 'setting = 42\n' > "$TEST_TMP/app.conf"
printf 'alpha\n' > "$TEST_TMP/a.txt"
head -c 300000 /dev/urandom > "$TEST_TMP/b.txt"
s3cmd_t put "$TEST_TMP/app.conf" "s3://$bucket/config/app.conf" >/dev/null
s3cmd_t put "$TEST_TMP/a.txt" "s3://$bucket/tree/a.txt" >/dev/null
s3cmd_t put "$TEST_TMP/b.txt" "s3://$bucket/tree/sub/b.txt" >/dev/null
s3cmd_t put "$TEST_TMP/s3-child.yaml" "s3://$bucket/docs/child.yaml" >/dev/null
s3cmd_t put "$TEST_TMP/s3-bad-child.yaml" "s3://$bucket/docs/bad-child.yaml" >/dev/null

# write_recipe FILE COMPONENT [offline]
write_recipe() {
  cat > "$1" <<YAML
name: s3-build-test
version: 1.0.0
description: S3 actions integration test
parent: $tiny
components:
  - component: ./$2
    parameters: { bucket: $bucket }
    offline: ${3:-false}
build:
  memory: 512M
  network: none
outputs:
  name: s3-out
  formats: [qcow2]
  directory: $TEST_TMP/out
YAML
}

# kiln as a user's shell runs it: the credentials in the environment, the
# store's endpoint in AWS_ENDPOINT_URL_S3 (s3_env prints the assignments)
with_s3() { env $(s3_env) "$@"; }

# 1. No credentials anywhere: exit 2 before anything is made.
write_recipe "$TEST_TMP/recipe.yaml" s3-work.yaml
mkdir -p "$TEST_TMP/empty-home"
expect_exit 2 --out "$TEST_TMP/nocred.out" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  -u AWS_PROFILE HOME="$TEST_TMP/empty-home" "$KILN" build --force "$TEST_TMP/recipe.yaml" </dev/null
expect_grep "the components have S3 steps" "$TEST_TMP/nocred.out"
expect_grep "AWS_ACCESS_KEY_ID" "$TEST_TMP/nocred.out"
expect_no_file "$TEST_TMP/out"
expect_no_leftovers
ok "no credentials: exit 2, nothing made"

# 2. A source known only at run time cannot be fetched by the host.
write_recipe "$TEST_TMP/runtime.yaml" s3-runtime-ref.yaml
expect_exit 2 --out "$TEST_TMP/runtime.out" with_s3 "$KILN" build --force "$TEST_TMP/runtime.yaml" </dev/null
expect_grep "s3-runtime-ref.yaml:[0-9]*:[0-9]*: step 'FetchEach'.*must be known before the boot" "$TEST_TMP/runtime.out"
expect_no_file "$TEST_TMP/out"
expect_no_leftovers
ok "a run-time S3 URI is refused at its step"

# 2b. An S3 document is validated when the build fetches it: its mistake is
# an input error at the step, with its place in the document.
write_recipe "$TEST_TMP/badchild.yaml" s3-bad-parent.yaml
expect_exit 2 --out "$TEST_TMP/badchild.out" with_s3 "$KILN" build --force "$TEST_TMP/badchild.yaml" </dev/null
expect_grep "s3-bad-parent.yaml:[0-9]*:[0-9]*: step 'RunBroken': ExecuteDocument cannot load s3://$bucket/docs/bad-child.yaml (line 10, column 17: .*CreateFiel" "$TEST_TMP/badchild.out"
expect_no_file "$TEST_TMP/out"
expect_no_leftovers
ok "an S3 document with a mistake is refused at the step that runs it"

# 3. A missing object fails the build before the boot, naming it.
write_recipe "$TEST_TMP/missing.yaml" s3-missing.yaml
expect_exit 1 --out "$TEST_TMP/missing.out" with_s3 "$KILN" build --force "$TEST_TMP/missing.yaml" </dev/null
expect_grep "no/such/object.bin" "$TEST_TMP/missing.out"
expect_grep "NoSuchKey" "$TEST_TMP/missing.out"
expect_no_grep "stage: build boot" "$TEST_TMP/missing.out"
expect_no_file "$TEST_TMP/out"
expect_no_leftovers
expect_eq "the parent is untouched" "$parent_sum" "$(sha256 "$tiny")"
ok "a missing object fails before the boot"

# 4. The build: downloads in, uploads out, from the build and the test boot.
start=$(date +%s)
expect_exit 0 --out "$TEST_TMP/build.out" with_s3 "$KILN" build --force "$TEST_TMP/recipe.yaml" </dev/null
note "build took $(( $(date +%s) - start )) s"
for step in build/Fetch build/Nested build/UploadOne build/UploadAll test/Downloaded test/UploadFromTest; do
  expect_grep "step: s3-work/$step: success" "$TEST_TMP/build.out"
done
# overwrite: false against the file the step before wrote: AWSTOE's refusal
expect_grep "step: s3-work/build/NoOverwrite: ignored" "$TEST_TMP/build.out"
expect_grep -F 'File already exists and \"overwrite\" property for \"destination\" file is set to false' "$("$KILN" logs s3-build-test --path)"
expect_grep -F "the agent and the test plan go in with an appliance launch" "$TEST_TMP/build.out"
expect_no_leftovers

out="$TEST_TMP/out/s3-out/s3-out.qcow2"
expect_file "$out"
test_guestfish --ro -a "$out" -i <<'GF' > "$TEST_TMP/image" 2>&1 || { cat "$TEST_TMP/image"; fail "guestfish could not read the output"; }
echo conf=
cat /etc/app.conf
echo a=
cat /opt/tree/a.txt
echo b=
checksum sha256 /opt/tree/sub/b.txt
echo child=
cat /etc/s3-child.txt
echo
echo mode=
stat /etc/app.conf
echo agent=
exists /var/lib/kiln-agent
GF
expect_grep "^setting = 42$" "$TEST_TMP/image"
expect_grep "^alpha$" "$TEST_TMP/image"
expect_grep "^child says from-s3$" "$TEST_TMP/image"
# 0100644: a new file gets 0666 less the umask, as AWSTOE's download does
expect_grep "^mode: 33188$" "$TEST_TMP/image"
expect_grep "^$(sha256 "$TEST_TMP/b.txt")$" "$TEST_TMP/image"
expect_eq "no agent state (and no staged objects) in the image" "false" "$(sed -n '/^agent=/,$p' "$TEST_TMP/image" | tail -n 1)"
ok "the downloaded objects are in the image, where AWSTOE puts them"

s3cmd_t get "s3://$bucket/out/summary.txt" "$TEST_TMP/summary.txt" >/dev/null || fail "out/summary.txt was not uploaded"
expect_eq "the single file's key is the destination" "report from the build boot" "$(cat "$TEST_TMP/summary.txt")"
s3cmd_t ls -r "s3://$bucket/out/all/" > "$TEST_TMP/all.ls"
for key in out/all/summary.txt out/all/sub/deep.txt out/all/app-copy.conf; do
  expect_grep "s3://$bucket/$key\$" "$TEST_TMP/all.ls"
done
s3cmd_t get "s3://$bucket/out/all/app-copy.conf" "$TEST_TMP/app-copy.conf" >/dev/null
expect "the round trip keeps the bytes" cmp "$TEST_TMP/app.conf" "$TEST_TMP/app-copy.conf"
s3cmd_t get "s3://$bucket/test-out/test-report.txt" "$TEST_TMP/test-report.txt" >/dev/null ||
  fail "the test boot's upload is not in the bucket"
expect_eq "the test boot's upload" "tested alpha" "$(cat "$TEST_TMP/test-report.txt")"
ok "the uploads are in the bucket under AWSTOE's keys"

# The credential is nowhere kiln writes: log, events, outputs, image.
secret=$(s3_secret)
log=$("$KILN" logs s3-build-test --path)
expect_no_grep -F "$secret" "$log"
expect_no_grep -rF "$secret" "$TEST_TMP/out"
expect_no_grep -F "$secret" "$TEST_TMP/build.out"
# the qcow2 is written uncompressed: its bytes are the image's
expect_no_grep -aF "$secret" "$out"
ok "the credential is in no log, event or output"

# 5. An offline component: the objects go into the appliance, the upload
# comes back through the agent's events file; no boot at all.
write_recipe "$TEST_TMP/offline.yaml" s3-offline.yaml true
expect_exit 0 --out "$TEST_TMP/offline.out" with_s3 "$KILN" build --force "$TEST_TMP/offline.yaml" </dev/null
expect_grep "stage: offline build" "$TEST_TMP/offline.out"
expect_no_grep "stage: build boot" "$TEST_TMP/offline.out"
s3cmd_t get "s3://$bucket/offline/app-offline-changed.conf" "$TEST_TMP/offline.conf" >/dev/null ||
  fail "the offline upload is not in the bucket"
expect_eq "the offline step's file, uploaded" "setting = 43" "$(cat "$TEST_TMP/offline.conf")"
expect_no_leftovers
ok "S3 steps in an offline component"
