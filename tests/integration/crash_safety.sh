#!/bin/bash
# Crash safety: a writer numbers its blocks and logs every write the target acknowledged
# as durable (FUA writes on LUN 0; plain writes followed by SYNCHRONIZE CACHE on LUN 1).
# The target is killed with SIGKILL mid-loop and restarted on the same files; every
# acknowledged-and-durable block must read back intact.
#
# What this proves: the target acknowledges FUA / SYNCHRONIZE CACHE only after the data
# reached the backing file (no acknowledgement from a userspace cache). A killed process
# leaves the page cache behind, so power loss is out of its reach: that is the backend's
# pwritev2(RWF_DSYNC) / fdatasync contract, covered by the backend's own tests.
source "$(dirname "$0")/lib.sh"

readonly IQN=iqn.2026-11.org.uiscsi:crash
cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$IQN"
[[target.lun]]
number = 0
backend = "file"
path = "fua.img"
size = "64M"
[[target.lun]]
number = 1
backend = "file"
path = "sync.img"
size = "64M"
TOML

run_round() {  # run_round LUN MODE-ARGS...
  local lun=$1; shift
  local log="$WORK/durable-lun$lun.log"
  start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0
  local portal=127.0.0.1:${T_PORTS%% *}
  "$UISCSI_PROBE" write-log --portal "$portal" --target "$IQN" --lun "$lun" --log "$log" "$@" \
    >"$WORK/writer.out" 2>&1 &
  local writer=$!
  PIDS_TO_KILL+=("$writer")
  # Let it get well into the loop, then kill the target where it stands.
  local i
  for i in $(seq 1 300); do
    [ -f "$log" ] && [ "$(wc -l <"$log")" -ge 200 ] && break
    kill -0 "$writer" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$T_PID"
  wait "$T_PID" 2>/dev/null
  wait "$writer" || { cat "$WORK/writer.out"; fail "the writer failed on LUN $lun"; }
  say "LUN $lun, writer: $(cat "$WORK/writer.out")"
  [ "$(wc -l <"$log")" -ge 1 ] || fail "no durable write was acknowledged on LUN $lun before the kill"

  start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0
  portal=127.0.0.1:${T_PORTS%% *}
  if ! "$UISCSI_PROBE" verify-log --portal "$portal" --target "$IQN" --lun "$lun" --log "$log" \
       >"$WORK/verify.out" 2>&1; then
    cat "$WORK/verify.out"
    fail "acknowledged durable writes were lost on LUN $lun"
  fi
  say "LUN $lun, after restart: $(tail -1 "$WORK/verify.out")"
  stop_target T
}

run_round 0 --fua
run_round 1 --sync-every 8
say "PASS"
