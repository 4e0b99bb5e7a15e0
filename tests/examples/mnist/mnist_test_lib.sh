# Shared by the tests/examples/mnist/*_test.sh scripts, which source it:
# they run the experiment scripts of examples/mnist and the real `nabla`
# binary on the mnist-digits data set (made by tools/setup.sh).
#
# Sourcing it sets -euo pipefail, cds into a fresh $work under $TEST_TMPDIR
# and defines:
#   $root, $nabla, $scripts   the runfiles root, the binary, examples/mnist
#   fail MESSAGE              prints FAIL: MESSAGE and exits 1
#   check_csv FILE ARGS...    tests/examples/mnist/check_csv.py
#   expect_image FILE         FILE exists, is non-empty and is a PNG or SVG
set -euo pipefail

root="$TEST_SRCDIR/$TEST_WORKSPACE"
nabla="$root/tools/nabla"
scripts="$root/examples/mnist"
work=$(mktemp -d "$TEST_TMPDIR/work.XXXXXX")
cd "$work"
# Debian's Bazel 4.2.3 never deletes a test's sandbox, TEST_TMPDIR included
# (cli_resume_test alone left 550 MB a run): a test that passes removes its
# work folder on the way out; one that fails keeps it to look at.
trap 'status=$?; if (( status == 0 )); then cd / && rm -rf "$work"; fi; exit $status' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[[ -x "$nabla" ]] || fail "no nabla binary at $nabla"
digits="${NABLA_DATA_HOME:-/var/lib/nabla/data}/mnist-digits"
[[ -f "$digits/train-images-idx3-ubyte.gz" ]] ||
  fail "mnist-digits not found at $digits: run tools/setup.sh first"

check_csv() { python3 "$root/tests/examples/mnist/check_csv.py" "$@"; }

expect_image() {
  local file="$1"
  [[ -s "$file" ]] || fail "$file missing or empty"
  case "$file" in
    *.png) [[ "$(head -c 4 "$file" | tail -c 3)" == "PNG" ]] || fail "$file is not a PNG" ;;
    *.svg) grep -q "<svg" "$file" || fail "$file is not an SVG" ;;
  esac
  echo "ok: $file ($(wc -c <"$file") bytes)"
}

# The files experiment_lib.run_final writes for a --quick run (one seed,
# one epoch, mnist-digits, no official test set): final.csv and the eval JSON.
check_final_stage() {
  local out="$1"
  check_csv "$out/final.csv" \
    --header seed,epochs_done,diverged_at,seconds,data_test_accuracy,data_test_loss,data_test_samples,official_mnist_test_accuracy,official_mnist_test_loss,official_mnist_test_samples \
    --rows 3 --finite data_test_accuracy,data_test_loss --range data_test_accuracy:0:1
  grep -q '^0,1,,[0-9.e-]*,[0-9.]*,[0-9.]*,2000,,,$' "$out/final.csv" ||
    fail "final.csv seed 0 row: $(cat "$out/final.csv")"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["samples"] == 2000, d' \
    "$out/eval/final_seed_0_mnist-digits.json" || fail "eval json"
}
