#!/bin/bash
# nabla gradcheck: every built-in op passes the registry-driven finite-
# difference check; a plugin whose op returns a sign-flipped gradient fails
# it, naming the op and the input, with a non-zero exit code.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

swish="$root/plugins/swish/libswish.so"
flipped="$root/plugins/testing/libflipped_gradient.so"

# --- every built-in op ----------------------------------------------------------
run "$nabla" gradcheck
[[ "$rc" == 0 ]] || fail "gradcheck of the built-in ops: exit $rc: $(cat stderr)"
[[ ! -s stderr ]] || fail "gradcheck wrote to stderr: $(cat stderr)"
"$nabla" ops | sed -n 's/^\([A-Za-z0-9]*\)  \[built-in.*/\1/p' >builtin.txt
n=$(wc -l <builtin.txt)
[[ "$n" -ge 19 ]] || fail "nabla ops lists only $n built-in ops"
grep -qxF "gradcheck: all $n op(s) passed" stdout || fail "summary: $(tail -n 1 stdout)"
# Each op has at least one row, every row passes, and errors are numbers.
while read -r op; do
  grep -q "^$op  *[0-9]" stdout || fail "no row for $op in: $(cat stdout)"
done <builtin.txt
if grep -q 'FAIL' stdout; then fail "a built-in op failed: $(grep FAIL stdout)"; fi
grep -Eq '^LeakyReLU +0 +input 0 \(x\) +[0-9]+ +[0-9.e+-]+  PASS$' stdout ||
  fail "LeakyReLU row: $(grep LeakyReLU stdout)"
grep -Eq '^PReLU +[0-9]+ +param 1 \(slope\) ' stdout || fail "PReLU's slope row: $(grep PReLU stdout)"
# Ops with state are checked in training and eval mode.
grep -Eq '^BatchNorm +0 \(training\) +input 0 \(x\) .* PASS$' stdout || fail "BatchNorm training row: $(grep BatchNorm stdout)"
grep -Eq '^BatchNorm +0 \(eval\) +input 0 \(x\) .* PASS$' stdout || fail "BatchNorm eval row: $(grep BatchNorm stdout)"
pass "gradcheck: all $n built-in ops pass"

# --- named ops, with a plugin -----------------------------------------------------
run "$nabla" gradcheck --plugin "$swish" Swish LeakyReLU
[[ "$rc" == 0 ]] || fail "gradcheck Swish: exit $rc"
grep -Eq '^Swish +0 +param 1 \(beta\) .* PASS$' stdout || fail "Swish beta row: $(cat stdout)"
if grep -q '^ReLU ' stdout; then fail "an op that was not named was checked"; fi
grep -qxF "gradcheck: all 2 op(s) passed" stdout || fail "summary: $(tail -n 1 stdout)"
pass "gradcheck checks only the named ops, plugin ops included"

# --- a sign-flipped gradient ----------------------------------------------------------
run "$nabla" gradcheck --plugin "$flipped"
[[ "$rc" == 7 ]] || fail "gradcheck of a sign-flipped gradient: exit $rc, expected 7"
expect_contains "$(cat stderr)" "FAIL FlippedTanh sample 0 input 0 (x): largest relative error" \
  "the failure names op, sample and input"
expect_contains "$(tail -n 1 stderr)" "nabla gradcheck: 1 of" "summary"
expect_contains "$(tail -n 1 stderr)" "op(s) failed: FlippedTanh" "summary names the op"
grep -Eq '^FlippedTanh +0 +input 0 \(x\) +6 +[0-9.e+-]+  FAIL$' stdout || fail "row: $(grep Flipped stdout)"
grep -Eq '^Copy +0 +input 0 \(x\) .* PASS$' stdout || fail "the plugin's correct op: $(grep Copy stdout)"
# The error is that of a flipped sign: |(-g) - g| / max(1, |g|) = 2|g|/max(1,|g|), g = 1 - y^2 in (0, 1].
python3 - stdout <<'PY' || fail "FlippedTanh's error: $(grep Flipped stdout)"
import sys
row = [l for l in open(sys.argv[1]) if l.startswith("FlippedTanh")][0].split()
err = float(row[-2])
assert 0.1 < err <= 2.0 + 1e-6, row
PY
run "$nabla" gradcheck --plugin "$flipped" Copy
[[ "$rc" == 0 ]] || fail "gradcheck Copy alone: exit $rc"
pass "gradcheck fails a sign-flipped gradient (exit 7) naming FlippedTanh input 0 (x)"

# --- bad input ---------------------------------------------------------------------
expect_failure 3 "op 'NoSuchOp' is not registered" "$nabla" gradcheck LeakyReLU NoSuchOp
expect_failure 3 "op 'Swish' is not registered; no plugin is loaded" "$nabla" gradcheck Swish
expect_failure 5 "cannot load plugin 'missing.so'" "$nabla" gradcheck --plugin missing.so
expect_failure 2 "nabla gradcheck: unrecognised option '--bogus'" "$nabla" gradcheck --bogus
pass "gradcheck refuses unknown ops, missing plugins and bad options"
