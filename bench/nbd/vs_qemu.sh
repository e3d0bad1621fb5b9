#!/bin/bash
# Measures (not a test) uiscsi-nbd beside qemu-nbd + libiscsi against one private tgtd, in
# one run with the contenders interleaved round by round (the order rotates): fio's nbd
# engine, 4 KiB random reads at queue depth 32, and nbdcopy reading the whole LUN into
# null: (with nbdcopy's default connections, and with one). uiscsi-nbd runs twice, on the
# tcp and on the placement data path. Besides throughput it records the CPU time of the
# NBD server process and of tgtd per I/O (fio) or per GB (nbdcopy), from /proc/PID/stat:
# on this 2-core machine the three processes share the CPUs, so CPU per unit of work is the
# figure that noise from other load disturbs least. Prints each round, the medians and the
# ratios against qemu-nbd; with RESULTS=FILE also writes the summary there.
#
#   bench/nbd/vs_qemu.sh BUILD/tools/uiscsi-nbd/uiscsi-nbd [ROUNDS] [SECONDS]
#
# UISCSI_NBD_ARGS adds options to both uiscsi-nbd instances.
# qemu-nbd runs as PEERS.md has it: qemu-nbd -f raw --cache=none -t -k SOCK iscsi://...
set -u
UISCSI_NBD=$(realpath "${1:?usage: vs_qemu.sh PATH/TO/uiscsi-nbd [ROUNDS] [SECONDS]}")
ROUNDS=${2:-3}
SECONDS_PER_RUN=${3:-10}
export UISCSI_NBD
source "$(dirname "$0")/../../tests/nbd/lib.sh"
for t in fio nbdcopy qemu-nbd; do require_tool "$t"; done

SIZE=512M
SIZE_BYTES=536870912
start_tgtd "$SIZE"
kill_tgtd  # refill the backing file with data, so reads are not of holes, and start again
head -c "$SIZE" /dev/urandom >"$TGT_BACKING"
restart_tgtd
URL="iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"
# shellcheck disable=SC2086
start_nbd T "$URL" --path tcp ${UISCSI_NBD_ARGS:-}
# shellcheck disable=SC2086
start_nbd P "$URL" --path placement ${UISCSI_NBD_ARGS:-}
qemu-nbd -f raw --cache=none -t -k "$WORK/qemu.sock" "$URL" 2>"$WORK/qemu.log" &
Q_PID=$!
PIDS_TO_KILL+=("$Q_PID")
wait_for "qemu-nbd" test -S "$WORK/qemu.sock"
Q_URI="nbd+unix:///?socket=$WORK/qemu.sock"
NAME_T="uiscsi-nbd tcp" NAME_P="uiscsi-nbd placement" NAME_Q="qemu-nbd"

# CPU time (ms) a process has used so far: utime + stime of /proc/PID/stat, all threads.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }

declare -A R  # R[who,metric]: one value per round, space-separated
# measure WHO METRIC WORK-COMMAND...: runs the command, which prints the work done (I/Os or
# bytes) and the figure (IOPS or MB/s) on one line, and records the figure and the CPU per
# unit of the server and of tgtd.
measure() {
  local who=$1 metric=$2; shift 2
  local pid_var="${who}_PID"
  local pid=${!pid_var} s0 t0 s1 t1 work figure
  s0=$(cpu_ms "$pid"); t0=$(cpu_ms "$TGT_PID")
  read -r work figure < <("$@")
  s1=$(cpu_ms "$pid"); t1=$(cpu_ms "$TGT_PID")
  R[$who,$metric]+="$figure "
  if [ "${work:-0}" -gt 0 ]; then
    # fio: µs per I/O; nbdcopy: CPU seconds per GB.
    R[$who,$metric.srv]+="$(python3 -c "print(round(($s1 - $s0) * 1000 / $work if '$metric' == 'iops' else ($s1 - $s0) / 1000 / ($work / 1e9), 3))") "
    R[$who,$metric.tgt]+="$(python3 -c "print(round(($t1 - $t0) * 1000 / $work if '$metric' == 'iops' else ($t1 - $t0) / 1000 / ($work / 1e9), 3))") "
  fi
}
fio_iops() {  # fio_iops URI: "IOS IOPS"
  fio --name=randread --ioengine=nbd --uri="$1" --rw=randread --bs=4k --iodepth=32 \
    --time_based --runtime="$SECONDS_PER_RUN" --ramp_time=2 --output-format=json \
    --output="$WORK/fio.json" >/dev/null 2>&1 || { echo "0 0"; return; }
  # The CPU window includes the ramp: count its I/Os too (total_ios covers the whole run).
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]["read"]; print(j["total_ios"] + int(j["iops"] * 2), int(j["iops"]))' "$WORK/fio.json"
}
copy_mbs() {  # copy_mbs URI [NBDCOPY OPTIONS]: "BYTES MB/s" reading the whole LUN
  local uri=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  nbdcopy "$@" "$uri" null: || { echo "0 0"; return; }
  t1=$(date +%s.%N)
  python3 -c "print($SIZE_BYTES, round($SIZE_BYTES / ($t1 - $t0) / 1e6))"
}
uri_of() { case $1 in T) echo "$T_URI" ;; P) echo "$P_URI" ;; Q) echo "$Q_URI" ;; esac; }

orders=("T P Q" "Q T P" "P Q T")
for round in $(seq 1 "$ROUNDS"); do
  for who in ${orders[$(((round - 1) % 3))]}; do
    uri=$(uri_of "$who")
    measure "$who" iops fio_iops "$uri"
    measure "$who" copy copy_mbs "$uri"
    measure "$who" copy1 copy_mbs "$uri" --connections=1
  done
  echo "round $round: iops T=[${R[T,iops]}] P=[${R[P,iops]}] Q=[${R[Q,iops]}]" \
    "copy T=[${R[T,copy]}] P=[${R[P,copy]}] Q=[${R[Q,copy]}] copy1 T=[${R[T,copy1]}] P=[${R[P,copy1]}] Q=[${R[Q,copy1]}]"
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "print(round($1 / $2, 2) if $2 else 'n/a')"; }
# report METRIC UNIT CPU-UNIT TITLE
report() {
  local metric=$1 unit=$2 cpu_unit=$3 title=$4 who q q_srv q_tgt
  q=$(median <<<"${R[Q,$metric]}"); q_srv=$(median <<<"${R[Q,$metric.srv]:-0}"); q_tgt=$(median <<<"${R[Q,$metric.tgt]:-0}")
  echo "$title"
  for who in T P Q; do
    local v srv tgt name_var="NAME_$who"
    v=$(median <<<"${R[$who,$metric]}"); srv=$(median <<<"${R[$who,$metric.srv]:-0}"); tgt=$(median <<<"${R[$who,$metric.tgt]:-0}")
    printf '  %-22s %8s %-5s (%sx)   server CPU %7s %s (%sx)   tgtd CPU %7s %s (%sx)\n' "${!name_var}" "$v" "$unit" \
      "$(ratio "$v" "$q")" "$srv" "$cpu_unit" "$(ratio "$srv" "$q_srv")" "$tgt" "$cpu_unit" "$(ratio "$tgt" "$q_tgt")"
  done
}
{
  echo "tgtd $(tgtd --version 2>/dev/null | head -n1), LUN $SIZE, $ROUNDS rounds, medians; (x) = against qemu-nbd:"
  report iops IOPS "us/IO" "fio nbd 4 KiB randread QD32, $SECONDS_PER_RUN s"
  report copy MB/s "s/GB" "nbdcopy LUN -> null: (default connections)"
  report copy1 MB/s "s/GB" "nbdcopy LUN -> null: (--connections=1)"
} | tee "${RESULTS:-/dev/null}"
