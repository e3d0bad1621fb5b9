#!/bin/bash
# One portal, every core: uiscsi-target with --threads 2 and a single portal gets two
# sessions at once (uiscsi-bench io, 64 KiB reads), and both of its I/O threads must do the
# work, because the server hands accepted connections to its threads round-robin instead of
# keeping them on the thread of the listener that accepted them (which served every
# connection of a portal on one core). The test compares each thread's share of the CPU
# time the daemon used while the two sessions ran (/proc/PID/task/TID/stat); no timing.
source "$(dirname "$0")/lib.sh"
: "${UISCSI_BENCH:?set by ctest}"
require_tool python3 "reads /proc"

start_target T --threads 2 --listen 127.0.0.1:0 --data-dir "$WORK"
url="iscsi://127.0.0.1:$T_PORTS/iqn.2026-11.org.uiscsi:default/0"

# cpu_ticks: "TID TICKS" for every thread of the daemon (utime + stime, fields 14 and 15).
cpu_ticks() {
  local stat
  for stat in /proc/"$T_PID"/task/*/stat; do
    python3 -c 'import sys; f = open(sys.argv[1]).read().rsplit(")", 1)[1].split(); print(sys.argv[1].split("/")[4], int(f[11]) + int(f[12]))' "$stat"
  done
}
cpu_ticks >"$WORK/before"
for n in 1 2; do
  "$UISCSI_BENCH" io --rw read --bs 64k --qd 8 --seconds 3 --initiator-name "iqn.2026-11.org.uiscsi:threads-$n" "$url" \
    >"$WORK/io-$n.log" 2>&1 &
  bench[n]=$!
done
for n in 1 2; do
  wait "${bench[n]}" || { cat "$WORK/io-$n.log"; fail "session $n: uiscsi-bench io failed"; }
done
cpu_ticks >"$WORK/after"
# Each thread's ticks over the run, busiest first.
shares=$(python3 - "$WORK/before" "$WORK/after" <<'PY'
import sys
before = dict(line.split() for line in open(sys.argv[1]))
after = dict(line.split() for line in open(sys.argv[2]))
used = sorted((int(t) - int(before.get(tid, 0)) for tid, t in after.items()), reverse=True)
total = sum(used)
print(" ".join(f"{u / total:.2f}" for u in used if total) if total else "none")
PY
)
say "the daemon's CPU time per thread, as shares of its total: $shares"
[ "$shares" != none ] || fail "the daemon used no CPU time while two sessions read"
second=$(echo "$shares" | awk '{print $2 + 0}')
python3 -c "import sys; sys.exit(0 if $second >= 0.2 else 1)" ||
  fail "one thread did the work of both connections (shares $shares): connections are not spread over the threads"
say "PASS"
