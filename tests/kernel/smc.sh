#!/usr/bin/env bash
# Kernel lab (label "kernel"): an AF_SMC connection over loopback in one VM, with the smc
# and smc_diag modules loaded. Runs test_offload's hidden [smc_lab] case, which connects
# through Listener/connect() with the smc policy, moves a PDU, and prints what each end
# reports: the SMC mode (one VM has no RDMA device, so the kernel falls back to TCP) and
# the fallback reason read through SMC_DIAG. It also cancels an AF_SMC connect to a listener
# that drops its SYN (accept queue full) and checks the words connect() then gets from
# SMC_DIAG: "SMC handshake stuck (SMC_DIAG: state INIT, mode SMC-R)".
#
#   bash tests/kernel/smc.sh [TEST_OFFLOAD]     on the host: boots the lab VM (vm-run) and
#                                               runs itself inside; exit 77 if no lab
#   ../shared/lab/vm-run --timeout 300 -- bash tests/kernel/smc.sh [TEST_OFFLOAD]
#
# TEST_OFFLOAD defaults to $UISCSI_TEST_OFFLOAD, else the newest build/*/tests/test_offload.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

test_offload=${1:-${UISCSI_TEST_OFFLOAD:-}}
if [ -z "$test_offload" ]; then
  test_offload=$(ls -t "$root"/build/*/tests/test_offload 2>/dev/null | head -1 || true)
fi
if [ -z "$test_offload" ] || [ ! -x "$test_offload" ]; then
  echo "SKIPPED: no test_offload executable (build it, or pass its path)"
  exit 77
fi

if [ "${LAB_GUEST:-}" != 1 ]; then
  source "$root/tests/kernel/lab.sh"
  lab_vm_run_or_skip
  out=$(mktemp -d "${TMPDIR:-/tmp}/uiscsi-smc.XXXXXX")  # the VM's --out, private to this run
  trap 'rm -rf "$out"' EXIT
  cd "$root"
  rc=0
  "$vm_run" --timeout 300 --out "$out" -- bash tests/kernel/smc.sh "$test_offload" || rc=$?
  exit "$rc"
fi

# In the guest.
lab-modprobe smc
lab-modprobe smc_diag
ip link set lo up 2>/dev/null || true
echo "smc lab: kernel $(uname -r), test program $test_offload"
"$test_offload" "[smc_lab]"
