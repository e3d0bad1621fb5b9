#!/bin/bash
# Every connection `ctl connections --json` lists is an ordinary kernel socket of the
# uiscsi-target process: its 4-tuple is an ESTABLISHED socket in `ss -tnp`, owned by the
# daemon's pid, and the daemon owns no established iSCSI socket that ctl does not list.
# Sessions come from libiscsi: iscsi-ls (discovery, then a login per target), iscsi-inq,
# and two iscsi-perf runs in the background that keep their sessions open, one per portal.
source "$(dirname "$0")/lib.sh"
require_tool iscsi-perf "Debian package libiscsi-bin"
require_tool ss "Debian package iproute2"
require_tool jq "Debian package jq"

readonly IQN=iqn.2026-11.org.uiscsi:visibility
cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$IQN"
portals = ["127.0.0.1:0", "127.0.0.2:0"]
[[target.lun]]
number = 0
backend = "ram"
size = "64M"
TOML
start_target T -c "$WORK/target.toml"
read -r PORT1 PORT2 <<<"$T_PORTS"
URL1=iscsi://127.0.0.1:$PORT1/$IQN/0
URL2=iscsi://127.0.0.2:$PORT2/$IQN/0

ctl_connections() { "$UISCSI_TARGET" ctl connections --json --socket "$T_CTL"; }

# The daemon's established TCP sockets as "LOCAL REMOTE", one a line, from ss.
owned_sockets() {
  ss -tnpH state established | awk -v pid="pid=$T_PID," 'index($0, pid) { print $3, $4 }' | sort
}

# Short sessions first: they must work, and they are gone before the comparison.
iscsi-ls -s "iscsi://127.0.0.1:$PORT1" | grep -q "$IQN" || fail "iscsi-ls did not list $IQN"
iscsi-inq "$URL2" | grep -q "UISCSI" || fail "iscsi-inq did not answer with our vendor"

# Two sessions that stay: 4 KiB reads at QD4, until killed.
for url in "$URL1" "$URL2"; do
  iscsi-perf -m 4 -b 8 "$url" >"$WORK/perf-${#PIDS_TO_KILL[@]}.log" 2>&1 &
  PIDS_TO_KILL+=("$!")
done

# Wait until both are in Full Feature Phase (iscsi-perf logs in, then reads).
for _ in $(seq 1 100); do
  n=$(ctl_connections | jq '[.[] | select(.state == "full-feature")] | length')
  [ "$n" -ge 2 ] && break
  sleep 0.1
done
[ "$n" -eq 2 ] || { ctl_connections; fail "expected 2 logged-in connections, ctl lists $n"; }

listed=$(ctl_connections | jq -r '.[] | "\(.local) \(.remote)"' | sort)
owned=$(owned_sockets)
say "ctl connections:"
printf '  %s\n' "$listed"
say "established sockets of pid $T_PID (ss -tnp):"
printf '  %s\n' "$owned"
while read -r local remote; do
  grep -qxF "$local $remote" <<<"$owned" || fail "ctl lists $local <- $remote, but ss shows no such socket of pid $T_PID"
done <<<"$listed"
# And the other way round, for the sockets on our portals.
while read -r local remote; do
  case $local in *:"$PORT1"|*:"$PORT2") ;; *) continue ;; esac
  grep -qxF "$local $remote" <<<"$listed" || fail "ss shows $local <- $remote of pid $T_PID, which ctl does not list"
done <<<"$owned"
# Each connection has its own ID, as `ctl offload --conn ID` needs.
ids=$(ctl_connections | jq -r '.[].id' | sort -u | wc -l)
[ "$ids" -eq 2 ] || fail "connection IDs are not unique"

for pid in "${PIDS_TO_KILL[@]:1}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
alive T || fail "uiscsi-target died"
stop_target T
say "PASS: both connections match sockets of pid $T_PID in ss -tnp, and nothing else does"
