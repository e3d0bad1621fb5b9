#!/bin/bash
# The target dies under NBD I/O.
#  1. Within the replacement timeout: fio writes (rate-limited, so the kill lands mid-run)
#     through uiscsi-nbd with crc32c verification; the target is SIGKILLed and restarted
#     on the same port and files. fio must see no error and every block must verify.
#     Once with tgtd, once with uiscsi-target.
#  2. Past it: the target stays down; fio must fail with EIO (not hang), and uiscsi-nbd
#     must still stop cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"
require_tool fio "package fio"
fio --enghelp=nbd >/dev/null 2>&1 || { say "SKIP: this fio has no nbd engine"; exit $SKIP; }

# fio_bg LABEL URI: a 32 MiB sequential write at 8 MiB/s with verification, in the background.
fio_bg() {
  fio --name="$1" --ioengine=nbd --uri="$2" --rw=write --bs=64k --iodepth=8 --size=32M \
    --rate=8m --verify=crc32c --verify_fatal=1 --do_verify=1 --output="$WORK/fio-$1.txt" &
  FIO_PID=$!
  PIDS_TO_KILL+=("$FIO_PID")
}

# 1a. tgtd, restarted within the timeout.
start_tgtd 64M
start_nbd A "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" --replacement-timeout 60
fio_bg tgtd "$A_URI"
sleep 1.5
kill_tgtd
say "tgtd killed during I/O"
sleep 2
restart_tgtd
say "tgtd restarted"
wait "$FIO_PID" || { cat "$WORK/fio-tgtd.txt"; fail "fio saw an error across a tgtd restart"; }
grep -q "err= 0" "$WORK/fio-tgtd.txt" || { cat "$WORK/fio-tgtd.txt"; fail "fio err != 0 across a tgtd restart"; }
say "ok: tgtd restart within the replacement timeout: fio wrote and verified 32 MiB without an error"
stop_nbd A

# 1b. uiscsi-target, restarted on the same port and files.
start_uiscsi_target
start_nbd B "iscsi://127.0.0.1:$UT_PORT/$UT_IQN/0" --replacement-timeout 60
fio_bg uiscsi-target "$B_URI"
sleep 1.5
kill_uiscsi_target
say "uiscsi-target killed during I/O"
sleep 2
start_uiscsi_target "$UT_PORT"
say "uiscsi-target restarted"
wait "$FIO_PID" || { cat "$WORK/fio-uiscsi-target.txt"; fail "fio saw an error across a uiscsi-target restart"; }
grep -q "err= 0" "$WORK/fio-uiscsi-target.txt" || { cat "$WORK/fio-uiscsi-target.txt"; fail "fio err != 0"; }
say "ok: uiscsi-target restart within the replacement timeout: fio wrote and verified 32 MiB without an error"
stop_nbd B

# 2. Past the timeout: a clean EIO.
start_nbd C "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" --replacement-timeout 3
fio_bg expire "$C_URI"
sleep 1.5
kill_tgtd
start=$SECONDS
for i in $(seq 1 600); do
  kill -0 "$FIO_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$FIO_PID" 2>/dev/null && fail "fio still runs 60 s after the target died (a hang)"
wait "$FIO_PID" && fail "fio succeeded although the target stayed down past the replacement timeout"
grep -Eq "Input/output error|error=5|err= *5" "$WORK/fio-expire.txt" ||
  { cat "$WORK/fio-expire.txt"; fail "fio failed, but not with EIO"; }
say "ok: past the replacement timeout fio failed with EIO after $((SECONDS - start)) s"
stop_nbd C
say "PASS"
