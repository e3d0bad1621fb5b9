# Shared helpers of the integration tests (sourced, not run). Modelled on nbdkit's shell
# tests: real processes on 127.0.0.1, free ports only (the daemon listens on port 0 and is
# asked which port it got), a temporary directory per test, and everything started is
# stopped on exit, whatever happens. A missing peer tool skips the test (exit 77).
#
# The environment comes from CTest (tests/integration/CMakeLists.txt):
#   UISCSI_TARGET  the uiscsi-target binary     UISCSI_PROBE  the uiscsi-probe binary
#   UISCSI_SOURCE_DIR, UISCSI_RESULTS_DIR       (results files for reports)

set -u

: "${UISCSI_TARGET:?set by ctest}"
: "${UISCSI_PROBE:?set by ctest}"

SKIP=77
PIDS_TO_KILL=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-it.XXXXXX")

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
fail() { say "FAIL: $*"; exit 1; }

require_tool() {
  command -v "$1" >/dev/null 2>&1 || { say "SKIP: $1 is not installed (${2:-})"; exit $SKIP; }
}

# start_target NAME ARGS...: starts uiscsi-target with ARGS and a private control socket,
# waits until it serves, and sets NAME_PID, NAME_CTL, NAME_LOG and NAME_PORTS (the real
# ports, in --listen / configuration order as `ctl portals` reports them).
start_target() {
  local name=$1; shift
  local ctl="$WORK/$name.sock" log="$WORK/$name.log"
  : >"$log"  # the background job opens it only when it runs; the wait loop reads it now
  "$UISCSI_TARGET" --ctl "$ctl" "$@" >>"$log" 2>&1 &
  local pid=$!
  PIDS_TO_KILL+=("$pid")
  local i
  for i in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log"
      fail "uiscsi-target $* exited during start-up"
    fi
    if grep -q '^Status: ' "$log"; then break; fi
    sleep 0.1
  done
  grep -q '^Status: ' "$log" || { cat "$log"; fail "uiscsi-target did not start within 10 s"; }
  local ports
  ports=$("$UISCSI_TARGET" ctl portals --socket "$ctl" | awk 'NR > 1 { n = split($1, a, ":"); print a[n] }')
  [ -n "$ports" ] || fail "ctl portals listed no portal"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_CTL" '%s' "$ctl"
  printf -v "${name}_LOG" '%s' "$log"
  printf -v "${name}_PORTS" '%s' "$(echo $ports)"
}

# stop_target NAME: SIGTERM, and expects a clean exit 0 within 15 s.
stop_target() {
  local name=$1
  local pid_var="${name}_PID" log_var="${name}_LOG"
  local pid=${!pid_var}
  kill -TERM "$pid"
  local i
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    cat "${!log_var}"
    fail "uiscsi-target did not stop within 15 s of SIGTERM"
  fi
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || { cat "${!log_var}"; fail "uiscsi-target exited with $rc after SIGTERM"; }
}

# alive NAME: the daemon is still running.
alive() {
  local pid_var="${1}_PID"
  kill -0 "${!pid_var}" 2>/dev/null
}

# Writes a results file for reports, when the build asks for one.
record() {
  local file=$1; shift
  [ -n "${UISCSI_RESULTS_DIR:-}" ] || return 0
  mkdir -p "$UISCSI_RESULTS_DIR"
  printf '%s\n' "$@" >"$UISCSI_RESULTS_DIR/$file"
}
