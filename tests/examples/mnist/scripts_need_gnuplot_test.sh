#!/usr/bin/env bash
# Without gnuplot on PATH each experiment script stops before training,
# exit code 2, with a message that says what to install; --no-plot runs
# without it.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/examples/mnist/mnist_test_lib.sh"

# The interpreter itself, not a wrapper such as a pyenv shim that needs PATH.
mkdir bin
ln -s "$(python3 -c 'import sys; print(sys.executable)')" bin/python3
for script in slope_sweep prelu_slopes deep_net; do
  rc=0
  PATH="$work/bin" python3 "$scripts/$script.py" --quick --nabla "$nabla" --out "$script" \
    >"$script.out" 2>"$script.err" || rc=$?
  [[ "$rc" == 2 ]] || fail "$script.py without gnuplot: exit $rc, expected 2"
  grep -q "gnuplot not found on PATH.*apt-get install gnuplot-nox" "$script.err" ||
    fail "$script.py without gnuplot: $(cat "$script.err")"
  [[ ! -e "$script/commands.txt" ]] || fail "$script.py trained before failing"
  echo "ok: $script.py: $(cat "$script.err")"
done

PATH="$work/bin" python3 "$scripts/slope_sweep.py" --quick --no-plot --slopes 0.5 \
  --nabla "$nabla" --threads 1 --out noplot >noplot.log 2>&1 ||
  { cat noplot.log; fail "--no-plot needs gnuplot"; }
[[ -s noplot/results.csv && ! -e noplot/sweep.png ]] || fail "--no-plot output: $(ls noplot)"
echo PASS
