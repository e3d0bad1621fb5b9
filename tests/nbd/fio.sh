#!/bin/bash
# fio's nbd engine (libnbd) through uiscsi-nbd: a random read/write mix at queue depth 32
# with crc32c verification of every block written (the write phase plus fio's verify
# pass), against tgtd and against uiscsi-target. fio exits non-zero on any I/O error or
# verification failure. One pass over the file (fio's random map keeps writes from
# overlapping): with more passes and mixed block sizes fio's own verify log reports false
# "bad header" errors, against qemu-nbd just the same.
source "$(dirname "$0")/lib.sh"
require_tool fio "package fio"
fio --enghelp=nbd >/dev/null 2>&1 || { say "SKIP: this fio has no nbd engine"; exit $SKIP; }

run_fio() {  # run_fio LABEL URL
  local label=$1
  start_nbd F "$2"
  fio --name="randrw-$label" --ioengine=nbd --uri="$F_URI" --rw=randrw --rwmixread=50 \
    --bsrange=4k-128k --iodepth=32 --size=64M --verify=crc32c --verify_fatal=1 \
    --do_verify=1 --randseed=42 --output="$WORK/fio-$label.txt" --output-format=normal ||
    { cat "$WORK/fio-$label.txt"; fail "$label: fio reported errors"; }
  grep -q "err= 0" "$WORK/fio-$label.txt" || { cat "$WORK/fio-$label.txt"; fail "$label: fio err != 0"; }
  say "ok: $label: $(grep -E '^ +(read|write):' "$WORK/fio-$label.txt" | tr -s ' ' | tr '\n' ';')"
  stop_nbd F
}

start_tgtd 128M
run_fio tgtd "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"
start_uiscsi_target
run_fio uiscsi-target "iscsi://127.0.0.1:$UT_PORT/$UT_IQN/0"
say "PASS"
