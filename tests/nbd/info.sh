#!/bin/bash
# nbdinfo (libnbd) against uiscsi-nbd: the size, the block sizes and the transmission flags
# it reports must be the LUN's. Against tgtd (thin LUN: trim, 512-byte blocks), against
# uiscsi-target (a 512-byte LUN, and a 4 KiB read-only LUN that must come out READ_ONLY
# from MODE SENSE), and with -r; writes to a read-only export fail with EPERM.
source "$(dirname "$0")/lib.sh"
require_tool nbdinfo "package libnbd-bin"
require_tool nbdcopy "package libnbd-bin"

check_info() {  # check_info LABEL URI SIZE MIN PREF MAX READ_ONLY CAN_TRIM
  local label=$1 uri=$2
  nbdinfo --json "$uri" >"$WORK/info.json" || fail "$label: nbdinfo failed"
  local e='j["exports"][0]'
  expect "$label protocol" "$(json "$WORK/info.json" 'j["protocol"]')" newstyle-fixed
  expect "$label structured" "$(json "$WORK/info.json" 'j["structured"]')" True
  expect "$label size" "$(json "$WORK/info.json" "$e[\"export-size\"]")" "$3"
  expect "$label block_size_minimum" "$(json "$WORK/info.json" "$e[\"block_size_minimum\"]")" "$4"
  expect "$label block_size_preferred" "$(json "$WORK/info.json" "$e[\"block_size_preferred\"]")" "$5"
  expect "$label block_size_maximum" "$(json "$WORK/info.json" "$e[\"block_size_maximum\"]")" "$6"
  expect "$label is_read_only" "$(json "$WORK/info.json" "$e[\"is_read_only\"]")" "$7"
  expect "$label can_trim" "$(json "$WORK/info.json" "$e[\"can_trim\"]")" "$8"
  local flag
  for flag in can_flush can_fua can_zero can_fast_zero can_multi_conn can_df; do
    expect "$label $flag" "$(json "$WORK/info.json" "$e[\"$flag\"]")" True
  done
  expect "$label base:allocation" "$(json "$WORK/info.json" "'base:allocation' in $e[\"contexts\"]")" True
}

write_refused() {  # write_refused LABEL URI: a write must fail
  head -c 1M /dev/zero >"$WORK/zero1m"
  if nbdcopy "$WORK/zero1m" "$2" 2>"$WORK/nbdcopy.err"; then fail "$1: a write to a read-only export succeeded"; fi
  say "ok: $1 refuses writes ($(head -n1 "$WORK/nbdcopy.err"))"
}

# tgtd: a thin LUN of 64 MiB; tgt reports 512-byte logical and 4 KiB physical blocks.
start_tgtd 64M thin
start_nbd A "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"
check_info tgtd "$A_URI" 67108864 512 4096 4194304 False True
stop_nbd A
start_nbd B "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" -r -x "named export"
case "$B_URI" in *"/named%20export?socket="*) say "ok: URI names the export: $B_URI" ;; *) fail "URI $B_URI" ;; esac
check_info "tgtd -r" "$B_URI" 67108864 512 4096 4194304 True True
write_refused "tgtd -r" "$B_URI"
stop_nbd B

# TCP listener.
start_nbd C "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1" -b 127.0.0.1 -p 0
case "$C_URI" in nbd://127.0.0.1:*/) ;; *) fail "TCP URI $C_URI" ;; esac
check_info "tgtd tcp" "$C_URI" 67108864 512 4096 4194304 False True
stop_nbd C

# uiscsi-target: LUN 0 writable, LUN 1 write protected.
start_uiscsi_target
start_nbd D "iscsi://127.0.0.1:$UT_PORT/$UT_IQN/0"
nbdinfo --json "$D_URI" >"$WORK/d.json" || fail "nbdinfo uiscsi-target LUN 0"
expect "uiscsi-target LUN 0 size" "$(json "$WORK/d.json" 'j["exports"][0]["export-size"]')" 268435456
expect "uiscsi-target LUN 0 block_size_minimum" "$(json "$WORK/d.json" 'j["exports"][0]["block_size_minimum"]')" 512
expect "uiscsi-target LUN 0 is_read_only" "$(json "$WORK/d.json" 'j["exports"][0]["is_read_only"]')" False
start_nbd E "iscsi://127.0.0.1:$UT_PORT/$UT_IQN/1"
nbdinfo --json "$E_URI" >"$WORK/e.json" || fail "nbdinfo uiscsi-target LUN 1"
expect "uiscsi-target LUN 1 size" "$(json "$WORK/e.json" 'j["exports"][0]["export-size"]')" 16777216
expect "uiscsi-target LUN 1 block_size_minimum" "$(json "$WORK/e.json" 'j["exports"][0]["block_size_minimum"]')" 4096
expect "uiscsi-target LUN 1 is_read_only (MODE SENSE WP)" "$(json "$WORK/e.json" 'j["exports"][0]["is_read_only"]')" True
write_refused "uiscsi-target LUN 1" "$E_URI"
stop_nbd D
stop_nbd E
say "PASS"
