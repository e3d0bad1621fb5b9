# Sourced by the kernel-lab tests on the host side (not in the guest).
#
# lab_vm_run_or_skip: sets vm_run to the kernel lab's vm-run: UISCSI_VM_RUN, else the lab
# beside the checkout (../shared for a main tree, ../../shared for a work tree under
# wt/). Without one the test is skipped (exit 77). Needs $root, the checkout.
lab_vm_run_or_skip() {
  local candidate
  for candidate in "${UISCSI_VM_RUN:-}" "$root/../shared/lab/vm-run" "$root/../../shared/lab/vm-run"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      vm_run=$candidate
      return 0
    fi
  done
  echo "SKIPPED: kernel lab not available (vm-run; set UISCSI_VM_RUN)"
  exit 77
}
