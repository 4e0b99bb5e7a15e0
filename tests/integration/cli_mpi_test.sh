#!/bin/bash
# Data-parallel `nabla train` under mpirun (train/data_parallel.h), two
# ranks with one thread each on this machine:
#   - 2 ranks x half batches vs 1 process x the full batch, models A and B,
#     after 16 steps: equal within float rounding (max relative difference
#     1e-5 per tensor; measured about 2e-7). Not bit-identical: the batch
#     sum inside the weight-gradient GEMM is split at the rank boundary.
#   - shared memory vs TCP only (--mca btl tcp,self): bit-identical (for
#     two ranks the sum a + b is the same bits whichever way it travels).
#   - resume 2 -> 1 and 1 -> 2 continue as the uninterrupted run at the
#     final rank count within that tolerance; 2 -> 2 bit for bit.
#   - BatchNorm: per-rank statistics by default (the metrics match the
#     checkpoint); --sync-batchnorm trains as one process does.
#   - rank 0 alone prints and writes; ranks that disagree (--momentum, data)
#     refuse naming the difference; a hung rank (SIGSTOP) stops the run
#     with exit 8 within --mpi-timeout; a killed rank ends the job; the
#     last checkpoint stays intact.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

diff_tool="$root/tests/integration/checkpoint_diff"
command -v mpirun >/dev/null || fail "mpirun not found (tools/setup.sh installs openmpi-bin)"
mpi=(mpirun --allow-run-as-root --oversubscribe)
# Under bazel test --config=asan: OpenMPI 4.1 never frees what it allocates
# for its reduction ops and components (LSan traces them to libmpi.so's
# ompi_op_base_op_select and to components already unloaded, which no
# suppression can name), so the ranks run with leak checking off. ASan's
# memory checks and UBSan stay on in the ranks, and every single-process
# run of this test keeps leak checking.
if [[ "${ASAN_OPTIONS:-}" == *detect_leaks=1* ]]; then
  mpi+=(-x "ASAN_OPTIONS=${ASAN_OPTIONS//detect_leaks=1/detect_leaks=0}")
fi
# Keep OpenMPI's session files inside the test's directory.
export TMPDIR="$work"

make_data data
make_data other --seed 5
A="$root/examples/mnist/mlp_leaky.pbtxt"
B="$root/examples/mnist/deep_prelu.pbtxt"
tolerance=1e-5
# 512 samples in global batches of 64: 8 steps per epoch, 16 in all.
flags=(--seed 7 --batch-size 64 --lr 0.05 --threads 1)
common=(--data data "${flags[@]}")

check_close() {  # A.ckpt B.ckpt what
  "$diff_tool" "$1" "$2" --tolerance "$tolerance" >diff.out || fail "$3: $(cat diff.out)"
  pass "$3: $(cat diff.out)"
}
check_identical() {
  "$diff_tool" "$1" "$2" >diff.out || fail "$3: $(cat diff.out)"
  pass "$3: $(cat diff.out)"
}

for model in A B; do
  graph=${!model}
  "$nabla" train "$graph" "${common[@]}" --epochs 2 --save one$model.ckpt >one$model.out \
    2>one$model.err || fail "1 process, model $model: $(cat one$model.err)"
  run "${mpi[@]}" -np 2 "$nabla" train "$graph" "${common[@]}" --epochs 2 --save two$model.ckpt \
    --metrics two$model.csv
  [[ $rc == 0 ]] || fail "2 ranks, model $model"
  expect_contains "$(cat "$work/stderr")" "data-parallel over 2 ranks (global batch 64)" "banner"
  expect_contains "$(cat "$work/stderr")" "allreduced per step" "summary"
  # Rank 0 alone prints the epochs.
  [[ $(grep -c '^epoch ' "$work/stdout") == 2 ]] || fail "epoch lines: $(cat "$work/stdout")"
  [[ $(wc -l <two$model.csv) == 3 ]] || fail "metrics: $(cat two$model.csv)"
  check_close one$model.ckpt two$model.ckpt "model $model: 2 ranks x 32 vs 1 process x 64, 16 steps"
done

# TCP only, as between machines: the same bits as shared memory.
"${mpi[@]}" --mca btl tcp,self -np 2 "$nabla" train "$A" "${common[@]}" --epochs 2 \
  --save tcpA.ckpt >tcp.out 2>tcp.err || fail "TCP run: $(cat tcp.err)"
check_identical twoA.ckpt tcpA.ckpt "model A: TCP loopback vs shared memory"

# Resume across rank counts (model A).
"${mpi[@]}" -np 2 "$nabla" train "$A" "${common[@]}" --epochs 1 --save half2.ckpt \
  >/dev/null 2>half2.err || fail "2 ranks, 1 epoch: $(cat half2.err)"
"$nabla" train "$A" "${common[@]}" --epochs 2 --resume half2.ckpt --save r21.ckpt >/dev/null \
  2>r21.err || fail "resume 2 -> 1: $(cat r21.err)"
check_close oneA.ckpt r21.ckpt "resume 2 -> 1 vs 1 process straight"
"${mpi[@]}" -np 2 "$nabla" train "$A" "${common[@]}" --epochs 2 --resume half2.ckpt \
  --save r22.ckpt >/dev/null 2>r22.err || fail "resume 2 -> 2: $(cat r22.err)"
check_identical twoA.ckpt r22.ckpt "resume 2 -> 2 vs 2 ranks straight"
"$nabla" train "$A" "${common[@]}" --epochs 1 --save half1.ckpt >/dev/null 2>half1.err ||
  fail "1 process, 1 epoch: $(cat half1.err)"
"${mpi[@]}" -np 2 "$nabla" train "$A" "${common[@]}" --epochs 2 --resume half1.ckpt \
  --save r12.ckpt >/dev/null 2>r12.err || fail "resume 1 -> 2: $(cat r12.err)"
expect_contains "$(cat r12.err)" "resumed from half1.ckpt at epoch 1, step 8" "resume message"
[[ $(grep -c "resumed from" r12.err) == 1 ]] || fail "resume message printed by every rank"
check_close twoA.ckpt r12.ckpt "resume 1 -> 2 vs 2 ranks straight"

# BatchNorm: per-rank batch statistics in training; rank 0's running
# statistics are broadcast before each evaluation, so the metrics the run
# records (each rank evaluating a shard) are those of the checkpoint rank 0
# saves, evaluated in one process.
cat >bn.pbtxt <<'PB'
format_version: 1
name: "BNNet"
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "fc1" op: "Linear" inputs: "image"
        attrs { key: "in_features" value { i: 784 } } attrs { key: "out_features" value { i: 32 } } }
nodes { name: "bn1" op: "BatchNorm" inputs: "fc1" attrs { key: "num_features" value { i: 32 } } }
nodes { name: "act1" op: "ReLU" inputs: "bn1" }
nodes { name: "fc2" op: "Linear" inputs: "act1"
        attrs { key: "in_features" value { i: 32 } } attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "fc2" inputs: "label" }
outputs: "fc2"
loss: "loss"
PB
"${mpi[@]}" -np 2 "$nabla" train bn.pbtxt "${common[@]}" --epochs 2 --eval-test --save bn.ckpt >/dev/null \
  2>bn.err || fail "BatchNorm model, 2 ranks: $(cat bn.err)"
read -r want_loss want_accuracy < <(last_test_metrics "$(ckpt_text bn.ckpt)")
"$nabla" eval bn.pbtxt --weights bn.ckpt --data data --json >bn.json 2>bn_eval.err ||
  fail "eval of the BatchNorm checkpoint: $(cat bn_eval.err)"
python3 - "$want_loss" "$want_accuracy" bn.json <<'PY' || fail "BatchNorm: recorded test metrics $want_loss $want_accuracy, eval: $(cat bn.json)"
import json, sys
got = json.load(open(sys.argv[3]))
assert abs(got["loss"] - float(sys.argv[1])) <= 1e-5, got
assert got["accuracy"] == float(sys.argv[2]), got
PY
pass "BatchNorm: the 2-rank run's recorded test metrics are its checkpoint's ($want_loss $want_accuracy)"

# Synchronised BatchNorm (--sync-batchnorm): 2 ranks x 32 normalise with the
# statistics of the global 64, and so train as 1 process x 64 does, running
# statistics included; per-rank statistics do not. The BatchNorm here reads
# the image: after a Linear, that Linear's bias gradient is zero up to
# rounding, and a relative comparison of two roundings means nothing.
cat >bn_in.pbtxt <<'PB'
format_version: 1
name: "BNInput"
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "bn0" op: "BatchNorm" inputs: "image" attrs { key: "num_features" value { i: 784 } } }
nodes { name: "fc1" op: "Linear" inputs: "bn0"
        attrs { key: "in_features" value { i: 784 } } attrs { key: "out_features" value { i: 32 } } }
nodes { name: "act1" op: "ReLU" inputs: "fc1" }
nodes { name: "fc2" op: "Linear" inputs: "act1"
        attrs { key: "in_features" value { i: 32 } } attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "fc2" inputs: "label" }
outputs: "fc2"
loss: "loss"
PB
"${mpi[@]}" -np 2 "$nabla" train bn_in.pbtxt "${common[@]}" --epochs 2 \
  --save bn_rank.ckpt >/dev/null 2>bn_rank.err || fail "per-rank BatchNorm, 2 ranks: $(cat bn_rank.err)"
"${mpi[@]}" -np 2 "$nabla" train bn_in.pbtxt "${common[@]}" --epochs 2 --sync-batchnorm \
  --save bn_sync.ckpt >/dev/null 2>bn_sync.err || fail "synchronised BatchNorm, 2 ranks: $(cat bn_sync.err)"
"$nabla" train bn_in.pbtxt "${common[@]}" --epochs 2 --save bn_one.ckpt >/dev/null 2>bn_one.err ||
  fail "BatchNorm model, 1 process: $(cat bn_one.err)"
check_close bn_one.ckpt bn_sync.ckpt "synchronised BatchNorm: 2 ranks x 32 vs 1 process x 64"
if "$diff_tool" bn_one.ckpt bn_rank.ckpt --tolerance "$tolerance" >diff.out; then
  fail "per-rank BatchNorm matched one process, so the synchronised check cannot fail: $(cat diff.out)"
fi
pass "per-rank BatchNorm differs from one process: $(head -c 200 diff.out)"
# In one process the flag changes nothing, and says so.
"$nabla" train bn_in.pbtxt "${common[@]}" --epochs 2 --sync-batchnorm --save bn_one_sync.ckpt \
  >/dev/null 2>bn_one_sync.err || fail "--sync-batchnorm, 1 process: $(cat bn_one_sync.err)"
grep -q "note: --sync-batchnorm has no effect in a single process" bn_one_sync.err ||
  fail "--sync-batchnorm in one process printed no note: $(cat bn_one_sync.err)"
check_identical bn_one.ckpt bn_one_sync.ckpt "--sync-batchnorm in one process: a note, and the same tensors bit for bit"

# Ranks that disagree refuse to start, naming the difference, once.
run "${mpi[@]}" -np 1 "$nabla" train "$A" "${common[@]}" --epochs 1 : \
  -np 1 "$nabla" train "$A" "${common[@]}" --epochs 1 --momentum 0.5
[[ $rc == 3 ]] || fail "disagreeing --momentum: exit $rc"
expect_contains "$(first_stderr_line)" "ranks disagree on the command line" "--momentum mismatch"
expect_contains "$(first_stderr_line)" "--momentum: rank 0 has '0.9', rank 1 has '0.5'" "--momentum mismatch"
[[ $(grep -c "disagree" "$work/stderr") == 1 ]] || fail "mismatch reported more than once"
run "${mpi[@]}" -np 1 "$nabla" train "$A" "${common[@]}" --epochs 1 : \
  -np 1 "$nabla" train "$A" --data other "${flags[@]}" --epochs 1
[[ $rc == 3 ]] || fail "disagreeing data: exit $rc"
expect_contains "$(first_stderr_line)" "disagree on the model and data" "data mismatch"
expect_contains "$(first_stderr_line)" "training data: rank 0 has '512 samples" "data mismatch"
run "${mpi[@]}" -np 2 "$nabla" train "$A" --data data --threads 1 --epochs 1 --batch-size 1
[[ $rc == 3 ]] || fail "batch of 1 over 2 ranks: exit $rc"
expect_contains "$(first_stderr_line)" "fewer than the 2 ranks" "batch size check"

# Faults. Rank 1 records its pid; the run saves every epoch.
cat >rank.sh <<'SH'
#!/bin/bash
[[ "$OMPI_COMM_WORLD_RANK" == 1 ]] && echo $$ >rank1.pid
exec "$@"
SH
chmod +x rank.sh
fault_run() {  # SIGNAL: stop or kill rank 1 once a checkpoint exists
  rm -f rank1.pid faulty.ckpt
  local start=$SECONDS
  timeout 60 "${mpi[@]}" -np 2 ./rank.sh "$nabla" train "$A" "${common[@]}" --epochs 100000 \
    --save faulty.ckpt --save-every 1 --mpi-timeout 2 >fault.out 2>fault.err &
  local job=$!
  for _ in $(seq 200); do [[ -s faulty.ckpt && -s rank1.pid ]] && break; sleep 0.1; done
  [[ -s faulty.ckpt ]] || fail "no checkpoint before the fault: $(cat fault.err)"
  kill -"$1" "$(cat rank1.pid)"
  if wait $job; then rc=0; else rc=$?; fi
  kill -CONT "$(cat rank1.pid)" 2>/dev/null || true
  elapsed=$((SECONDS - start))
  [[ $rc != 124 ]] || fail "SIG$1 on rank 1: the job did not end within 60 s"
  [[ $rc != 0 ]] || fail "SIG$1 on rank 1: exit 0"
  "$diff_tool" faulty.ckpt faulty.ckpt >/dev/null || fail "SIG$1: the last checkpoint is damaged"
  pass "SIG$1 on rank 1: exit $rc after ${elapsed}s, checkpoint intact"
}
# SIGTERM to rank 1 alone: the stop flag travels with the gradients, both
# ranks stop after the same step, rank 0 saves (exit 6), and resuming on 2
# ranks ends bit for bit where an uninterrupted 2-rank run does.
rm -f rank1.pid
"${mpi[@]}" -np 2 ./rank.sh "$nabla" train "$A" "${common[@]}" --epochs 100000 --save term.ckpt \
  >term.out 2>term.err &
job=$!
for _ in $(seq 200); do [[ -s rank1.pid ]] && grep -q '^epoch 2/' term.out && break; sleep 0.1; done
kill -TERM "$(cat rank1.pid)"
if wait $job; then rc=0; else rc=$?; fi
[[ $rc == 6 ]] || fail "SIGTERM on rank 1: exit $rc, expected 6: $(cat term.err)"
expect_contains "$(cat term.err)" "continue with: --resume term.ckpt" "interrupt message"
done_epochs=$(grep -c '^epoch ' term.out)
total=$((done_epochs + 2))
"${mpi[@]}" -np 2 "$nabla" train "$A" "${common[@]}" --epochs $total --resume term.ckpt \
  --save term_resumed.ckpt >/dev/null 2>term_resumed.err || fail "resume: $(cat term_resumed.err)"
"${mpi[@]}" -np 2 "$nabla" train "$A" "${common[@]}" --epochs $total --save term_straight.ckpt \
  >/dev/null 2>term_straight.err || fail "straight: $(cat term_straight.err)"
check_identical term_straight.ckpt term_resumed.ckpt "SIGTERM to rank 1, resumed, vs straight ($total epochs)"

fault_run STOP
[[ $rc == 8 ]] || fail "hung rank: exit $rc, expected 8: $(cat fault.err)"
expect_contains "$(cat fault.err)" "did not complete within 2 s" "hung rank message"
fault_run KILL
