#!/bin/bash
# Every file of the malformed-graph corpus (tests/graph/bad_graphs, see
# tests/graph/model_bad_graphs_test.cc; the directory, relative to the
# runfiles root, is the first argument) through the CLI: `describe` and
# `train` exit with code 3, print nothing on stdout, the first stderr line
# is "nabla COMMAND: error: FILE:LINE:COL: " followed by the problem the
# file's first "# expect:" line names, and train writes no checkpoint.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

corpus="${1:?usage: cli_bad_graphs_test.sh CORPUS_DIR}"
make_data data --train 64 --test 16
mkdir out
cd "$root"  # so messages name the corpus files by their short path

count=0
for path in "$corpus"/*.pbtxt; do
  fragment=$(sed -n '1s/^# expect: //p' "$path")
  [[ -n "$fragment" ]] || fail "$path: the first line must be '# expect: ...'"
  for command in describe train; do
    args=("$path")
    if [[ "$command" == train ]]; then
      args+=(--data "$work/data" --epochs 1 --save "$work/out/run.ckpt")
    fi
    expect_failure 3 "$fragment" "$nabla" "$command" "${args[@]}"
    [[ $(first_stderr_line) =~ ^"nabla $command: error: $path:"[0-9]+:[0-9]+": " ]] ||
      fail "$command $path: the first line does not start with the file's location: $(first_stderr_line)"
  done
  count=$((count + 1))
done
expect_empty_dir "$work/out"
[[ "$count" -ge 25 ]] || fail "only $count files in $corpus"
pass "$count bad graph files rejected by describe and train with exit code 3"

# The first line comes first even when a file has several problems.
expect_failure 3 "node 'act1' (LeakyReLU): unknown attribute 'slop'" \
  "$nabla" describe "$corpus/three_problems.pbtxt"
[[ $(wc -l <"$work/stderr") == 3 ]] || fail "three_problems.pbtxt: expected 3 lines: $(cat "$work/stderr")"

echo PASS
