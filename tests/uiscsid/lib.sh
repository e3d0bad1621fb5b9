# Shared helpers of uiscsid's integration tests (sourced, not run): real processes on
# 127.0.0.1 with free ports, a private node database and control socket per test, a
# temporary directory, and everything started is killed on exit. A missing peer tool
# skips the test (exit 77).
#
# The environment comes from CTest (tests/uiscsid/CMakeLists.txt):
#   UISCSID, UISCSIADM, UISCSI_TARGET   the binaries
#   UISCSI_OFFLOAD                      the data path of every login and discovery
#                                       (tests/offload/path_lib.sh); unset, the records'
#                                       default

set -u

: "${UISCSID:?set by ctest}"
: "${UISCSIADM:?set by ctest}"

SKIP=77
PIDS_TO_KILL=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/uiscsid-it.XXXXXX")
DB=$WORK/db
SOCK=$WORK/run/uiscsid.sock
INITIATOR=iqn.2026-11.org.uiscsi:interop-initiator
UISCSID_PID=
TGTD_CONTROL=

cleanup() {
  local pid
  for pid in "${PIDS_TO_KILL[@]}"; do
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s: %s\n' "${0##*/}" "$*"; }
fail() {
  say "FAIL: $*"
  [ -f "$WORK/uiscsid.log" ] && { echo "--- uiscsid log:"; tail -n 40 "$WORK/uiscsid.log"; }
  exit 1
}

require_tool() {
  command -v "$1" >/dev/null 2>&1 || { say "SKIP: $1 is not installed (${2:-})"; exit $SKIP; }
}

source "$(dirname "${BASH_SOURCE[0]}")/../offload/path_lib.sh"
require_offload_path

# A TCP port nobody listens on now: bind port 0 and ask which one the kernel gave.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_uiscsid [OPTION...]: uiscsid on our database and socket, with extra options.
start_uiscsid() {
  "$UISCSID" --db "$DB" --socket "$SOCK" --initiator-name "$INITIATOR" --threads 2 "$@" >>"$WORK/uiscsid.log" 2>&1 &
  UISCSID_PID=$!
  PIDS_TO_KILL+=("$UISCSID_PID")
  local i rc
  for i in $(seq 1 100); do
    kill -0 "$UISCSID_PID" 2>/dev/null || fail "uiscsid exited during start-up"
    rc=0
    "$UISCSIADM" --socket "$SOCK" -m session >/dev/null 2>&1 || rc=$?
    [ "$rc" -ne 20 ] && return 0
    sleep 0.1
  done
  fail "uiscsid did not answer within 10 s"
}

# SIGTERM: every session is logged out and uiscsid exits 0.
stop_uiscsid() {
  kill -TERM "$UISCSID_PID"
  local rc=0
  wait "$UISCSID_PID" || rc=$?
  [ "$rc" -eq 0 ] || fail "uiscsid exited with $rc after SIGTERM"
}

# adm ARGS...: uiscsiadm on our socket; sets OUT, ERR and RC.
adm() {
  RC=0
  "$UISCSIADM" --socket "$SOCK" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}

# expect CODE ARGS...: uiscsiadm ARGS must exit with CODE.
expect() {
  local code=$1; shift
  adm "$@"
  if [ "$RC" -ne "$code" ]; then
    printf 'stdout:\n%s\nstderr:\n%s\n' "$OUT" "$ERR"
    fail "uiscsiadm $* exited $RC, expected $code"
  fi
}

# has TEXT LINE: the captured stdout/stderr ($OUT / $ERR) holds the exact line.
# Leading white space (the tabs of -P output) is not compared.
trim_lines() { sed 's/^[[:space:]]*//'; }
out_has() {
  trim_lines <<<"$OUT" | grep -qxF -- "$(trim_lines <<<"$1")" || { printf '%s\n' "$OUT"; fail "stdout lacks: $1"; }
}
err_has() { grep -qxF -- "$1" <<<"$ERR" || { printf '%s\n' "$ERR"; fail "stderr lacks: $1"; }; }
out_contains() { grep -qF -- "$1" <<<"$OUT" || { printf '%s\n' "$OUT"; fail "stdout lacks: $1"; }; }

# start_tgtd: a private tgtd on a free port and control index; sets TGTD_PORT.
start_tgtd() {
  require_tool tgtd "package tgt"
  require_tool tgtadm "package tgt"
  TGTD_PORT=$(free_port)
  local n
  for n in $(seq 0 999); do
    TGTD_CONTROL=$(( 1000 + (TGTD_PORT * 7 + n * 13) % 31000 ))
    [ -e "/var/run/tgtd/socket.$TGTD_CONTROL" ] || break
  done
  run_tgtd
}

# run_tgtd: tgtd on TGTD_PORT and TGTD_CONTROL (again, after kill_tgtd), without targets;
# sets TGTD_PID.
run_tgtd() {
  tgtd -f -C "$TGTD_CONTROL" --iscsi "portal=127.0.0.1:$TGTD_PORT" >>"$WORK/tgtd.log" 2>&1 &
  TGTD_PID=$!
  PIDS_TO_KILL+=("$TGTD_PID")
  local i
  for i in $(seq 1 100); do
    tgtadm -C "$TGTD_CONTROL" --lld iscsi --op show --mode target >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$WORK/tgtd.log"
  fail "tgtd did not start"
}

# kill_tgtd: SIGKILL, as a crash would; the backing files stay.
kill_tgtd() {
  kill -KILL "$TGTD_PID"
  wait "$TGTD_PID" 2>/dev/null || true
}

tgtadm_() { tgtadm -C "$TGTD_CONTROL" --lld iscsi "$@" || fail "tgtadm $*"; }

# tgtd_target TID NAME: a target with a 64 MiB LUN 1 open to every initiator (its backing
# file is kept when the target is made again after a restart).
tgtd_target() {
  [ -f "$WORK/lun$1.img" ] || truncate -s 64M "$WORK/lun$1.img"
  tgtadm_ --op new --mode target --tid "$1" -T "$2"
  tgtadm_ --op new --mode logicalunit --tid "$1" --lun 1 -b "$WORK/lun$1.img"
  # tgt offers no digests unless told to; accept both so that the initiator chooses.
  tgtadm_ --op update --mode target --tid "$1" --name HeaderDigest --value CRC32C,None
  tgtadm_ --op update --mode target --tid "$1" --name DataDigest --value CRC32C,None
  tgtadm_ --op bind --mode target --tid "$1" -I ALL
}

# start_disk_target KIND IQN: one target with one 64 MiB disk on 127.0.0.1, IQN as its
# name: tgtd (target 1, LUN 1) or uiscsi-target (a RAM LUN 0). Sets PORT and SIZE (bytes).
start_disk_target() {
  case "$1" in
    tgtd)
      start_tgtd
      tgtd_target 1 "$2"
      PORT=$TGTD_PORT
      ;;
    uiscsi-target)
      cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$2"
portals = ["127.0.0.1:0"]
[[target.lun]]
number = 0
backend = "ram"
size = "64M"
TOML
      start_target "$WORK/target.toml"
      PORT=$TARGET_PORT
      ;;
    *) fail "unknown target kind $1" ;;
  esac
  SIZE=$((64 << 20))
}

# start_target CONFIG: uiscsi-target with CONFIG on a free port; sets TARGET_PORT.
start_target() {
  : "${UISCSI_TARGET:?set by ctest}"
  local log=$WORK/target.log ctl=$WORK/target.sock
  : >"$log"
  "$UISCSI_TARGET" --ctl "$ctl" -c "$1" --listen 127.0.0.1:0 >>"$log" 2>&1 &
  PIDS_TO_KILL+=("$!")
  local i
  for i in $(seq 1 100); do
    grep -q '^Status: ' "$log" && break
    sleep 0.1
  done
  grep -q '^Status: ' "$log" || { cat "$log"; fail "uiscsi-target did not start"; }
  TARGET_PORT=$("$UISCSI_TARGET" ctl portals --socket "$ctl" | awk 'NR > 1 { n = split($1, a, ":"); print a[n]; exit }')
  [ -n "$TARGET_PORT" ] || fail "uiscsi-target listed no portal"
}

# update IQN PORTAL NAME VALUE: sets one key of a node record.
update() {
  expect 0 -m node -T "$1" -p "$2" -o update -n "$3" -v "$4"
}

# use_offload_path [PORTAL]: with UISCSI_OFFLOAD, puts every node record on that path
# (node.conn[0].offload), and PORTAL's discovery record too (discovery.sendtargets.offload).
use_offload_path() {
  [ -n "${UISCSI_OFFLOAD:-}" ] || return 0
  if [ -n "${1:-}" ]; then
    expect 0 -m discoverydb -t st -p "$1" -o update -n discovery.sendtargets.offload -v "$UISCSI_OFFLOAD"
  fi
  adm -m node
  [ "$RC" -eq 0 ] || return 0  # no node records yet
  expect 0 -m node -o update -n "node.conn[0].offload" -v "$UISCSI_OFFLOAD"
}

# check_offload_path: with UISCSI_OFFLOAD naming a path, every connection of every session
# listed by `-m session -P 3` uses it, with no fallback reason (a silent fallback fails the
# test).
# Leaves that listing in OUT.
check_offload_path() {
  expect 0 -m session -P 3
  offload_path_checked || return 0
  local in_use fallback
  in_use=$(sed -n 's/^[[:space:]]*Path In Use: //p' <<<"$OUT" | sort | uniq -c | sed 's/^ *//')
  # An empty value prints as "<empty>", as iscsiadm's do.
  fallback=$(sed -n 's/^[[:space:]]*Fallback Reason: //p' <<<"$OUT" | grep -v '^<empty>$')
  local sessions connections
  sessions=$(grep -c '^[[:space:]]*SID: ' <<<"$OUT")
  # MC/S: each further connection of a session has a data path section of its own.
  connections=$((sessions + $(grep -c '^[[:space:]]*Data path of connection ' <<<"$OUT")))
  [ "$in_use" = "$connections $UISCSI_OFFLOAD" ] && [ -z "$fallback" ] ||
    { printf '%s\n' "$OUT"; fail "asked for the $UISCSI_OFFLOAD path on $connections connection(s), in use: ${in_use:-none} ${fallback:+(fallback: $fallback)}"; }
  say "ok: $connections connection(s) of $sessions session(s) on the $UISCSI_OFFLOAD path"
}
