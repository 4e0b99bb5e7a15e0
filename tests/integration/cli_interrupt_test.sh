#!/bin/bash
# A run interrupted with SIGINT or SIGTERM finishes its step, writes the
# checkpoint and metrics (exit code 6) and, resumed, ends bit for bit where
# an uninterrupted run ends; a second signal aborts at once. --save-every
# keeps periodic checkpoints and the metrics CSV is on disk after every
# epoch, so even SIGKILL loses at most an epoch.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

make_data data --train 128 --test 32
model="$root/examples/mnist/mlp_leaky.pbtxt"
epochs=150
common=(--data data --seed 3 --batch-size 24 --threads 1 --lr 0.02 --lr-schedule cosine)

"$nabla" train "$model" "${common[@]}" --epochs "$epochs" --save straight.ckpt \
  >straight.out 2>straight.err || fail "straight run: $(cat straight.err)"
tensor_section "$(ckpt_text straight.ckpt)" >straight.tensors

# Starts a run in the background and waits until it has printed epoch $1.
start_run() {
  local after="$1"
  shift
  # The background job truncates run.out only once it runs: without this,
  # the wait below could read the previous run's epochs and signal the new
  # process before it has installed its handler.
  rm -f run.out run.err
  "$@" >run.out 2>run.err &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "^epoch $after/" run.out 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "the run ended early: $(cat run.err)"
    sleep 0.05
  done
  fail "no epoch $after after 30 s: $(cat run.err)"
}

for signal in INT TERM; do
  start_run 2 "$nabla" train "$model" "${common[@]}" --epochs "$epochs" --save "$signal.ckpt" \
    --metrics "$signal.csv"
  kill -s "$signal" "$pid"
  if wait "$pid"; then rc=0; else rc=$?; fi
  [[ "$rc" == 6 ]] || fail "SIG$signal: exit code $rc, expected 6: $(cat run.err)"
  expect_contains "$(cat run.err)" "nabla train: interrupted by SIG$signal at epoch" "SIG$signal message"
  expect_contains "$(cat run.err)" "continue with: --resume $signal.ckpt" "SIG$signal resume hint"
  done_epochs=$(grep -c '^epoch ' run.out)
  ((done_epochs < epochs)) || fail "SIG$signal came too late to interrupt anything"
  # The metrics hold every finished epoch; no temporary file is left.
  [[ $(($(wc -l <"$signal.csv") - 1)) == "$done_epochs" ]] ||
    fail "$signal.csv has $(wc -l <"$signal.csv") lines for $done_epochs epochs"
  if ls ./*.tmp-* 2>/dev/null; then fail "a temporary file was left"; fi
  # The checkpoint loads and resumes to the same end as the straight run.
  "$nabla" train "$model" "${common[@]}" --epochs "$epochs" --resume "$signal.ckpt" \
    --save "$signal-resumed.ckpt" >resumed.out 2>resumed.err || fail "resume: $(cat resumed.err)"
  tensor_section "$(ckpt_text "$signal-resumed.ckpt")" >"$signal.tensors"
  cmp straight.tensors "$signal.tensors" ||
    fail "SIG$signal after $done_epochs epochs: resumed weights differ from the straight run"
  diff <(header_section straight.ckpt.txt) <(header_section "$signal-resumed.ckpt.txt") ||
    fail "SIG$signal: resumed header differs from the straight run"
  pass "SIG$signal after $done_epochs epoch(s) ($(grep -o "after global step [0-9]*" run.err), 6 steps an epoch): checkpoint + metrics saved, exit 6, resume is bit-exact"
done

# A second signal aborts at once, with the signal's own status. Signals of
# one kind do not queue, so the second is sent once the first was handled
# (its message is on stderr). The run may still win the race and save
# first (a step and a save take milliseconds): then it exits 6 as above.
start_run 1 "$nabla" train "$model" --data data --batch-size 512 --threads 1 --epochs 100000 \
  --save twice.ckpt
kill -s INT "$pid"
for _ in $(seq 1 1000); do
  grep -q "signal again to abort" run.err && break
  sleep 0.005
done
kill -s INT "$pid" 2>/dev/null || true
if wait "$pid"; then rc=0; else rc=$?; fi
case "$rc" in
  130) [[ ! -e twice.ckpt ]] || fail "aborted by the second SIGINT, yet twice.ckpt was written" ;;
  6) "$nabla" convert twice.ckpt twice.ckpt.txt >/dev/null || fail "twice.ckpt does not load" ;;
  *) fail "two SIGINTs: exit code $rc, expected 130 (aborted) or 6 (saved first)" ;;
esac
pass "a second SIGINT: exit code $rc"

# --save-every 2 leaves a checkpoint of epoch 2 while the run goes on; the
# metrics file is there after epoch 1. SIGKILL cannot be caught.
start_run 3 "$nabla" train "$model" "${common[@]}" --epochs "$epochs" --save every.ckpt \
  --save-every 2 --metrics every.csv
kill -s KILL "$pid"
wait "$pid" || true
expect_contains "$(cat run.err)" "nabla train: saved every.ckpt (epoch 2)" "--save-every message"
# The kill lands a few epochs after epoch 3 was printed: the checkpoint is
# the last even epoch, and the metrics hold at least as many rows.
saved_epoch=$(sed -n 's/^  epoch: \([0-9]*\)$/\1/p' "$(ckpt_text every.ckpt)")
((saved_epoch >= 2 && saved_epoch % 2 == 0)) || fail "every.ckpt holds epoch '$saved_epoch'"
(($(wc -l <every.csv) - 1 >= saved_epoch)) || fail "every.csv after epoch $saved_epoch: $(cat every.csv)"
pass "--save-every and per-epoch metrics survive SIGKILL"

echo PASS
