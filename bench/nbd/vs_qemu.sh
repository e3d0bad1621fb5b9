#!/bin/bash
# Measures (not a test) uiscsi-nbd beside qemu-nbd + libiscsi against one private tgtd, in
# one run with the two interleaved round by round: fio's nbd engine, 4 KiB random reads at
# queue depth 32, and nbdcopy reading the whole LUN into null: (with nbdcopy's default
# connections, and with one connection). Prints each round, the medians and the ratios
# uiscsi-nbd / qemu-nbd; with RESULTS=FILE also writes them there.
#
#   bench/nbd/vs_qemu.sh BUILD/tools/uiscsi-nbd/uiscsi-nbd [ROUNDS] [SECONDS]
#
# UISCSI_NBD_ARGS adds options to uiscsi-nbd (e.g. "--path placement").
# qemu-nbd runs as PEERS.md has it: qemu-nbd -f raw --cache=none -t -k SOCK iscsi://...
set -u
UISCSI_NBD=${1:?usage: vs_qemu.sh PATH/TO/uiscsi-nbd [ROUNDS] [SECONDS]}
ROUNDS=${2:-3}
SECONDS_PER_RUN=${3:-10}
export UISCSI_NBD
source "$(dirname "$0")/../../tests/nbd/lib.sh"
for t in fio nbdcopy qemu-nbd; do require_tool "$t"; done

SIZE=512M
start_tgtd "$SIZE"
kill_tgtd  # refill the backing file with data, so reads are not of holes, and start again
head -c "$SIZE" /dev/urandom >"$TGT_BACKING"
restart_tgtd
URL="iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/1"
# shellcheck disable=SC2086
start_nbd U "$URL" ${UISCSI_NBD_ARGS:-}
qemu-nbd -f raw --cache=none -t -k "$WORK/qemu.sock" "$URL" 2>"$WORK/qemu.log" &
PIDS_TO_KILL+=($!)
wait_for "qemu-nbd" test -S "$WORK/qemu.sock"
Q_URI="nbd+unix:///?socket=$WORK/qemu.sock"

fio_iops() {  # fio_iops URI
  fio --name=randread --ioengine=nbd --uri="$1" --rw=randread --bs=4k --iodepth=32 \
    --time_based --runtime="$SECONDS_PER_RUN" --ramp_time=2 --output-format=json \
    --output="$WORK/fio.json" >/dev/null 2>&1 || { echo 0; return; }
  python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["jobs"][0]["read"]["iops"]))' "$WORK/fio.json"
}
copy_mbs() {  # copy_mbs URI [NBDCOPY OPTIONS]: MB/s reading the whole LUN
  local uri=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  nbdcopy "$@" "$uri" null: || { echo 0; return; }
  t1=$(date +%s.%N)
  python3 -c "print(round(536870912 / ($t1 - $t0) / 1e6))"
}

declare -A R
for round in $(seq 1 "$ROUNDS"); do
  order="U Q"
  [ $((round % 2)) -eq 0 ] && order="Q U"
  for who in $order; do
    uri=$U_URI
    [ "$who" = Q ] && uri=$Q_URI
    R[$who,iops]+="$(fio_iops "$uri") "
    R[$who,copy]+="$(copy_mbs "$uri") "
    R[$who,copy1]+="$(copy_mbs "$uri" --connections=1) "
  done
  echo "round $round: uiscsi-nbd iops=[${R[U,iops]}] copy=[${R[U,copy]}] copy1=[${R[U,copy1]}]; qemu-nbd iops=[${R[Q,iops]}] copy=[${R[Q,copy]}] copy1=[${R[Q,copy1]}]"
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
report() {
  local key=$1 unit=$2 u q
  u=$(echo "${R[U,$key]}" | median)
  q=$(echo "${R[Q,$key]}" | median)
  printf '%-44s uiscsi-nbd %8s  qemu-nbd %8s  ratio %s\n' "$3" "$u $unit" "$q $unit" \
    "$(python3 -c "print(round($u / $q, 2) if $q else 'n/a')")"
}
{
  echo "tgtd $(tgtd --version 2>/dev/null | head -n1), LUN $SIZE, $ROUNDS rounds, medians:"
  report iops IOPS "fio nbd 4 KiB randread QD32"
  report copy MB/s "nbdcopy LUN -> null: (default connections)"
  report copy1 MB/s "nbdcopy LUN -> null: (--connections=1)"
} | tee "${RESULTS:-/dev/null}"
