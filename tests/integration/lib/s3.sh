# s3.sh - an S3 emulator on 127.0.0.1 for the tests (sourced after
# functions.sh).
#
# s3rver (npm s3rver@3.7.1, which scripts/install-deps puts under
# /opt/kiln-test-node; $KILN_TEST_NODE for another place) serves S3 from a
# folder in $TEST_TMP.  s3rver checks only the key id of a Signature
# Version 4 request, never the signature, so the tests talk to it through
# lib/s3-sigv4-gate.py, which checks every request as S3 does (signature,
# payload hash, signed headers, region, session token) and then passes it
# on.  s3cmd (Debian's) is the independent reader and writer; that its
# requests pass the gate shows the gate is right.
#
#   s3_start        starts both (skips the test when node, s3rver, s3cmd,
#                   python3 or curl is missing); stopped when the test exits
#                   S3_PORT       the gate's port: what clients use
#                   S3_RAW_PORT   s3rver's own (no signature check)
#                   S3_ENDPOINT   http://127.0.0.1:$S3_PORT
#                   S3_VHOST_ENDPOINT  http://s3.localhost:$S3_PORT, where
#                                 BUCKET.s3.localhost is the bucket
#                                 (virtual-hosted; for curl, not s3cmd)
#                   S3_ACCESS_KEY, S3_SECRET_KEY (made up for the run: no
#                   other text has it), S3_TOKEN (the session token the gate
#                   takes), S3_REGION (us-east-1), S3CMD_CONFIG
#   s3_stop         stops them (any number of times)
#   s3cmd_t ARGS    s3cmd with that configuration, no AWS_* variables
#   s3_env          NAME=VALUE words for env(1): the keys and the endpoint
#                   as a user's shell would have them
#   s3_secret       the secret key, to check that nothing shows it

: "${KILN_TEST_NODE:=/opt/kiln-test-node}"
_s3rver_pid=
_s3_gate_pid=

_s3_answers () {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/" 2> /dev/null)
  [ -n "$code" ] && [ "$code" != 000 ]
}

_s3_free_port () {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

s3_start () {
  requires node
  requires python3
  requires curl
  requires s3cmd
  local s3rver=$KILN_TEST_NODE/node_modules/s3rver/bin/s3rver.js
  [ -f "$s3rver" ] || skip "s3rver is not installed in $KILN_TEST_NODE (scripts/install-deps)"
  local dir=$TEST_TMP/s3
  mkdir -p "$dir/data"
  # the emulator and the gate on loopback: no proxy in between
  export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

  S3_RAW_PORT=$(_s3_free_port) || fail "no free port"
  # s3rver's ListObjectsV2 continuation tokens are DES-encrypted, which
  # OpenSSL 3 (Node.js 17 and later) only has in its legacy provider
  # --service-endpoint: BUCKET.s3.localhost is virtual-hosted addressing
  # (curl takes every *.localhost name as 127.0.0.1)
  node --openssl-legacy-provider "$s3rver" -d "$dir/data" -a 127.0.0.1 -p "$S3_RAW_PORT" \
    --service-endpoint localhost \
    < /dev/null > "$dir/s3rver.log" 2>&1 &
  _s3rver_pid=$!
  cleanup_fn s3_stop
  wait_for --while "$_s3rver_pid" "s3rver to answer on port $S3_RAW_PORT" _s3_answers "$S3_RAW_PORT"

  # s3rver knows one account: S3RVER, whose secret it never checks; the
  # gate checks ours
  S3_ACCESS_KEY=S3RVER
  S3_SECRET_KEY=kilnS3secret$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  S3_TOKEN=kilnS3token$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
  S3_REGION=us-east-1
  S3_GATE_ACCESS_KEY=$S3_ACCESS_KEY S3_GATE_SECRET_KEY=$S3_SECRET_KEY S3_GATE_TOKEN=$S3_TOKEN \
    python3 "$top_srcdir/tests/integration/lib/s3-sigv4-gate.py" "$dir" "$S3_RAW_PORT" "$S3_REGION" \
    < /dev/null > "$dir/gate.out" 2>&1 &
  _s3_gate_pid=$!
  wait_for --while "$_s3_gate_pid" "the signature gate to listen" test -s "$dir/gate.port"
  S3_PORT=$(cat "$dir/gate.port")
  S3_ENDPOINT=http://127.0.0.1:$S3_PORT
  S3_VHOST_ENDPOINT=http://s3.localhost:$S3_PORT
  S3_GATE_LOG=$dir/gate.log

  S3CMD_CONFIG=$dir/s3cmd.cfg
  cat > "$S3CMD_CONFIG" <<EOF
[default]
access_key = $S3_ACCESS_KEY
secret_key = $S3_SECRET_KEY
host_base = 127.0.0.1:$S3_PORT
host_bucket = 127.0.0.1:$S3_PORT
bucket_location = us-east-1
use_https = False
signature_v2 = False
check_ssl_certificate = False
EOF
  export S3_PORT S3_RAW_PORT S3_ENDPOINT S3_VHOST_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_TOKEN \
    S3_REGION S3CMD_CONFIG S3_GATE_LOG
  note "s3rver on 127.0.0.1:$S3_RAW_PORT behind the signature gate on 127.0.0.1:$S3_PORT"
}

s3_stop () {
  kill_if_running $_s3_gate_pid $_s3rver_pid
  _s3_gate_pid=
  _s3rver_pid=
}

s3cmd_t () {
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
    -u AWS_PROFILE -u AWS_CONFIG_FILE -u AWS_SHARED_CREDENTIALS_FILE \
    s3cmd -c "$S3CMD_CONFIG" --no-progress "$@"
}

s3_env () {
  echo "AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_ENDPOINT_URL_S3=$S3_ENDPOINT"
}

s3_secret () {
  echo "$S3_SECRET_KEY"
}
