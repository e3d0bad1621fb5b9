#!/bin/bash
# SIGHUP: a broken file is refused and the running configuration stays (the reason is
# logged); a good file is applied without disturbing the sessions of targets that did not
# change, and a new target appears. ctl shows the sessions and connections meanwhile.
source "$(dirname "$0")/lib.sh"

readonly IQN=iqn.2026-11.org.uiscsi:reload
readonly NEW_IQN=iqn.2026-11.org.uiscsi:added
config() {  # config [EXTRA-TOML]
  cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$IQN"
[[target.lun]]
number = 0
backend = "ram"
size = "16M"
${1:-}
TOML
}
config
start_target T -c "$WORK/target.toml" --listen 127.0.0.1:0
PORTAL=127.0.0.1:${T_PORTS%% *}

"$UISCSI_PROBE" read-loop --portal "$PORTAL" --target "$IQN" --seconds 60 --stop-file "$WORK/stop" \
  >"$WORK/reader.out" 2>&1 &
READER=$!
PIDS_TO_KILL+=("$READER")
for i in $(seq 1 50); do
  "$UISCSI_TARGET" ctl sessions --socket "$T_CTL" | grep -q "$IQN" && break
  sleep 0.1
done
sessions=$("$UISCSI_TARGET" ctl sessions --socket "$T_CTL")
echo "$sessions"
grep -q "$IQN" <<<"$sessions" || fail "ctl sessions does not show the reader's session"
connections=$("$UISCSI_TARGET" ctl connections --socket "$T_CTL")
echo "$connections"
grep -q "127.0.0.1:${T_PORTS%% *}" <<<"$connections" || fail "ctl connections does not show the 4-tuple"
"$UISCSI_TARGET" ctl connections --json --socket "$T_CTL" | grep -q '"in_use"' ||
  fail "ctl connections --json has no data path"

# A broken file: refused, logged, nothing changes.
echo 'this is = = not toml' >>"$WORK/target.toml"
kill -HUP "$T_PID"
for i in $(seq 1 50); do grep -q "reload failed" "$T_LOG" && break; sleep 0.1; done
grep -q "reload failed; the running configuration stays" "$T_LOG" || { cat "$T_LOG"; fail "a broken reload was not refused"; }
grep -q "target.toml:[0-9]*:[0-9]*: error" "$T_LOG" || fail "the reason of the refused reload was not logged"

# A good file with one more target: applied; the running session stays.
config "[[target]]
name = \"$NEW_IQN\"
[[target.lun]]
number = 0
backend = \"ram\"
size = \"16M\""
kill -HUP "$T_PID"
for i in $(seq 1 50); do grep -q "^uiscsi-target: reloaded" "$T_LOG" && break; sleep 0.1; done
grep -q "target added: $NEW_IQN" "$T_LOG" || { cat "$T_LOG"; fail "the new target was not added"; }
"$UISCSI_PROBE" login --portal "$PORTAL" --target "$NEW_IQN" >/dev/null || fail "cannot log in to the new target"

touch "$WORK/stop"
wait "$READER" || { cat "$WORK/reader.out"; fail "the running session was disturbed by the reloads"; }
say "session across the reloads: $(tail -1 "$WORK/reader.out")"
stop_target T
say "PASS"
