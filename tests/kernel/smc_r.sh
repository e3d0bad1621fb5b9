#!/usr/bin/env bash
# Kernel lab (label "kernel"): SMC-R between two kernels. Two VMs joined by a private link
# (vm-run --nic listen:PORT / --nic connect:PORT), each with Soft-RoCE on eth0
# (`rdma link add rxe0 type rxe netdev eth0`) and the SMC-R settings smc-tools would make
# (lab/smc-pnet: a pnet entry eth0 <-> rxe0 port 1 and a user-defined EID, which SMC-Rv2
# needs off s390). One VM runs uiscsi-target with a portal `offload = "smc"`; the other runs
# uiscsid, which first logs in with node.conn[0].offload = tcp (a TCP fallback on the
# target's AF_SMC portal), then with smc; each session moves 32 MiB through the LUN's NBD
# export (written, read back, compared).
#
# What each end reports is printed: uiscsiadm -m session -P 3 (Path In Use, Mode, Fallback
# Reason), uiscsi-target ctl connections, and, to cross-check, every AF_SMC socket as
# SMC_DIAG lists it (smc_ss.py, in place of smc-tools' smcss), the RDMA queue pairs
# (`rdma res show qp`) and, through kprobes, what the kernel's SMC-R link setup returned.
#
# The test passes in one of two ways, and says which:
#   - SMC-R in use: both ends report in_use=smc mode=SMC-R, SMC_DIAG agrees, data verifies;
#   - the Soft-RoCE failure this lab's kernel (Debian 6.1) shows, with all of its evidence:
#     the server's first CONFIRM LINK is never sent (smc_llc_send_confirm_link returns
#     -ENOLINK, because SMC only sends on a link whose QP reports cur_qp_state RTS, and
#     rxe never fills cur_qp_state in ib_query_qp), its QP goes to ERR without a packet sent,
#     the client waits for CONFIRM LINK in vain, both handshakes then hang in the kernel
#     (smc_wr_drain_cq), SMC_DIAG shows both sockets stuck in state INIT with mode SMCR and
#     no fallback, and the login through the smc path times out with a message that says so
#     ("connect to 192.0.2.1:3260 timed out: SMC handshake stuck (SMC_DIAG: state INIT, mode
#     SMC-R)", from uiscsiadm and in uiscsid's log) while uiscsid keeps answering (it closes
#     the stuck socket on a thread of its own).
# Anything else (e.g. a TCP fallback with a decline code, which would mean the setup is
# wrong) fails.
#
#   bash tests/kernel/smc_r.sh [BUILD_DIR]    on the host; exit 77 without the lab
#
# BUILD_DIR defaults to $UISCSI_BUILD_DIR, else the newest build/* holding uiscsid.
# UISCSI_VM_RUN overrides the path of vm-run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
readonly SKIP=77
readonly TARGET_IP=192.0.2.1 INITIATOR_IP=192.0.2.2 PORTAL_PORT=3260 BYE_PORT=3261
readonly IQN=iqn.2026-11.org.uiscsi:smc-r
readonly DATA_MIB=32

build=${1:-${UISCSI_BUILD_DIR:-}}
if [ -z "$build" ]; then
  build=$(ls -td "$root"/build/*/ 2>/dev/null | while read -r d; do
    [ -x "$d/tools/uiscsid/uiscsid" ] && { echo "$d"; break; }; done || true)
fi
build=${build%/}
target_bin=$build/tools/uiscsi-target/uiscsi-target
uiscsid=$build/tools/uiscsid/uiscsid
uiscsiadm=$build/tools/uiscsiadm/uiscsiadm

# --- On the host: two VMs ------------------------------------------------------------
if [ "${LAB_GUEST:-}" != 1 ]; then
  for b in "$target_bin" "$uiscsid" "$uiscsiadm"; do
    [ -x "$b" ] || { echo "SKIPPED: $b is not built (build it, or pass the build directory)"; exit $SKIP; }
  done
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  smc_pnet=$(dirname "$vm_run")/smc-pnet
  [ -x "$smc_pnet" ] || { echo "SKIPPED: $smc_pnet is missing (the lab's SMC-R settings tool)"; exit $SKIP; }
  for tool in python3 nbdcopy rdma setsid; do
    command -v "$tool" >/dev/null || { echo "SKIPPED: $tool is not installed"; exit $SKIP; }
  done

  base=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-smc-r.XXXXXX")
  mkdir -p "$base/target" "$base/initiator"
  vms=()
  # Each VM runs in a session of its own (setsid); `timeout` inside vm-run puts QEMU in a
  # process group of its own, so a VM is stopped by the processes of its session.
  stop_vm() { ps -o pid= -s "$1" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true; }
  cleanup() {
    for pid in "${vms[@]}"; do stop_vm "$pid"; done
    rm -rf "$base"
  }
  trap cleanup EXIT
  # The link between the VMs is a TCP socket on the host: the listening VM binds PORT.
  nic_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  vm_timeout=${UISCSI_KERNEL_TIMEOUT:-360}
  cd "$root"
  start=$(date +%s)
  launch() {  # launch ROLE NIC
    setsid "$vm_run" --smp 1 --timeout "$vm_timeout" --nic "$2" --out "$base/$1" -- \
      env UISCSI_SMC_PNET="$smc_pnet" bash tests/kernel/smc_r.sh "$build" "$1" >"$base/$1.vm.log" 2>&1 &
    vms+=($!)
  }
  launch target "listen:$nic_port"
  for _ in $(seq 1 100); do
    python3 - "$nic_port" <<'PY' && break
import socket, sys
s = socket.socket()
s.settimeout(0.2)
# A bare connect would take the link's one peer slot; only look at the listening sockets.
sys.exit(0 if any(l.split()[1].endswith(":%04X" % int(sys.argv[1])) and l.split()[3] == "0A"
                  for l in open("/proc/net/tcp").readlines()[1:]) else 1)
PY
    sleep 0.2
  done
  launch initiator "connect:$nic_port"

  # A guest whose kernel has hung tasks (see above) may never power off: once its command
  # has finished (.lab-rc), give it 15 s, then stop its VM.
  for i in 0 1; do
    role=$([ "$i" = 0 ] && echo target || echo initiator)
    while kill -0 "${vms[$i]}" 2>/dev/null; do
      if [ -f "$base/$role/.lab-rc" ]; then
        for _ in $(seq 1 15); do kill -0 "${vms[$i]}" 2>/dev/null || break; sleep 1; done
        stop_vm "${vms[$i]}"
        break
      fi
      sleep 2
    done
  done
  wait || true
  echo "smc_r.sh: both VMs done in $(( $(date +%s) - start )) s"

  for role in initiator target; do
    echo "=================== $role VM ==================="
    if [ -f "$base/$role/report.txt" ]; then cat "$base/$role/report.txt"
    else echo "(no report; VM output follows)"; tail -40 "$base/$role.vm.log"; tail -20 "$base/$role/.lab-console" 2>/dev/null; fi
  done
  echo "================================================"
  fact() { grep -s "^$2=" "$base/$1/facts" | head -1 | cut -d= -f2-; }
  fail() { echo "smc_r.sh: FAIL: $*"; exit 1; }
  [ -f "$base/target/facts" ] && [ -f "$base/initiator/facts" ] || fail "a VM did not finish its part"
  [ "$(fact target rxe)" = yes ] && [ "$(fact initiator rxe)" = yes ] || fail "Soft-RoCE or the SMC-R settings could not be made"

  # The plain TCP session to the AF_SMC portal: a fallback the target names, data intact.
  [ "$(fact initiator tcp_path)" = tcp ] || fail "the tcp session: $(fact initiator tcp_path)"
  [ "$(fact initiator tcp_data)" = verified ] || fail "the tcp session's data: $(fact initiator tcp_data)"
  [ "$(fact target tcp_fallback)" = "smc|TCP|smc: kernel fell back to TCP: peer did not indicate SMC (0x03010000)" ] ||
    fail "the target reported the tcp session's connection as '$(fact target tcp_fallback)'"
  echo "smc_r.sh: ok: a plain TCP session to the smc portal: the target reports in_use=smc mode=TCP," \
    "'peer did not indicate SMC (0x03010000)'; $DATA_MIB MiB written and read back intact"

  if [ "$(fact initiator login)" = ok ]; then
    # SMC-R in use, as each end reports it and as SMC_DIAG lists it, and the data intact.
    [ "$(fact initiator mode)" = SMC-R ] || fail "the initiator's connection is in mode '$(fact initiator mode)', not SMC-R"
    [ "$(fact target mode)" = SMC-R ] || fail "the target's connection is in mode '$(fact target mode)', not SMC-R"
    [ "$(fact initiator diag)" = "ACTIVE SMCR" ] || fail "SMC_DIAG on the initiator says '$(fact initiator diag)'"
    [ "$(fact target diag)" = "ACTIVE SMCR" ] || fail "SMC_DIAG on the target says '$(fact target diag)'"
    [ "$(fact initiator data)" = verified ] || fail "the data did not verify: $(fact initiator data)"
    echo "smc_r.sh: ok: SMC-R in use between two kernels (both ends report in_use=smc mode=SMC-R," \
      "SMC_DIAG agrees); $DATA_MIB MiB written and read back intact"
    exit 0
  fi

  # No login: it must be the Soft-RoCE failure described above, with every piece of evidence.
  login_error=$(fact initiator login_error)
  stalled="connect to $TARGET_IP:$PORTAL_PORT timed out: SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)"
  [[ "$login_error" == *"$stalled"*"(exit 8)" ]] ||
    fail "the login failed, but not by the SMC-R handshake stalling (or uiscsid did not answer): $login_error"
  [[ "$(fact initiator daemon_log)" == *"$stalled" ]] ||
    fail "uiscsid's log does not say why the login failed: '$(fact initiator daemon_log)'"
  [ "$(fact initiator daemon_answers)" = yes ] || fail "uiscsid stopped answering after the failed login: $(fact initiator daemon_answers)"
  [ "$(fact target diag)" = "INIT SMCR" ] || fail "SMC_DIAG on the target says '$(fact target diag)', not a handshake stuck in INIT/SMCR"
  [ "$(fact initiator diag)" = "INIT SMCR" ] || fail "SMC_DIAG on the initiator says '$(fact initiator diag)'"
  [ "$(fact target qp)" = ERR ] || fail "the target's SMC-R queue pair is '$(fact target qp)', not ERR"
  [ "$(fact target sent_pkts)" = 0 ] || fail "the target's rxe sent $(fact target sent_pkts) packets; the failure seen here sends none"
  confirm=$(fact target confirm_link)
  if [ "$confirm" != unprobed ]; then
    [ "$confirm" = -67 ] || fail "smc_llc_send_confirm_link returned '$confirm', not -ENOLINK (-67)"
  fi
  [ -z "$(fact target smcr)" ] || fail "the target listed an SMC-R connection although no handshake finished: $(fact target smcr)"
  echo "smc_r.sh: ok: SMC-R cannot come up over Soft-RoCE on $(fact target kernel):"
  echo "  the server's first CONFIRM LINK was never sent (smc_llc_send_confirm_link: ${confirm/unprobed/not probed}):"
  echo "  SMC sends only on a link whose QP reports cur_qp_state RTS (smc_link_sendable), and rxe"
  echo "  never fills cur_qp_state in ib_query_qp; the QP went to ERR with 0 packets sent, both"
  echo "  handshakes hang in the kernel (SMC_DIAG: INIT, SMCR, no fallback), and the login said so:"
  echo "  $login_error"
  echo "  uiscsid logged: $(fact initiator daemon_log)"
  exit 0
fi

# --- In a guest -----------------------------------------------------------------------
role=${2:?role}
out=$(sed -n 's/.* labout=\([^ ]*\).*/\1/p' /proc/cmdline)  # the host's folder (--out)
work=$(mktemp -d /tmp/smc-r.XXXXXX)
report=$out/report.txt facts=$out/facts
: >"$report"; : >"$facts"
say() { echo "$*" | tee -a "$report"; }
fact() { echo "$1=$2" >>"$facts"; }
section() { { echo "--- $1"; shift; "$@" 2>&1 || true; } >>"$report"; }
fact kernel "Linux $(uname -r)"

if [ "$role" = target ]; then me=$TARGET_IP; else me=$INITIATOR_IP; fi
for m in rdma_rxe smc smc_diag; do lab-modprobe "$m"; done
ip addr add "$me/24" dev eth0
ip link set eth0 up
if rdma link add rxe0 type rxe netdev eth0 && "$UISCSI_SMC_PNET" PNET1 eth0 rxe0 1 >>"$report"; then
  fact rxe yes
else
  fact rxe no
  exit 0
fi
say "$role: $(uname -r), eth0 $me, rxe0 on eth0, pnet PNET1 and a UEID set"

# kretprobes on the SMC-R link setup: what the kernel's own steps returned (best effort).
tracing=/sys/kernel/tracing
mountpoint -q "$tracing" || mount -t tracefs none "$tracing" 2>/dev/null || true
probed=no
if [ -w "$tracing/kprobe_events" ]; then
  for f in smc_llc_send_confirm_link smc_llc_wait smc_clc_wait_msg smc_ib_ready_link smcr_link_reg_buf; do
    echo "r:uiscsi_$f $f ret=\$retval:s32" >>"$tracing/kprobe_events" 2>/dev/null && probed=yes
  done
  [ "$probed" = yes ] && echo 1 >"$tracing/events/kprobes/enable"
fi

# Everything the kernel can tell about SMC here, appended to the report.
kernel_view() {
  section "SMC_DIAG (smc_ss.py, like smcss)" python3 "$root/tests/kernel/smc_ss.py"
  section "rdma res show qp" rdma res show qp
  section "rdma stat show" rdma stat show
  if [ "$probed" = yes ]; then
    section "kretprobes on the SMC-R link setup" grep uiscsi_ "$tracing/trace"
  fi
  echo 1 >/proc/sys/kernel/sysrq
  echo w >/proc/sysrq-trigger  # blocked tasks, with their stacks, into the kernel log
  section "kernel log (smc, rxe, blocked tasks)" bash -c "dmesg | grep -E 'smc|rxe|blocked|state:D|Workqueue|^\[ *[0-9.]+\]  [a-z_]+\+0x' | tail -60"
}
# "STATE MODE" of the AF_SMC socket of the iSCSI connection, from SMC_DIAG: one in mode
# SMCR if there is one (the target also lists discovery's TCP fallback while it closes).
diag_of() {  # diag_of LOCAL_OR_REMOTE_PATTERN
  python3 "$root/tests/kernel/smc_ss.py" 2>/dev/null | grep -v "state=LISTEN" | grep -F -- "$1" |
    sed -n 's/.* state=\([A-Z0-9]*\) mode=\([A-Z]*\).*/\1 \2/p' | sort -t' ' -k2,2 | head -1
}

if [ "$role" = target ]; then
  cat >"$work/target.toml" <<TOML
[discovery]
enabled = true

[[target]]
name = "$IQN"
portals = [{ address = "$TARGET_IP", port = $PORTAL_PORT, offload = "smc" }]
[[target.lun]]
number = 0
backend = "file"
path = "lun.img"
size = "64M"
TOML
  "$target_bin" --ctl "$work/ctl.sock" --data-dir "$work" -c "$work/target.toml" >"$work/target.log" 2>&1 &
  for _ in $(seq 1 300); do grep -q '^Status: ' "$work/target.log" && break; sleep 0.1; done
  section "uiscsi-target start-up" cat "$work/target.log"
  ctl() { "$target_bin" ctl "$@" --socket "$work/ctl.sock"; }
  # Until the initiator says it is done (a connection to BYE_PORT), or 240 s: the last
  # view of the connections while the initiator still held its session.
  : >"$work/seen"
  python3 - "$TARGET_IP" "$BYE_PORT" "$work" <<'PY' &
import socket, sys, time
server = socket.create_server((sys.argv[1], int(sys.argv[2])))
server.settimeout(240)
try:
    server.accept()
except OSError:
    pass
open(sys.argv[3] + "/bye", "w").close()
PY
  while [ ! -e "$work/bye" ]; do
    now=$(ctl connections --json 2>/dev/null | python3 -c '
import json, sys
data = json.load(sys.stdin)
for c in data if isinstance(data, list) else data.get("items", []):
    if c.get("target_name"):  # the normal session, not discovery
        print("%s|%s|%s" % (c["path"]["in_use"], c["path"].get("mode", ""), c["path"]["fallback_reason"]))' || true)
    while IFS= read -r line; do
      [ -n "$line" ] && ! grep -qxF -- "$line" "$work/seen" || continue
      echo "$line" >>"$work/seen"
      ctl connections >>"$work/connections.txt" 2>&1
    done <<<"$now"
    sleep 1
  done
  say "target: ctl connections, each time a new kind of session connection was up:"
  if [ -s "$work/seen" ]; then tee -a "$report" <"$work/connections.txt"; else say "  (none)"; fi
  # in_use|mode|fallback reason of each kind of connection the sessions had
  fact tcp_fallback "$(grep '^smc|TCP|' "$work/seen" | head -1)"
  fact smcr "$(grep '^smc|SMC-R|' "$work/seen" | head -1)"
  fact mode "$(grep -q '^smc|SMC-R|' "$work/seen" && echo SMC-R)"
  # (An accepted socket whose handshake has not finished lists local port 0.)
  fact diag "$(diag_of "-> $INITIATOR_IP:")"
  fact qp "$(rdma res show qp | sed -n 's/.*type RC state \([A-Z]*\).*comm \[smc\].*/\1/p' | head -1)"
  fact sent_pkts "$(rdma stat show link rxe0/1 | sed -n 's/.* sent_pkts \([0-9]*\).*/\1/p')"
  if [ "$probed" = yes ]; then
    fact confirm_link "$(sed -n 's/.*uiscsi_smc_llc_send_confirm_link:.* ret=\(-*[0-9]*\).*/\1/p' "$tracing/trace" | head -1)"
  else
    fact confirm_link unprobed
  fi
  kernel_view
  # Not waited for: a process whose AF_SMC socket is stuck in the kernel cannot exit.
  kill $(jobs -p) 2>/dev/null || true
  exit 0
fi

# The initiator.
sock=$work/uiscsid.sock
"$uiscsid" --db "$work/db" --socket "$sock" --initiator-name iqn.2026-11.org.uiscsi:smc-r-initiator \
  >"$work/uiscsid.log" 2>&1 &
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
adm() { timeout 120 "$uiscsiadm" --socket "$sock" "$@"; }
bye() { python3 -c "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 10).close()" "$TARGET_IP" "$BYE_PORT" 2>/dev/null || true; }
# Discovery runs over plain TCP; the target's AF_SMC listener takes it as a fallback.
found=
for _ in $(seq 1 60); do
  found=$(adm -m discovery -t st -p "$TARGET_IP:$PORTAL_PORT" 2>&1) && break
  found=
  sleep 2
done
section "uiscsiadm -m discovery (tcp)" echo "$found"
if [ -z "$found" ]; then
  fact login "no"; fact login_error "discovery of $TARGET_IP:$PORTAL_PORT failed"
  bye; exit 0
fi
node_set() { adm -m node -T "$IQN" -p "$TARGET_IP:$PORTAL_PORT" -o update -n "$1" -v "$2"; }
# DATA_MIB through the LUN's NBD export (the URI is in the login output), read back, compared.
round_trip() {  # round_trip LOGIN_OUTPUT -> "verified" or what went wrong
  local uri
  uri=$(sed -n 's/^LUN [0-9]*: .*NBD export //p' "$1" | head -1)
  [ -n "$uri" ] || { echo "no NBD export in the login output"; return; }
  head -c "${DATA_MIB}M" /dev/urandom >"$work/data"
  rm -f "$work/back"
  if nbdcopy "$work/data" "$uri" && nbdcopy "$uri" "$work/back" &&
     cmp -n "$(stat -c %s "$work/data")" "$work/data" "$work/back" >&2; then
    echo verified
  else
    echo "differs or nbdcopy failed"
  fi
}

# First a session over plain TCP: the target's AF_SMC portal takes it as a TCP fallback
# ("peer did not indicate SMC"), and data must go through it like any other.
node_set "node.conn[0].offload" tcp
rc=0
adm -m node -T "$IQN" -p "$TARGET_IP:$PORTAL_PORT" --login >"$work/login-tcp" 2>&1 || rc=$?
section "uiscsiadm --login over node.conn[0].offload = tcp (exit $rc)" cat "$work/login-tcp"
if [ "$rc" = 0 ]; then
  adm -m session -P 3 >"$work/session-tcp" 2>&1 || true
  fact tcp_path "$(sed -n 's/^\t*Path In Use: //p' "$work/session-tcp" | head -1)"
  fact tcp_data "$(round_trip "$work/login-tcp")"
  say "initiator: the tcp session: path $(sed -n 's/^\t*Path In Use: //p' "$work/session-tcp" | head -1), $DATA_MIB MiB: $(grep '^tcp_data=' "$facts" | cut -d= -f2-)"
  sleep 2  # the target samples its connections every second
  adm -m node -T "$IQN" -p "$TARGET_IP:$PORTAL_PORT" --logout >/dev/null 2>&1 || true
else
  fact tcp_path "no login (exit $rc)"
fi

node_set "node.conn[0].offload" smc
node_set "node.conn[0].timeo.login_timeout" 20
rc=0
adm -m node -T "$IQN" -p "$TARGET_IP:$PORTAL_PORT" --login >"$work/login" 2>&1 || rc=$?
section "uiscsiadm --login over node.conn[0].offload = smc (exit $rc)" cat "$work/login"
if [ "$rc" != 0 ]; then
  fact login no
  fact login_error "$(tr '\n' ' ' <"$work/login") (exit $rc)"
  # The daemon must still answer (a stuck AF_SMC socket must not take it down): iscsiadm's
  # 21 is "no active sessions".
  src=0
  adm -m session >"$work/sessions" 2>&1 || src=$?
  section "uiscsiadm -m session after the failed login (exit $src)" cat "$work/sessions"
  fact daemon_answers "$([ "$src" = 21 ] && echo yes || echo "no (exit $src)")"
  fact daemon_log "$(grep -m1 'failed: connect to ' "$work/uiscsid.log" || true)"
else
  fact login ok
  adm -m session -P 3 >"$work/session" 2>&1 || true
  section "uiscsiadm -m session -P 3" cat "$work/session"
  fact mode "$(sed -n 's/^\t*Mode: //p' "$work/session" | head -1)"
  fact data "$(round_trip "$work/login")"
  say "initiator: the smc session: $DATA_MIB MiB: $(grep '^data=' "$facts" | cut -d= -f2-)"
fi
fact diag "$(diag_of "-> $TARGET_IP:$PORTAL_PORT ")"
kernel_view
bye
[ "$rc" = 0 ] && adm -m node -T "$IQN" -p "$TARGET_IP:$PORTAL_PORT" --logout >/dev/null 2>&1 || true
kill $(jobs -p) 2>/dev/null || true
exit 0
