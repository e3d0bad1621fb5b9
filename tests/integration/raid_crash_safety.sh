#!/bin/bash
# Crash safety of a RAID-5 LUN through the target: a writer logs every block the target
# acknowledged as durable (FUA writes; then plain writes with SYNCHRONIZE CACHE every 8)
# while the daemon is killed with SIGKILL. The volume is then reassembled (the
# write-intent bitmap resyncs the rows being written at the kill), a member is failed,
# and the daemon serves it degraded: every acknowledged-and-durable block must read back,
# those on the missing member rebuilt from parity that the resync made right.
#
# Killed while degraded, the volume is refused (its torn rows cannot be resynced: the
# RAID write hole) until `force = true`, and --check-config says so at the LUN.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/raid_lib.sh"

readonly IQN=iqn.2026-11.org.uiscsi:raid-crash

serve() { start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0; PORTAL=127.0.0.1:${T_PORTS%% *}; }

# kill_during_writes LOG MODE-ARGS...: writes until well into the loop, then SIGKILL.
kill_during_writes() {
  local log=$1; shift
  rm -f "$log"
  serve
  "$UISCSI_PROBE" write-log --portal "$PORTAL" --target "$IQN" --log "$log" "$@" >"$WORK/writer.out" 2>&1 &
  local writer=$! i
  PIDS_TO_KILL+=("$writer")
  for i in $(seq 1 300); do
    [ -f "$log" ] && [ "$(wc -l <"$log")" -ge 300 ] && break
    kill -0 "$writer" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$T_PID"
  wait "$T_PID" 2>/dev/null
  wait "$writer" || { cat "$WORK/writer.out"; fail "the writer failed"; }
  say "writer: $(cat "$WORK/writer.out")"
  [ "$(wc -l <"$log")" -ge 1 ] || fail "no durable write was acknowledged before the kill"
}

verify_degraded() {  # verify_degraded LOG FAILED-MEMBER-INDEX
  "$UISCSI_RAID" assemble "${MEMBERS[@]}" >"$WORK/assemble.out" 2>&1 || { cat "$WORK/assemble.out"; fail "reassembly"; }
  say "reassembled: $(grep -m1 'dirty volume' "$WORK/assemble.out" || tail -1 "$WORK/assemble.out")"
  "$UISCSI_RAID" fail "${MEMBERS[$2]}" "${MEMBERS[@]}" >"$WORK/fail.out" 2>&1 || { cat "$WORK/fail.out"; fail "fail"; }
  serve
  "$UISCSI_PROBE" verify-log --portal "$PORTAL" --target "$IQN" --log "$1" >"$WORK/verify.out" 2>&1 ||
    { cat "$WORK/verify.out"; fail "acknowledged durable writes were lost (degraded, without m$2)"; }
  say "degraded without m$2: $(tail -1 "$WORK/verify.out")"
  stop_target T
}

for mode in fua sync; do
  make_raid 5 4 24M
  raid_config "$WORK/target.toml" "$IQN"
  if [ "$mode" = fua ]; then
    kill_during_writes "$WORK/durable.log" --fua
    verify_degraded "$WORK/durable.log" 1
  else
    kill_during_writes "$WORK/durable.log" --sync-every 8
    verify_degraded "$WORK/durable.log" 0
  fi
  rm -f "${MEMBERS[@]}"
done

# Killed while degraded: refused at start-up, explained by --check-config, started with force.
make_raid 5 4 24M
raid_config "$WORK/target.toml" "$IQN"
"$UISCSI_RAID" fail "${MEMBERS[0]}" "${MEMBERS[@]}" >/dev/null 2>&1 || fail "fail m0"
kill_during_writes "$WORK/durable.log" --fua
rc=0
out=$("$UISCSI_TARGET" --check-config -c "$WORK/target.toml" --listen 127.0.0.1:0 2>&1) || rc=$?
[ "$rc" -eq 1 ] || { echo "$out"; fail "--check-config accepted a volume killed while degraded"; }
line=$(grep -n "^members" "$WORK/target.toml" | cut -d: -f1)
grep -q "target.toml:$line:[0-9]*: error: .*not shut down cleanly and is degraded" <<<"$out" ||
  { echo "$out"; fail "no dirty-degraded error at line $line"; }
say "check-config: $(grep 'not shut down' <<<"$out" | cut -c1-160)..."
raid_config "$WORK/target.toml" "$IQN" "force = true"
serve
grep -q "starting a dirty degraded volume because forced" "$T_LOG" || { cat "$T_LOG"; fail "no warning about forcing"; }
stop_target T
say "PASS"
