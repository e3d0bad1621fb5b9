#!/bin/bash
# uiscsi-nbd --handshake-timeout: NBD clients that connect and never finish the handshake
# (one silent after the greeting, one stopped in the middle of an option) are
# disconnected by the server, while nbdinfo, connecting after them, is still served. No
# timing is checked beyond "closed eventually" (a 60 s guard turns a hang into a failure).
source "$(dirname "$0")/lib.sh"
require_tool nbdinfo "package libnbd-bin"
require_tool python3 "package python3"

start_tgtd 16M
start_nbd T "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" -k "$WORK/t.sock" --handshake-timeout 1

# stalled SOCKET PARTIAL: connects, reads the greeting, sends PARTIAL (hex) and waits for
# the server to close; prints "closed" on end of file.
stalled() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(sys.argv[1])
greeting = b""
while len(greeting) < 18:
    chunk = s.recv(18 - len(greeting))
    if not chunk:
        sys.exit("no greeting")
    greeting += chunk
s.sendall(bytes.fromhex(sys.argv[2]))
try:
    print("closed" if s.recv(1) == b"" else "data")
except socket.timeout:
    print("still open after 60 s")
except ConnectionResetError:
    print("closed")
PY
}

stalled "$WORK/t.sock" "" >"$WORK/silent" &
silent=$!
# NBD_FLAG_C_FIXED_NEWSTYLE, IHAVEOPT and two bytes of the option number.
stalled "$WORK/t.sock" "0000000149484156454f50540000" >"$WORK/partial" &
partial=$!
wait "$silent" || fail "the silent client could not connect"
wait "$partial" || fail "the partial client could not connect"
expect "silent client after the greeting" "$(cat "$WORK/silent")" closed
expect "client stopped inside an option" "$(cat "$WORK/partial")" closed
[ "$(nbdinfo --size "$T_URI")" = $((16 << 20)) ] || fail "nbdinfo after the stalled clients"
stop_nbd T
say "ok: stalled handshakes dropped by --handshake-timeout, later clients served"
