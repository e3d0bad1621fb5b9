#!/bin/bash
# nbdcopy round trip: 256 MiB of random data copied into the export and back out through
# uiscsi-nbd must hash the same (SHA-256), and so must the target's backing file. Against
# tgtd and against uiscsi-target. nbdcopy runs several connections with many requests in
# flight each (CAN_MULTI_CONN), so this also exercises pipelining and out-of-order replies.
source "$(dirname "$0")/lib.sh"
require_tool nbdcopy "package libnbd-bin"
require_tool sha256sum "coreutils"

head -c 256M /dev/urandom >"$WORK/random.img"
want=$(sha256sum <"$WORK/random.img" | cut -d' ' -f1)

round_trip() {  # round_trip LABEL URL BACKING
  local label=$1
  start_nbd N "$2"
  nbdcopy --flush "$WORK/random.img" "$N_URI" || fail "$label: nbdcopy into the export"
  local got
  got=$(nbdcopy "$N_URI" - | sha256sum | cut -d' ' -f1)
  expect "$label: sha256 read back through NBD" "$got" "$want"
  stop_nbd N
  expect "$label: sha256 of the target's backing file" "$(head -c 256M "$3" | sha256sum | cut -d' ' -f1)" "$want"
}

start_tgtd 256M
round_trip tgtd "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" "$TGT_BACKING"
start_uiscsi_target
round_trip uiscsi-target "iscsi://127.0.0.1:$UT_PORT/$UT_IQN/0" "$WORK/disk.img"
say "PASS"
