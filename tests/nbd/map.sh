#!/bin/bash
# BLOCK_STATUS (base:allocation, from GET LBA STATUS) after TRIM (UNMAP): on a thin LUN
# filled with data, fio's nbd engine trims [16 MiB, 24 MiB); `nbdinfo --map` must then
# report exactly that range as a hole (and zero), the rest as data, and the range must read
# back as zeroes. Against a thin tgtd LUN and against uiscsi-target.
source "$(dirname "$0")/lib.sh"
require_tool nbdinfo "package libnbd-bin"
require_tool nbdcopy "package libnbd-bin"
require_tool fio "package fio"
fio --enghelp=nbd >/dev/null 2>&1 || { say "SKIP: this fio has no nbd engine"; exit $SKIP; }

check_map() {  # check_map LABEL URL SIZE
  local label=$1 size=$3
  start_nbd M "$2"
  head -c "$size" /dev/urandom >"$WORK/fill.img"
  nbdcopy --flush "$WORK/fill.img" "$M_URI" || fail "$label: filling the export"
  nbdinfo --map "$M_URI" >"$WORK/map-before.txt" || fail "$label: nbdinfo --map"
  expect "$label: map before trim" "$(awk '{print $1, $2, $3}' "$WORK/map-before.txt" | tr '\n' ';')" "0 $size 0;"
  fio --name=trim --ioengine=nbd --uri="$M_URI" --rw=trim --bs=1M --offset=16M --size=8M \
    --output="$WORK/fio-trim.txt" || { cat "$WORK/fio-trim.txt"; fail "$label: fio trim"; }
  nbdinfo --map "$M_URI" >"$WORK/map-after.txt" || fail "$label: nbdinfo --map after trim"
  cat "$WORK/map-after.txt"
  # "offset length type description": data, then the trimmed hole (type 1 = hole, 3 = hole
  # and zero), then data.
  local got
  got=$(awk '{print $1, $2, ($3 == 0 ? "data" : ($3 % 2 == 1 ? "hole" : "zero"))}' "$WORK/map-after.txt" | tr '\n' ';')
  expect "$label: map after trim" "$got" "0 16777216 data;16777216 8388608 hole;25165824 $((size - 25165824)) data;"
  nbdcopy "$M_URI" - | cmp -s -n 8388608 -i 16777216:0 - /dev/zero || fail "$label: the trimmed range does not read as zeroes"
  say "ok: $label: the trimmed range reads as zeroes"
  stop_nbd M
}

start_tgtd 64M thin
check_map tgtd "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" 67108864
start_uiscsi_target
check_map uiscsi-target "iscsi://127.0.0.1:$UT_PORT/$UT_IQN/0" 268435456
say "PASS"
