#!/bin/bash
# uiscsi-nbd whose iSCSI connect never completes: the portal is a listener whose accept
# queue is full, so Linux drops the SYN and the connect stays pending until the login
# timeout (the default, 15 s) gives up. uiscsi-nbd must then exit 1 and say only
# "connect to PORTAL timed out": on tcp there is nothing more to know (the smc path adds
# what SMC_DIAG says about its handshake; tests/kernel/smc_r.sh checks those words).
source "$(dirname "$0")/lib.sh"

# A listener on a free port whose queue is full: one backlog slot, two queued connections
# (the kernel drops SYNs once the queue is longer than the backlog). TCP_INFO on a listener
# gives the queue's length as tcpi_unacked and its backlog as tcpi_sacked.
python3 - "$WORK/port" <<'PY' &
import os, socket, struct, sys, time
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
clients = []
def queue():
    info = server.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("II", info, 24)  # tcpi_unacked, tcpi_sacked
while queue()[0] <= queue()[1]:
    clients.append(socket.create_connection(server.getsockname(), 5))
    for _ in range(10000):
        if queue()[0] == len(clients):
            break
        time.sleep(0.001)
open(sys.argv[1] + ".tmp", "w").write(str(server.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
PY
PIDS_TO_KILL+=($!)
wait_for "the full listener" test -s "$WORK/port"
port=$(cat "$WORK/port")
portal="127.0.0.1:$port"
iqn=iqn.2026-11.org.uiscsi:never-answers

rc=0
timeout 120 "$UISCSI_NBD" -k "$WORK/nbd.sock" "iscsi://$portal/$iqn/0" >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" = 1 ] || { cat "$WORK/err"; fail "uiscsi-nbd exited $rc, not 1 (124: it never gave up)"; }
[ ! -s "$WORK/out" ] || fail "uiscsi-nbd printed an export although the login failed: $(cat "$WORK/out")"
expected="uiscsi-nbd: login to $iqn at $portal failed: connect to $portal timed out"
grep -qxF -- "$expected" "$WORK/err" || { cat "$WORK/err"; fail "uiscsi-nbd did not say '$expected' (alone on its line)"; }
say "ok: a connect that never completes: '$expected'"
