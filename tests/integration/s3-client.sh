#!/usr/bin/env bash
# The S3 backend (backends/s3.c) with the configuration kiln_s3_config_resolve
# finds (src/base/s3-config.c), against s3rver behind a gate that checks
# every request's signature as S3 does (lib/s3.sh); s3cmd is the
# independent reader and writer.  Checked: objects written by kiln read
# back by s3cmd byte for byte and the other way round (5 MiB of random
# bytes, an empty file, keys with spaces, UTF-8, '+' and '%'); listing with
# a prefix, over several pages, and over the limit; the keys from the
# environment, from a credentials file's profile, from the config file;
# the endpoint from AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and the config
# file; virtual-hosted addressing; a session token and an expected owner;
# and the failures: a wrong secret, token or region (the status named, no
# secret shown), no answer, a missing key or bucket (no file left behind,
# an existing file untouched).
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/s3.sh"

T=$top_builddir/tests/integration/kiln-s3-test
[ -x "$T" ] || fail "$T is not built (make check builds it)"
requires cmp
s3_start

# kiln-s3-test with nothing of the caller's AWS setup: a home of its own
# and only the variables given
home=$TEST_TMP/home
mkdir -p "$home"
k3 () { env -i PATH="$PATH" HOME="$home" "$@"; }
keys=(AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY")
good=("${keys[@]}" AWS_ENDPOINT_URL_S3="$S3_ENDPOINT")
out=$TEST_TMP/out
mkdir -p "$out"
b=kiln-s3
s3cmd_t mb "s3://$b" > /dev/null || fail "s3cmd cannot make a bucket"
expect "s3cmd's own requests pass the signature gate" grep -q "PUT /$b/ -> 200 verified" "$S3_GATE_LOG"

# ---- bytes both ways ---------------------------------------------------

head -c 5242880 /dev/urandom > "$TEST_TMP/big.bin"
printf 'small\n' > "$TEST_TMP/small.txt"
: > "$TEST_TMP/empty"
odd="dir/a key with spaces/ünïcødé €+%.bin"

expect_exit 0 k3 "${good[@]}" "$T" put "$TEST_TMP/big.bin" "s3://$b/$odd"
s3cmd_t get "s3://$b/$odd" "$out/big.s3cmd" > /dev/null || fail "s3cmd cannot read what kiln wrote"
expect "kiln put, s3cmd get: 5 MiB identical, key with spaces and UTF-8" cmp "$TEST_TMP/big.bin" "$out/big.s3cmd"
expect_exit 0 k3 "${good[@]}" "$T" put "$TEST_TMP/empty" "s3://$b/empty"
s3cmd_t get "s3://$b/empty" "$out/empty.s3cmd" > /dev/null || fail "s3cmd cannot read the empty object"
expect "kiln put, s3cmd get: an empty file" cmp "$TEST_TMP/empty" "$out/empty.s3cmd"

head -c 1000003 /dev/urandom > "$TEST_TMP/mid.bin"
s3cmd_t put "$TEST_TMP/mid.bin" "s3://$b/from s3cmd/ß∂ƒ+x.bin" > /dev/null || fail "s3cmd put"
expect_exit 0 k3 "${good[@]}" "$T" get "s3://$b/from s3cmd/ß∂ƒ+x.bin" "$out/mid.kiln"
expect "s3cmd put, kiln get: identical" cmp "$TEST_TMP/mid.bin" "$out/mid.kiln"
expect_exit 0 k3 "${good[@]}" "$T" get "s3://$b/$odd" "$out/big.kiln"
expect "kiln put, kiln get: identical" cmp "$TEST_TMP/big.bin" "$out/big.kiln"
expect_exit 0 k3 "${good[@]}" "$T" get "s3://$b/empty" "$out/empty.kiln"
expect "kiln get of an empty object: an empty file" test -f "$out/empty.kiln" -a ! -s "$out/empty.kiln"
# a download replaces what was there
printf 'old\n' > "$out/replaced"
expect_exit 0 k3 "${good[@]}" "$T" get "s3://$b/from s3cmd/ß∂ƒ+x.bin" "$out/replaced"
expect "a download replaces the file at its destination" cmp "$TEST_TMP/mid.bin" "$out/replaced"
expect_eq "no temporary file left beside the downloads" "" "$(ls -A "$out" | grep '^\.' || true)"

# virtual-hosted: BUCKET.s3.localhost, the key alone in the path
expect_exit 0 k3 "${keys[@]}" AWS_ENDPOINT_URL_S3="$S3_VHOST_ENDPOINT" KILN_S3_TEST_VIRTUAL=1 \
  "$T" get "s3://$b/$odd" "$out/big.vhost"
expect "virtual-hosted GET: identical" cmp "$TEST_TMP/big.bin" "$out/big.vhost"
expect "the virtual-hosted request had the key alone in its path" \
  grep -q "^GET /dir/a%20key%20with%20spaces/" "$S3_GATE_LOG"

# ---- listing ---------------------------------------------------------------

for i in 1 2 3 4 5 6 7; do
  s3cmd_t put "$TEST_TMP/small.txt" "s3://$b/list/item $i+ü" > /dev/null || fail "s3cmd put list/$i"
done
s3cmd_t put "$TEST_TMP/small.txt" "s3://$b/listing-not-under-the-prefix" > /dev/null
printf 'list/item %s+ü\n' 1 2 3 4 5 6 7 > "$TEST_TMP/list.want"
expect_exit 0 --out "$out/list.all" k3 "${good[@]}" "$T" list "s3://$b/list/" 100
expect "list with a prefix: the 7 keys, decoded" cmp "$TEST_TMP/list.want" "$out/list.all"
tokens_before=$(grep -c "continuation-token=" "$S3_GATE_LOG" || true)
expect_exit 0 --out "$out/list.paged" k3 "${good[@]}" "$T" list "s3://$b/list/" 100 2
expect "list in pages of 2: the same 7 keys" cmp "$TEST_TMP/list.want" "$out/list.paged"
tokens_after=$(grep -c "continuation-token=" "$S3_GATE_LOG" || true)
expect_eq "pages of 2 followed 3 continuation tokens" 3 "$((tokens_after - tokens_before))"
expect_exit 0 --out "$out/list.exact" k3 "${good[@]}" "$T" list "s3://$b/list/" 7 3
expect "exactly max keys is not too many" cmp "$TEST_TMP/list.want" "$out/list.exact"
expect_exit 2 --out "$out/list.over" k3 "${good[@]}" "$T" list "s3://$b/list/" 6 4
expect_grep -F "s3://$b/list/: more than 6 objects" "$out/list.over"
expect_exit 0 --out "$out/list.bucket" k3 "${good[@]}" "$T" list "s3://$b" 100
expect_eq "list of the whole bucket" 11 "$(wc -l < "$out/list.bucket")"
expect_line "$out/list.bucket" "$odd"
expect_exit 0 --out "$out/list.none" k3 "${good[@]}" "$T" list "s3://$b/nothing-here/" 100
expect_eq "list of an empty prefix" "" "$(cat "$out/list.none")"

# ---- where the keys come from ------------------------------------------

expect_exit 0 --out "$out/config.env" k3 "${good[@]}" "$T" config
expect_line "$out/config.env" "credentials_from=the environment"
expect_line "$out/config.env" "endpoint=$S3_ENDPOINT"
expect_line "$out/config.env" "path_style=yes"

# the credentials file: [default] has a wrong secret, [emu] the right one
cat > "$TEST_TMP/credentials" <<EOF
# kiln test
[default]
aws_access_key_id = $S3_ACCESS_KEY
aws_secret_access_key = notTheSecret

[emu]
aws_access_key_id=$S3_ACCESS_KEY
aws_secret_access_key = $S3_SECRET_KEY
EOF
cred=(AWS_SHARED_CREDENTIALS_FILE="$TEST_TMP/credentials" AWS_ENDPOINT_URL_S3="$S3_ENDPOINT")
expect_exit 0 --out "$out/cred.out" k3 "${cred[@]}" AWS_PROFILE=emu "$T" get "s3://$b/empty" "$out/cred.get"
expect_exit 0 --out "$out/config.cred" k3 "${cred[@]}" AWS_PROFILE=emu "$T" config
expect_line "$out/config.cred" "credentials_from=profile 'emu' in $TEST_TMP/credentials"
expect_exit 1 --out "$out/cred.default" k3 "${cred[@]}" "$T" get "s3://$b/empty" "$out/cred.get2"
expect_grep -F "GET failed: 403 SignatureDoesNotMatch" "$out/cred.default"
ok "keys from a credentials file: AWS_PROFILE's profile, not [default]"

# the config file ($HOME/.aws/config), with the endpoint too
mkdir -p "$home/.aws"
cat > "$home/.aws/config" <<EOF
[default]
region = eu-west-1

[profile emu]
region = us-east-1
endpoint_url = $S3_ENDPOINT
aws_access_key_id = $S3_ACCESS_KEY
aws_secret_access_key = $S3_SECRET_KEY
s3 =
  addressing_style = path
EOF
expect_exit 0 k3 AWS_PROFILE=emu "$T" put "$TEST_TMP/small.txt" "s3://$b/from-config"
expect_exit 0 --out "$out/config.conf" k3 AWS_PROFILE=emu "$T" config
expect_line "$out/config.conf" "credentials_from=profile 'emu' in $home/.aws/config"
expect_line "$out/config.conf" "endpoint=$S3_ENDPOINT"
s3cmd_t get "s3://$b/from-config" "$out/from-config" > /dev/null || fail "s3cmd get from-config"
expect "keys and endpoint from the config file" cmp "$TEST_TMP/small.txt" "$out/from-config"
rm -f "$home/.aws/config"

# ---- where the endpoint comes from -------------------------------------

dead=http://127.0.0.1:$(_s3_free_port)
expect_exit 0 k3 "${keys[@]}" AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" AWS_ENDPOINT_URL="$dead" \
  "$T" get "s3://$b/empty" "$out/e1"
ok "AWS_ENDPOINT_URL_S3 comes before AWS_ENDPOINT_URL"
expect_exit 0 k3 "${keys[@]}" AWS_ENDPOINT_URL="$S3_ENDPOINT" "$T" get "s3://$b/empty" "$out/e2"
ok "AWS_ENDPOINT_URL alone"
expect_exit 3 --out "$out/dead.out" k3 "${keys[@]}" AWS_ENDPOINT_URL_S3="$dead" \
  "$T" get "s3://$b/empty" "$out/e3"
expect_grep -F "s3://$b/empty: GET: no answer from $dead" "$out/dead.out"
expect_no_file "$out/e3"
expect_exit 2 --out "$out/badurl.out" k3 "${keys[@]}" AWS_ENDPOINT_URL_S3="ftp://127.0.0.1" \
  "$T" get "s3://$b/empty" "$out/e4"
expect_grep -F "AWS_ENDPOINT_URL_S3: the S3 endpoint 'ftp://127.0.0.1' is not an http:// or https:// URL" "$out/badurl.out"

# ---- session token, expected owner, region -----------------------------

# the gate takes a request with S3_TOKEN and refuses one with another
expect_exit 0 k3 "${good[@]}" AWS_SESSION_TOKEN="$S3_TOKEN" "$T" get "s3://$b/empty" "$out/t1"
wrong_token=kilnWrongToken$RANDOM
expect_exit 1 --out "$out/token.out" k3 "${good[@]}" AWS_SESSION_TOKEN="$wrong_token" \
  "$T" get "s3://$b/empty" "$out/t2"
expect_grep -F "s3://$b/empty: GET failed: 403 InvalidToken" "$out/token.out"
expect_no_grep -F "$wrong_token" "$out/token.out"
ok "a session token goes as a signed x-amz-security-token"
expect_exit 0 k3 "${good[@]}" "$T" put "$TEST_TMP/small.txt" "s3://$b/owned" 111122223333
expect_exit 0 k3 "${good[@]}" "$T" get "s3://$b/owned" "$out/owned" 111122223333
expect "an expected bucket owner (signed x-amz-expected-bucket-owner)" cmp "$TEST_TMP/small.txt" "$out/owned"
expect_exit 1 --out "$out/region.out" k3 "${good[@]}" AWS_REGION=eu-west-1 "$T" get "s3://$b/empty" "$out/r1"
expect_grep -F "GET failed: 400 AuthorizationHeaderMalformed" "$out/region.out"
expect_grep -F "the region 'eu-west-1' is wrong" "$out/region.out"

# ---- failures -----------------------------------------------------------------

wrong=kilnWrongSecret$RANDOM$RANDOM
expect_exit 1 --out "$out/wrong.get" k3 AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$wrong" \
  AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" "$T" get "s3://$b/empty" "$out/w1"
expect_grep -F "s3://$b/empty: GET failed: 403 SignatureDoesNotMatch: The request signature we calculated" "$out/wrong.get"
expect_exit 1 --out "$out/wrong.put" k3 AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$wrong" \
  AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" "$T" put "$TEST_TMP/small.txt" "s3://$b/never"
expect_grep -F "s3://$b/never: PUT failed: 403 SignatureDoesNotMatch" "$out/wrong.put"
expect_exit 1 --out "$out/wrong.list" k3 AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$wrong" \
  AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" "$T" list "s3://$b/list/" 100
expect_grep -F "s3://$b/list/: LIST failed: 403 SignatureDoesNotMatch" "$out/wrong.list"
for f in wrong.get wrong.put wrong.list; do
  expect_no_grep -F "$wrong" "$out/$f"
  expect_no_grep -F "$S3_SECRET_KEY" "$out/$f"
  expect_no_grep -i -e "Signature=" -e "Authorization" -e "Credential=" "$out/$f"
done
expect_no_file "$out/w1"
s3cmd_t ls "s3://$b/never" > "$out/never.ls" 2>&1
expect_eq "a refused PUT wrote nothing" "" "$(cat "$out/never.ls")"
ok "a wrong secret: 403 SignatureDoesNotMatch named, no secret shown"
expect_exit 1 --out "$out/badkey.out" k3 AWS_ACCESS_KEY_ID=AKIANOSUCHKEY AWS_SECRET_ACCESS_KEY="$wrong" \
  AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" "$T" get "s3://$b/empty" "$out/w2"
expect_grep -F "GET failed: 403 InvalidAccessKeyId" "$out/badkey.out"

# what the gate is for: s3rver itself takes any secret
if k3 AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$wrong" \
     AWS_ENDPOINT_URL_S3="http://127.0.0.1:$S3_RAW_PORT" "$T" get "s3://$b/empty" "$out/raw" 2> /dev/null; then
  note "s3rver without the gate accepted a wrong secret (it does not check V4 signatures)"
else
  note "s3rver without the gate refused a wrong secret"
fi

printf 'keep me\n' > "$out/kept"
expect_exit 1 --out "$out/missing.out" k3 "${good[@]}" "$T" get "s3://$b/no/such key" "$out/kept"
expect_grep -F "s3://$b/no/such key: GET failed: 404 NoSuchKey: The specified key does not exist." "$out/missing.out"
expect_eq "a failed download leaves the destination as it was" "keep me" "$(cat "$out/kept")"
expect_exit 1 --out "$out/missing2.out" k3 "${good[@]}" "$T" get "s3://$b/no/such key" "$out/missing.bin"
expect_no_file "$out/missing.bin"
expect_exit 1 --out "$out/nobucket.out" k3 "${good[@]}" "$T" get "s3://kiln-no-such-bucket/k" "$out/nob"
expect_grep -F "s3://kiln-no-such-bucket/k: GET failed: 404 NoSuchBucket" "$out/nobucket.out"
expect_no_file "$out/nob"
expect_eq "no temporary file left by the failures" "" "$(ls -A "$out" | grep '^\.' || true)"
expect_exit 2 --out "$out/nofile.out" k3 "${good[@]}" "$T" put "$TEST_TMP/no-such-file" "s3://$b/x"
expect_grep -F "cannot open $TEST_TMP/no-such-file" "$out/nofile.out"
expect_exit 3 --out "$out/nodir.out" k3 "${good[@]}" "$T" get "s3://$b/empty" "$TEST_TMP/no/such/dir/f"
expect_grep -F "cannot make a temporary file in $TEST_TMP/no/such/dir" "$out/nodir.out"

# every request of kiln's that the gate passed was checked, and s3rver
# had no error of its own
expect_no_grep -E -- "-> 5[0-9][0-9]" "$S3_GATE_LOG"
ok "the S3 client works against the emulator"
