#!/bin/bash
# uiscsid --nbd-listen ADDR: every LUN logged in is also exported over TCP on ADDR at a free
# port of its own, next to its Unix socket. The login, -m session -P 3 and the sessions
# JSON of the control socket give the URI (nbd://ADDR:PORT/, IPv6 in brackets); nbdinfo
# sees the LUN's size there, 64 MiB of random data copied in and back with nbdcopy have
# the same SHA-256, ss shows the listener owned by uiscsid, and after logout the port
# refuses connections. With --nbd-tls-certificate/--nbd-tls-key the TCP export requires
# TLS (nbds://, a plain client is refused) while the Unix socket, which the kernel's
# client uses, stays plain. Bad option values stop uiscsid with a reason.
#
#   nbd_tcp.sh tgtd | uiscsi-target
#
# tgtd runs on 127.0.0.1; for uiscsi-target the exports listen on ::1 where the host has
# IPv6 loopback (else 127.0.0.1, said on a line).
source "$(dirname "$0")/lib.sh"

readonly KIND=${1:?tgtd or uiscsi-target}
readonly IQN=iqn.2026-11.org.uiscsi:nbdtcp.disk
require_tool nbdinfo "package libnbd-bin"
require_tool nbdcopy "package libnbd-bin"
require_tool ss "package iproute2"

start_disk_target "$KIND" "$IQN"
LISTEN=127.0.0.1
if [ "$KIND" = uiscsi-target ]; then
  if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    LISTEN=::1
  else
    say "no IPv6 loopback here: the TCP exports listen on 127.0.0.1"
  fi
fi
[[ $LISTEN == *:* ]] && HOST="\\[$LISTEN\\]" || HOST=${LISTEN//./\\.}

# Bad values: exit 2 with a reason, nothing started.
bad_start() {  # bad_start REASON OPTION...
  local reason=$1 rc=0
  shift
  "$UISCSID" --db "$DB" --socket "$SOCK" "$@" >"$WORK/bad.out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || { cat "$WORK/bad.out"; fail "uiscsid $* exited $rc, not 2"; }
  grep -qF -- "$reason" "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "uiscsid $*: no reason \"$reason\""; }
}
bad_start "--nbd-listen takes an IP address" --nbd-listen localhost:10809
bad_start "--nbd-tls-certificate and --nbd-tls-key go together" --nbd-listen "$LISTEN" --nbd-tls-certificate x.pem
bad_start "--nbd-tls-certificate needs --nbd-listen" --nbd-tls-certificate x.pem --nbd-tls-key y.pem

# login: logs in to the target and sets UNIX_URI and TCP_URI from the login's lines.
login() {
  expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --login
  UNIX_URI=$(sed -n 's/^LUN [0-9]*: .*NBD export //p' <<<"$OUT" | head -n 1)
  TCP_URI=$(sed -n 's/^LUN [0-9]*: NBD TCP export //p' <<<"$OUT" | head -n 1)
  [ -n "$UNIX_URI" ] && [ -n "$TCP_URI" ] || { printf '%s\n' "$OUT"; fail "the login printed no Unix and TCP exports"; }
  say "LUN exported as $UNIX_URI and $TCP_URI"
  TCP_PORT=${TCP_URI##*:}
  TCP_PORT=${TCP_PORT%/}
}

# The sessions JSON straight from the control socket: the LUN's "nbd_tcp".
json_tcp_uri() {
  python3 - "$SOCK" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"command": "sessions", "args": {}}\n')
data = b""
while not data.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
reply = json.loads(data)
print(" ".join(l["nbd_tcp"] for x in reply["result"]["sessions"] for l in x["luns"] if "nbd_tcp" in l))
PY
}

# refused URI: a TCP connection to the URI's port is refused (nobody listens any more).
refused() {
  python3 - "$LISTEN" "$1" <<'PY' || fail "port $1 on $LISTEN still accepts connections after logout"
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
PY
}

# --- plain TCP
start_uiscsid --nbd-listen "$LISTEN"
expect 0 -m discovery -t st -p "127.0.0.1:$PORT"
login
grep -qE "^nbd://$HOST:[0-9]+/\$" <<<"$TCP_URI" || fail "the TCP URI $TCP_URI is not nbd://$LISTEN:PORT/"
[ "$TCP_PORT" -gt 0 ] || fail "no port in $TCP_URI"
expect 0 -m session -P 3
out_has "NBD TCP export $TCP_URI		State: running"
out_contains "Attached NBD export $UNIX_URI"
[ "$(json_tcp_uri)" = "$TCP_URI" ] || fail "the sessions JSON has nbd_tcp \"$(json_tcp_uri)\", not $TCP_URI"

# The listener belongs to uiscsid.
LISTENERS=$(ss -Htlnp "sport = :$TCP_PORT")
grep -qF "pid=$UISCSID_PID," <<<"$LISTENERS" ||
  { printf '%s\n' "$LISTENERS"; fail "ss shows no listener of uiscsid (pid $UISCSID_PID) on port $TCP_PORT"; }
say "ok: ss: $(grep -o 'users:.*' <<<"$LISTENERS")"

[ "$(nbdinfo --size "$TCP_URI")" -eq "$SIZE" ] || fail "nbdinfo --size $TCP_URI says $(nbdinfo --size "$TCP_URI"), not $SIZE"
head -c 64M /dev/urandom >"$WORK/random"
nbdcopy "$WORK/random" "$TCP_URI" || fail "nbdcopy to $TCP_URI failed"
nbdcopy "$TCP_URI" "$WORK/back" || fail "nbdcopy from $TCP_URI failed"
WANT=$(sha256sum <"$WORK/random" | cut -d' ' -f1)
[ "$(sha256sum <"$WORK/back" | cut -d' ' -f1)" = "$WANT" ] || fail "the 64 MiB read back over TCP differ"
# The same blocks through the Unix socket: both servers export the one LUN.
[ "$(nbdcopy "$UNIX_URI" - | sha256sum | cut -d' ' -f1)" = "$WANT" ] || fail "the Unix export reads other data"
say "ok: 64 MiB over $TCP_URI and back, sha256 $WANT"

expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --logout
refused "$TCP_PORT"
[ -z "$(ss -Htln "sport = :$TCP_PORT")" ] || fail "port $TCP_PORT still listens after logout"
say "ok: port $TCP_PORT refuses connections after logout"
stop_uiscsid

# --- TLS on the TCP export only
if ! command -v openssl >/dev/null 2>&1; then
  say "ok: plain TCP export behind $KIND (TLS part skipped: no openssl)"
  exit 0
fi
mkdir -p "$WORK/pki" "$WORK/client-pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -keyout "$WORK/pki/key.pem" -out "$WORK/pki/cert.pem" 2>"$WORK/openssl.log" ||
  { cat "$WORK/openssl.log"; fail "openssl could not make a certificate"; }
# libnbd takes its trust anchor from ca-cert.pem in the tls-certificates directory.
cp "$WORK/pki/cert.pem" "$WORK/client-pki/ca-cert.pem"
# A key that is not the certificate's: uiscsid refuses to start (1) and says why.
openssl genrsa -out "$WORK/pki/other.pem" 2048 2>>"$WORK/openssl.log" || fail "openssl genrsa failed"
RC=0
"$UISCSID" --db "$DB" --socket "$SOCK" --nbd-listen "$LISTEN" --nbd-tls-certificate "$WORK/pki/cert.pem" \
  --nbd-tls-key "$WORK/pki/other.pem" >"$WORK/bad.out" 2>&1 || RC=$?
[ "$RC" -eq 1 ] && grep -q "NBD TLS: " "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "a mismatched key: exit $RC"; }

start_uiscsid --nbd-listen "$LISTEN" --nbd-tls-certificate "$WORK/pki/cert.pem" --nbd-tls-key "$WORK/pki/key.pem"
login
grep -qE "^nbds://$HOST:[0-9]+/\$" <<<"$TCP_URI" || fail "the TLS URI $TCP_URI is not nbds://$LISTEN:PORT/"
case "$UNIX_URI" in nbd+unix://*) ;; *) fail "the Unix export $UNIX_URI is not plain" ;; esac
TLS_URI="$TCP_URI?tls-certificates=$WORK/client-pki"
nbdinfo --json "$TLS_URI" >"$WORK/info.json" || fail "nbdinfo over TLS failed"
python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); sys.exit(0 if j["TLS"] and j["exports"][0]["export-size"] == int(sys.argv[2]) else 1)' \
  "$WORK/info.json" "$SIZE" || { cat "$WORK/info.json"; fail "nbdinfo over TLS: no TLS or a wrong size"; }
if nbdinfo "${TCP_URI/nbds:/nbd:}" >"$WORK/plain.out" 2>&1; then fail "a client without TLS was served on TCP"; fi
[ "$(nbdcopy "$TLS_URI" - | sha256sum | cut -d' ' -f1)" = "$WANT" ] || fail "the data read over TLS differ"
[ "$(nbdinfo --size "$UNIX_URI")" -eq "$SIZE" ] || fail "the Unix export needs TLS too"
expect 0 -m node -T "$IQN" -p "127.0.0.1:$PORT" --logout
refused "$TCP_PORT"
stop_uiscsid
say "ok: NBD over TCP behind $KIND on $LISTEN (size, 64 MiB nbdcopy round trip, ss owner, refused after logout; TLS: nbds://, plain refused, Unix plain)"
