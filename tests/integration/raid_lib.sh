# Helpers of the RAID integration tests (sourced after lib.sh): member files made with
# uiscsi-raid, and a target configuration that serves them as a LUN.
#   UISCSI_RAID  the uiscsi-raid binary (set by ctest)

: "${UISCSI_RAID:?set by ctest}"

# make_raid LEVEL N SIZE: N member files m0..m(N-1) in $WORK, SIZE each (uiscsi-raid
# units), with a fresh volume on them; sets MEMBERS to their paths.
make_raid() {
  local level=$1 n=$2 size=$3 i
  MEMBERS=()
  for i in $(seq 0 $((n - 1))); do MEMBERS+=("$WORK/m$i.img"); done
  "$UISCSI_RAID" create --level "$level" --raid-devices "$n" --size "$size" "${MEMBERS[@]}" \
    >"$WORK/create.out" 2>&1 || { cat "$WORK/create.out"; fail "uiscsi-raid create failed"; }
}

# raid_config FILE IQN [EXTRA-LUN-KEYS]: one target with LUN 0 on the volume in MEMBERS,
# one member per line, in reverse order (assembly takes them in any order). Portals come
# from --listen.
raid_config() {
  local file=$1 iqn=$2 extra=${3:-} i
  {
    printf '[[target]]\nname = "%s"\n[[target.lun]]\nnumber = 0\nbackend = "raid"\n' "$iqn"
    [ -z "$extra" ] || printf '%s\n' "$extra"
    printf 'members = [\n'
    for ((i = ${#MEMBERS[@]} - 1; i >= 0; i--)); do printf '  "%s",\n' "${MEMBERS[$i]}"; done
    printf ']\n'
  } >"$file"
}
