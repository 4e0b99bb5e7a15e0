#!/bin/bash
# tools/disk_check.sh: passes when every folder has the space, fails naming
# the folder when one has not, and refuses a threshold that is not a whole
# number of GiB.
set -u
check="$TEST_SRCDIR/$TEST_WORKSPACE/tools/disk_check.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
export HOME="$TEST_TMPDIR/home" TMPDIR="$TEST_TMPDIR/tmp"
cd "$TEST_TMPDIR"

NABLA_MIN_FREE_GIB=0 bash "$check" >out 2>err || fail "0 GiB needed failed: $(cat out err)"
[[ "$(grep -c 'GiB free (need 0)' out)" == 3 ]] || fail "three folders expected: $(cat out)"
echo "ok: passes with room"

NABLA_MIN_FREE_GIB=999999999 bash "$check" >out 2>err
rc=$?
[[ $rc == 1 ]] || fail "an impossible need exited $rc, want 1"
grep -q "not enough free disk under $TMPDIR: .* needs about 999999999 GiB" err ||
  fail "no message naming the folder: $(cat err)"
echo "ok: fails naming the folder: $(head -1 err | cut -c1-80)"

for bad in abc -1 1.5 ""; do
  NABLA_MIN_FREE_GIB="$bad" bash "$check" >out 2>err
  rc=$?
  if [[ -z "$bad" ]]; then
    # Empty is unset: the default applies (and there is room here, or not).
    grep -q "(need 8)" out || fail "empty NABLA_MIN_FREE_GIB should mean the default: $(cat out)"
    continue
  fi
  [[ $rc == 2 ]] || fail "NABLA_MIN_FREE_GIB='$bad' exited $rc, want 2"
  grep -qF "got '$bad'" err || fail "NABLA_MIN_FREE_GIB='$bad': $(cat err)"
done
echo "ok: refuses a threshold that is not a whole number"
echo PASS
