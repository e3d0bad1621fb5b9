#!/bin/bash
# A hostile client (bad AHS lengths, an unknown opcode, DataSegmentLength over the limit,
# a CmdSN outside the window, header and data digest errors, a truncated PDU, Data-Out past
# the end, garbage before login) gets a Reject or a closed connection, or is ignored where
# RFC 7143 says so, while a good session on the same target keeps reading unaffected.
source "$(dirname "$0")/lib.sh"

readonly IQN=iqn.2026-11.org.uiscsi:hostile
# A short login timeout, so that a connection that never completes a PDU is dropped soon.
cat >"$WORK/target.toml" <<TOML
login_timeout = 3
[[target]]
name = "$IQN"
[[target.lun]]
number = 0
backend = "ram"
size = "64M"
TOML
start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0
PORTAL=127.0.0.1:${T_PORTS%% *}

# The good session: reads until the hostile cases are done (at most 120 s).
"$UISCSI_PROBE" read-loop --portal "$PORTAL" --target "$IQN" --seconds 120 \
  --stop-file "$WORK/stop" >"$WORK/reader.out" 2>&1 &
READER=$!
PIDS_TO_KILL+=("$READER")
# A libiscsi session beside it, when available: iscsi-perf reads until killed.
if command -v iscsi-perf >/dev/null; then
  timeout 300 iscsi-perf -m 4 -b 8 "iscsi://$PORTAL/$IQN/0" >"$WORK/perf.out" 2>&1 &
  PERF=$!
  PIDS_TO_KILL+=("$PERF")
fi
sleep 1

rc=0
"$UISCSI_PROBE" hostile all --portal "$PORTAL" --target "$IQN" --garbage-wait 10 >"$WORK/hostile.out" 2>&1 || rc=$?
cat "$WORK/hostile.out"
touch "$WORK/stop"

reader_rc=0
wait "$READER" || reader_rc=$?
say "good session: $(tail -1 "$WORK/reader.out")"
if [ -n "${PERF:-}" ]; then
  if kill -0 "$PERF" 2>/dev/null; then
    say "iscsi-perf still running beside them: $(tail -1 "$WORK/perf.out" | tr -d '\r')"
    kill -INT "$PERF" 2>/dev/null
  else
    say "iscsi-perf ended early:"; tail -5 "$WORK/perf.out"
    rc=1
  fi
fi
alive T || { tail -40 "$T_LOG"; fail "uiscsi-target died"; }
"$UISCSI_PROBE" login --portal "$PORTAL" --target "$IQN" >/dev/null || fail "a good login failed afterwards"
stop_target T
[ "$reader_rc" -eq 0 ] || { cat "$WORK/reader.out"; fail "the good session was disturbed"; }
[ "$rc" -eq 0 ] || fail "a hostile case was not refused properly"
say "PASS"
