#!/usr/bin/env python3
"""s3-sigv4-gate.py - checks S3 requests' Signature Version 4, then hands
them to s3rver

  python3 s3-sigv4-gate.py DIR UPSTREAM-PORT REGION

s3rver 3.7.1 does not check V4 signatures: it looks the access key id up
and lets any signature through (lib/middleware/authentication.js, "Signature
version 4 calculation is unimplemented").  A client that signs wrongly would
pass.  This gate checks each request as S3 does with a signature in the
Authorization header (AWS's "Signature Calculations for the Authorization
Header"), then passes it on to s3rver on 127.0.0.1:UPSTREAM-PORT:

  - the key id, the scope's date and REGION, x-amz-date within 15 minutes;
  - x-amz-content-sha256 is there, and is the SHA-256 of the body that came
    (or UNSIGNED-PAYLOAD);
  - host and every x-amz-* header are signed, and every signed header is
    in the request;
  - the signature, over the canonical request S3 builds: the path decoded
    and encoded again segment by segment, the query's parameters encoded
    and sorted, the signed headers' values trimmed;
  - x-amz-security-token, when there is one, is S3_GATE_TOKEN.

A failed check is answered as S3 answers, with its <Error><Code> and
<Message>.  It also does what s3rver leaves out: ListObjectsV2 with
encoding-type=url gets its keys form-encoded, with <EncodingType>url.

The keys come from the environment (S3_GATE_ACCESS_KEY, S3_GATE_SECRET_KEY,
S3_GATE_TOKEN), not argv.  DIR/gate.port gets the port once it listens;
DIR/gate.log a line per request (never a key or a signature).
"""
import datetime
import hashlib
import hmac
import html
import http.client
import http.server
import os
import re
import sys
import threading
import urllib.parse

DIR, UPSTREAM, REGION = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ACCESS = os.environ["S3_GATE_ACCESS_KEY"]
SECRET = os.environ["S3_GATE_SECRET_KEY"]
TOKEN = os.environ.get("S3_GATE_TOKEN", "")
HOP = {"connection", "keep-alive", "expect", "transfer-encoding", "te",
       "upgrade", "proxy-connection"}
AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/"
                  r"s3/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*"
                  r"Signature=([0-9a-f]{64})$")
log_lock = threading.Lock()


def log(line):
    with log_lock, open(os.path.join(DIR, "gate.log"), "a") as f:
        f.write(line + "\n")


def enc(s, safe=""):
    # AWS's URI encoding: unreserved characters kept, the rest %XX (upper)
    return urllib.parse.quote(s, safe=safe)


def canonical_path(raw):
    return "/".join(enc(urllib.parse.unquote(seg)) for seg in raw.split("/"))


def canonical_query(raw):
    pairs = []
    for part in raw.split("&") if raw else []:
        name, _, value = part.partition("=")
        pairs.append((enc(urllib.parse.unquote(name)),
                      enc(urllib.parse.unquote(value))))
    return "&".join("%s=%s" % p for p in sorted(pairs))


def signing_key(day):
    k = ("AWS4" + SECRET).encode()
    for part in (day, REGION, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


class Refused(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Gate(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def check(self, body):
        h = self.headers
        auth = h.get("Authorization")
        if not auth:
            raise Refused(403, "AccessDenied", "Anonymous access is refused "
                          "here (the gate)")
        m = AUTH.match(auth)
        if not m:
            raise Refused(400, "AuthorizationHeaderMalformed", "The "
                          "authorization header is malformed.")
        key_id, day, region, signed, signature = m.groups()
        if key_id != ACCESS:
            raise Refused(403, "InvalidAccessKeyId", "The AWS Access Key Id "
                          "you provided does not exist in our records.")
        if region != REGION:
            raise Refused(400, "AuthorizationHeaderMalformed", "The "
                          "authorization header is malformed; the region "
                          "'%s' is wrong; expecting '%s'" % (region, REGION))
        amz_date = h.get("x-amz-date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise Refused(403, "AccessDenied", "AWS authentication requires "
                          "a valid Date or x-amz-date header")
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        if abs((now - when).total_seconds()) > 900:
            raise Refused(403, "RequestTimeTooSkewed", "The difference "
                          "between the request time and the current time "
                          "is too large.")
        if amz_date[:8] != day:
            raise Refused(403, "SignatureDoesNotMatch", "The credential's "
                          "date is not x-amz-date's.")
        content = h.get("x-amz-content-sha256")
        if not content:
            raise Refused(400, "InvalidRequest", "Missing required header "
                          "for this request: x-amz-content-sha256")
        if content != "UNSIGNED-PAYLOAD" \
                and content != hashlib.sha256(body).hexdigest():
            raise Refused(400, "XAmzContentSHA256Mismatch", "The provided "
                          "'x-amz-content-sha256' header does not match what "
                          "was computed.")
        names = signed.split(";")
        if names != sorted(set(names)) or "host" not in names:
            raise Refused(400, "AuthorizationHeaderMalformed", "SignedHeaders "
                          "must be sorted and name host")
        unsigned = sorted({k.lower() for k in h.keys()
                           if k.lower().startswith("x-amz-")} - set(names))
        if unsigned:
            raise Refused(403, "AccessDenied", "There were headers present "
                          "in the request which were not signed: " +
                          ", ".join(unsigned))
        missing = [n for n in names if h.get(n) is None]
        if missing:
            raise Refused(403, "AccessDenied", "Signed headers are not in the "
                          "request: " + ", ".join(missing))
        token = h.get("x-amz-security-token")
        if token is not None and token != TOKEN:
            raise Refused(403, "InvalidToken", "The provided token is "
                          "malformed or otherwise invalid.")
        path, _, query = self.path.partition("?")
        lines = ["%s:%s" % (n, ",".join(re.sub(r"\s+", " ", v.strip())
                                        for v in h.get_all(n)))
                 for n in names]
        request = "\n".join([self.command, canonical_path(path),
                             canonical_query(query)] + lines +
                            ["", signed, content])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date,
                             "%s/%s/s3/aws4_request" % (day, REGION),
                             hashlib.sha256(request.encode()).hexdigest()])
        want = hmac.new(signing_key(day), to_sign.encode(),
                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, signature):
            log("  canonical request:\n    " + request.replace("\n", "\n    "))
            raise Refused(403, "SignatureDoesNotMatch", "The request "
                          "signature we calculated does not match the "
                          "signature you provided. Check your key and "
                          "signing method.")

    def answer(self, status, headers, body, length=None):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length",
                         str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def refuse(self, r):
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s'
                '</Code><Message>%s</Message><RequestId>kiln-gate</RequestId>'
                '</Error>' % (r.code, html.escape(r.message))).encode()
        self.answer(r.status, [("Content-Type", "application/xml")], body)

    def url_encode_listing(self, body):
        # what S3 does with encoding-type=url and s3rver does not
        text = body.decode()
        if "<ListBucketResult" not in text or "<EncodingType>" in text:
            return body

        def encode(m):
            value = html.unescape(m.group(2))
            return "<%s>%s</%s>" % (m.group(1),
                                    urllib.parse.quote_plus(value, safe="/"),
                                    m.group(1))
        text = re.sub(r"<(Key|Prefix|StartAfter|Delimiter)>(.*?)</\1>",
                      encode, text, flags=re.S)
        text = re.sub(r"(</Name>)", r"\1<EncodingType>url</EncodingType>",
                      text, count=1)
        return text.encode()

    def handle_any(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return self.refuse(Refused(501, "NotImplemented", "The gate "
                                       "takes no chunked bodies"))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            self.check(body)
        except Refused as r:
            log("%s %s -> %d %s" % (self.command, self.path, r.status, r.code))
            return self.refuse(r)
        up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=120)
        up.putrequest(self.command, self.path, skip_host=True,
                      skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() not in HOP and k.lower() != "content-length":
                up.putheader(k, v)
        up.putheader("Content-Length", str(len(body)))
        up.endheaders(body)
        resp = up.getresponse()
        data = resp.read()
        path, _, query = self.path.partition("?")
        if self.command == "GET" and resp.status == 200 \
                and "encoding-type=url" in query.split("&"):
            data = self.url_encode_listing(data)
        keep = [(k, v) for k, v in resp.getheaders()
                if k.lower() not in HOP | {"content-length", "date", "server"}]
        length = resp.getheader("Content-Length") \
            if self.command == "HEAD" else None
        up.close()
        log("%s %s -> %d verified" % (self.command, self.path, resp.status))
        self.answer(resp.status, keep, data, length or None)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gate)
server.daemon_threads = True
tmp = os.path.join(DIR, "gate.port.tmp")
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, os.path.join(DIR, "gate.port"))
server.serve_forever()
