#!/usr/bin/env bash
# Placement proven by counters (issue 5): uiscsi's initiator reads a LUN of uiscsi-target
# with 256 KiB sequential reads at QD16, once over a placement portal and once over a tcp
# portal, and the initiator's own transport counters (uiscsi-bench io --json) say how many
# bytes it copied per byte delivered: at most 0.05 on placement (Data-In is read straight
# into the request's buffer), at least 0.9 on tcp (every byte goes through a receive
# buffer), so the test fails if placement silently stops placing or the counter stops
# counting. Then 256 KiB writes at QD16 over placement (zerocopy sends) must move data: they
# used to stall. No timing is asserted.
#
# Environment (from CTest): UISCSI_TARGET, UISCSI_BENCH.
set -u
: "${UISCSI_TARGET:?set by ctest}"
: "${UISCSI_BENCH:?set by ctest}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-placement.XXXXXX")
TARGET_PID=
cleanup() {
  if [ -n "$TARGET_PID" ]; then
    kill -KILL "$TARGET_PID" 2>/dev/null
    wait "$TARGET_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '%s: %s\n' "${0##*/}" "$*"; }
source "$(dirname "$0")/path_lib.sh"
fail() { say "FAIL: $*"; [ -f "$WORK/target.log" ] && tail -20 "$WORK/target.log"; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
command -v python3 >/dev/null || { say "SKIP: python3 is not installed"; exit 77; }
PLACEMENT_PORT=$(free_port)
TCP_PORT=$(free_port)
while [ "$TCP_PORT" = "$PLACEMENT_PORT" ]; do TCP_PORT=$(free_port); done
IQN=iqn.2026-11.org.uiscsi:placement-counters
two_portal_toml "$IQN" "$PLACEMENT_PORT" "$TCP_PORT" lun0.img 64MiB >"$WORK/target.toml"
"$UISCSI_TARGET" -c "$WORK/target.toml" --ctl "$WORK/ctl.sock" >"$WORK/target.log" 2>&1 &
TARGET_PID=$!
for _ in $(seq 1 100); do
  grep -q '^Status: ' "$WORK/target.log" && break
  kill -0 "$TARGET_PID" 2>/dev/null || fail "uiscsi-target exited during start-up"
  sleep 0.1
done
grep -q '^Status: ' "$WORK/target.log" || fail "uiscsi-target did not start within 10 s"

# bench PATH PORT RW: one run, its JSON in $WORK/PATH-RW.json; fails on a bench error.
bench() {
  local out="$WORK/$1-$3.json"
  "$UISCSI_BENCH" io --path "$1" --rw "$3" --pattern seq --bs 256k --qd 16 --bytes 64M --json "$out" \
    "iscsi://127.0.0.1:$2/$IQN/0" >"$WORK/bench.log" 2>&1 || { cat "$WORK/bench.log"; fail "uiscsi-bench io --path $1 --rw $3 failed"; }
}
# field FILE KEY: a number from the JSON's "transport" object (or the top level).
field() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); t = d["transport"]; print(t[sys.argv[2]] if sys.argv[2] in t else d[sys.argv[2]])' "$1" "$2"; }

bench placement "$PLACEMENT_PORT" write  # fills the LUN (and used to stall on placement)
[ "$(field "$WORK/placement-write.json" path)" = placement ] || fail "the write did not run on placement"
[ "$(field "$WORK/placement-write.json" zerocopy_sends)" -gt 0 ] || fail "placement writes made no zerocopy send"
bench placement "$PLACEMENT_PORT" read
bench tcp "$TCP_PORT" read
[ "$(field "$WORK/placement-read.json" path)" = placement ] || fail "the read did not run on placement"
[ "$(field "$WORK/tcp-read.json" path)" = tcp ] || fail "the read did not run on tcp"
p=$(field "$WORK/placement-read.json" copied_per_delivered)
t=$(field "$WORK/tcp-read.json" copied_per_delivered)
placed=$(field "$WORK/placement-read.json" bytes_placed)
say "copied per delivered byte: placement $p (placed $placed B), tcp $t"
python3 -c "import sys; sys.exit(0 if float('$p') <= 0.05 else 1)" || fail "placement copied $p per delivered byte (> 0.05)"
python3 -c "import sys; sys.exit(0 if float('$t') >= 0.9 else 1)" || fail "tcp copied only $t per delivered byte (< 0.9)"
[ "$placed" -gt 0 ] || fail "placement placed nothing"
say "PASS"
