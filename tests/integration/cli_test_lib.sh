# Shared by tests/integration/cli_*_test.sh, which source it: they run the
# real `nabla` binary (//tools:nabla) as a user would, in a fresh process
# per command, and check exit codes, messages and the files it leaves.
#
# Sourcing it sets -euo pipefail, cds into a fresh $work under $TEST_TMPDIR
# and defines:
#   $nabla, $root            the binary and the runfiles root
#   run CMD...               runs CMD, stdout to $work/stdout, stderr to
#                            $work/stderr, exit code in $rc (never aborts)
#   expect_failure CODE FRAGMENT CMD...
#                            runs CMD and asserts exit CODE, FRAGMENT in the
#                            first stderr line and nothing on stdout
#   expect_empty_dir DIR     asserts DIR holds no file (no output, no
#                            temporary file left behind)
#   make_data DIR [ARGS...]  a tiny IDX data set (cli_make_idx.py)
#   ckpt_text CKPT           writes CKPT.txt (text form), prints its path
#   tensor_section TEXT      the tensors of a text checkpoint
#   header_section TEXT      its header without the wall-clock "seconds"
#   last_test_metrics TEXT   "LOSS ACCURACY" of its last epoch, as %.6f, the
#                            format of `nabla eval --json`
set -euo pipefail

root="$TEST_SRCDIR/$TEST_WORKSPACE"
nabla="$root/tools/nabla"
[[ -x "$nabla" ]] || { echo "FAIL: no nabla binary at $nabla" >&2; exit 1; }
work=$(mktemp -d "$TEST_TMPDIR/work.XXXXXX")
cd "$work"
# Debian's Bazel 4.2.3 never deletes a test's sandbox, TEST_TMPDIR included
# (cli_resume_test alone left 550 MB a run): a test that passes removes its
# work folder on the way out; one that fails keeps it to look at.
trap 'status=$?; if (( status == 0 )); then cd / && rm -rf "$work"; fi; exit $status' EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -f "$work/stderr" ]]; then
    echo "--- last stderr (exit code ${rc:-?}):" >&2
    head -n 20 "$work/stderr" >&2
  fi
  exit 1
}

pass() { echo "ok: $*"; }

run() {
  if "$@" >"$work/stdout" 2>"$work/stderr"; then rc=0; else rc=$?; fi
}

first_stderr_line() { head -n 1 "$work/stderr"; }

# Asserts that "$1" contains "$2" literally; $3 says what is checked.
expect_contains() {
  [[ "$1" == *"$2"* ]] || fail "$3: expected '$2' in: $1"
}

expect_failure() {
  local code="$1" fragment="$2"
  shift 2
  run "$@"
  [[ "$rc" == "$code" ]] || fail "exit code $rc, expected $code: $*"
  [[ -s "$work/stderr" ]] || fail "nothing on stderr: $*"
  expect_contains "$(first_stderr_line)" "$fragment" "first stderr line of: $*"
  [[ ! -s "$work/stdout" ]] || fail "unexpected stdout from a failing command: $*: $(head -c 300 "$work/stdout")"
}

expect_empty_dir() {
  local left
  left=$(ls -A "$1")
  [[ -z "$left" ]] || fail "$1 should be empty, holds: $left"
}

make_data() {
  local dir="$1"
  shift
  python3 "$root/tests/integration/cli_make_idx.py" "$dir" "$@" ||
    fail "cli_make_idx.py $dir $*"
}

ckpt_text() {
  "$nabla" convert "$1" "$1.txt" >/dev/null || fail "convert $1 $1.txt"
  echo "$1.txt"
}

tensor_section() { sed -n '/^tensors {$/,$p' "$1"; }

header_section() { sed '/^tensors {$/,$d' "$1" | grep -v '^ *seconds: '; }

last_test_metrics() {
  python3 - "$1" <<'EOF'
import re, sys
header = open(sys.argv[1]).read().split("\ntensors {")[0]
last = re.findall(r"\n  metrics \{\n(.*?)\n  \}", header, re.S)[-1]
value = dict(re.findall(r"(\w+): (\S+)", last))
print("%.6f %.6f" % (float(value["test_loss"]), float(value["test_accuracy"])))
EOF
}
