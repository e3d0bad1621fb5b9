# Shared helpers of the NBD integration tests (sourced, not run), in the manner of
# tests/integration/lib.sh and nbdkit's shell tests: real processes on 127.0.0.1 with free
# ports, a private temporary directory, everything started is killed on exit, and a missing
# peer tool skips the test (exit 77).
#
# Environment (from CTest, tests/nbd/CMakeLists.txt): UISCSI_NBD (the uiscsi-nbd binary),
# UISCSI_TARGET (uiscsi-target), UISCSI_RESULTS_DIR (files for reports), UISCSI_OFFLOAD
# (the data path of every uiscsi-nbd here, --path: tests/offload/path_lib.sh).

set -u

: "${UISCSI_NBD:?set by ctest}"

SKIP=77
# Before the `cd` below: a script started by a relative path finds this one by it.
source "$(dirname "${BASH_SOURCE[0]}")/../offload/path_lib.sh"
PIDS_TO_KILL=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-nbd-test.XXXXXX")

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
# Whatever the tools leave behind (fio's verify state files...) goes with $WORK.
cd "$WORK" || exit 1

say() { printf '%s: %s\n' "${0##*/}" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

require_tool() {
  command -v "$1" >/dev/null 2>&1 || { say "SKIP: $1 is not installed (${2:-})"; exit $SKIP; }
}

# free_port: a TCP port on 127.0.0.1 that the kernel just handed out for port 0.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
require_tool python3 "needed to pick free ports"
require_offload_path

# wait_for DESCRIPTION COMMAND...: retries COMMAND for up to 20 s.
wait_for() {
  local what=$1; shift
  local i
  for i in $(seq 1 200); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "timed out waiting for $what"
}

# start_tgtd SIZE [thin]: a private tgtd with target TGT_IQN, LUN 1 on a SIZE backing file.
# Sets TGT_PORT, TGT_CTL, TGT_PID, TGT_BACKING. restart_tgtd brings it back the same way.
TGT_IQN=iqn.2024-01.org.uiscsi:nbd-test
start_tgtd() {
  require_tool tgtd "package tgt"
  require_tool tgtadm "package tgt"
  TGT_SIZE=$1
  TGT_THIN=${2:-}
  TGT_PORT=$(free_port)
  # tgtd's management socket is /var/run/tgtd/socket.N for -C N: derive N from the port,
  # moving on while another tgtd holds it.
  TGT_CTL=$((TGT_PORT % 30000 + 1))
  while [ -e "/var/run/tgtd/socket.$TGT_CTL" ]; do TGT_CTL=$(((TGT_CTL % 30000) + 1)); done
  TGT_BACKING="$WORK/tgt-lun1.img"
  truncate -s "$TGT_SIZE" "$TGT_BACKING"
  launch_tgtd
  tgt_configure
}
launch_tgtd() {
  tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" >>"$WORK/tgtd.log" 2>&1 &
  TGT_PID=$!
  PIDS_TO_KILL+=("$TGT_PID")
  wait_for "tgtd to start" tgtadm -C "$TGT_CTL" --lld iscsi --op show --mode target
}
tgt_configure() {
  tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode target --tid 1 -T "$TGT_IQN" || fail "tgtadm new target"
  tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$TGT_BACKING" ||
    fail "tgtadm new logicalunit"
  if [ -n "$TGT_THIN" ]; then
    tgtadm -C "$TGT_CTL" --lld iscsi --op update --mode logicalunit --tid 1 --lun 1 \
      --params thin_provisioning=1 || fail "tgtadm thin_provisioning"
  fi
  tgtadm -C "$TGT_CTL" --lld iscsi --op bind --mode target --tid 1 -I ALL || fail "tgtadm bind"
}
kill_tgtd() {
  kill -KILL "$TGT_PID" 2>/dev/null
  wait "$TGT_PID" 2>/dev/null
  rm -f "/var/run/tgtd/socket.$TGT_CTL" "/var/run/tgtd/socket.$TGT_CTL.lock"
}
restart_tgtd() {
  launch_tgtd
  tgt_configure
}

# start_nbd NAME URL [OPTIONS...]: runs uiscsi-nbd on a Unix socket in $WORK unless OPTIONS
# name another, waits for the URI it prints, and sets NAME_PID and NAME_URI. With
# UISCSI_OFFLOAD it logs in on that path, and fails unless that path is the one in use.
start_nbd() {
  local name=$1 url=$2; shift 2
  local out="$WORK/$name.out" log="$WORK/$name.log"
  local args=("$@")
  [ -n "${UISCSI_OFFLOAD:-}" ] && args+=(--path "$UISCSI_OFFLOAD")
  case " ${args[*]-} " in
    *" -p "* | *" -b "* | *" -k "*) ;;
    *) args+=(-k "$WORK/$name.sock") ;;
  esac
  : >"$out"
  "$UISCSI_NBD" "${args[@]}" "$url" >"$out" 2>"$log" &
  local pid=$!
  PIDS_TO_KILL+=("$pid")
  local i
  for i in $(seq 1 200); do
    [ -s "$out" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "uiscsi-nbd exited during start-up"; }
    sleep 0.1
  done
  [ -s "$out" ] || { cat "$log"; fail "uiscsi-nbd printed no URI within 20 s"; }
  check_nbd_path "$name" "$log"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_URI" '%s' "$(head -n1 "$out")"
}

# check_nbd_path NAME LOG: uiscsi-nbd names the path it uses on stderr at login (with a
# mode for smc and placement); with UISCSI_OFFLOAD naming a path, that path and no fallback.
check_nbd_path() {
  local line
  line=$(grep -m1 '^uiscsi-nbd: data path: ' "$2") || { cat "$2"; fail "$1: uiscsi-nbd did not name its data path"; }
  offload_path_checked || return 0
  # A mode's words may hold parentheses of their own (placement's sendmsg reasons).
  case "$line" in
    *" (fallback: "*) fail "$1: asked for the $UISCSI_OFFLOAD path, got: $line" ;;
    "uiscsi-nbd: data path: $UISCSI_OFFLOAD" | "uiscsi-nbd: data path: $UISCSI_OFFLOAD (mode "*) ;;
    *) fail "$1: asked for the $UISCSI_OFFLOAD path, got: $line" ;;
  esac
  say "ok: $1: ${line#uiscsi-nbd: }"
}

# stop_nbd NAME: SIGTERM, and expects exit 0 within 30 s.
stop_nbd() {
  local name=$1
  local pid_var="${name}_PID"
  local pid=${!pid_var}
  kill -TERM "$pid"
  local i
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && { cat "$WORK/$name.log"; fail "uiscsi-nbd did not stop within 30 s of SIGTERM"; }
  wait "$pid"
  local status=$?
  [ "$status" -eq 0 ] || { cat "$WORK/$name.log"; fail "uiscsi-nbd exited with $status"; }
}

# start_uiscsi_target [PORT]: uiscsi-target serving UT_IQN with LUN 0 (file, 256 MiB,
# 512-byte blocks) and LUN 1 (read-only, 4 KiB blocks) on 127.0.0.1:PORT (a free port by
# default). Sets UT_PORT and UT_PID; kill_uiscsi_target / start_uiscsi_target "$UT_PORT"
# restart it on the same files.
UT_IQN=iqn.2026-11.org.uiscsi:nbd-test
start_uiscsi_target() {
  [ -n "${UISCSI_TARGET:-}" ] && [ -x "$UISCSI_TARGET" ] || { say "SKIP: uiscsi-target was not built"; exit $SKIP; }
  UT_PORT=${1:-$(free_port)}
  [ -e "$WORK/ro.img" ] || truncate -s 16M "$WORK/ro.img"
  cat >"$WORK/target.toml" <<TOML
[[target]]
name = "$UT_IQN"
[[target.lun]]
number = 0
backend = "file"
path = "disk.img"
size = "256M"
block_size = 512
[[target.lun]]
number = 1
backend = "file"
path = "ro.img"
size = "16M"
block_size = 4096
read_only = true
TOML
  : >"$WORK/uiscsi-target.log"
  "$UISCSI_TARGET" --ctl "$WORK/uiscsi-target.sock" -c "$WORK/target.toml" --listen "127.0.0.1:$UT_PORT" \
    >>"$WORK/uiscsi-target.log" 2>&1 &
  UT_PID=$!
  PIDS_TO_KILL+=("$UT_PID")
  local i
  for i in $(seq 1 200); do
    grep -q '^Status: ' "$WORK/uiscsi-target.log" && return 0
    kill -0 "$UT_PID" 2>/dev/null || { cat "$WORK/uiscsi-target.log"; fail "uiscsi-target exited during start-up"; }
    sleep 0.1
  done
  cat "$WORK/uiscsi-target.log"
  fail "uiscsi-target did not start within 20 s"
}
kill_uiscsi_target() {
  kill -KILL "$UT_PID" 2>/dev/null
  wait "$UT_PID" 2>/dev/null
}

# json FILE EXPR: evaluates a Python expression over the JSON document `j` in FILE.
json() {
  python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# expect WHAT GOT WANT
expect() {
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  say "ok: $1 = $3"
}
