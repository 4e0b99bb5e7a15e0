#!/usr/bin/env bash
# Data-parallel throughput of `nabla train` (issue 15; bench/RESULTS.md,
# "Data-parallel training over MPI"), for models A, B (bench/README.md)
# and C (examples/mnist/cnn.pbtxt), in four configurations:
#   1 rank x 1 thread, 1 rank x 2 threads,
#   2 ranks x 1 thread over shared memory (OpenMPI's vader BTL),
#   2 ranks x 1 thread over TCP loopback only (--mca btl tcp,self).
# Global batch 256 (--batch-size), synthetic MNIST-shaped data
# (tests/integration/cli_make_idx.py) with no test split, so an epoch's
# seconds (the --metrics CSV) are training only. samples/s is the median
# over epochs 2..E (epoch 1 warms up). For the 2-rank runs the rank-0
# summary line gives the bytes allreduced per step and the share of the
# step spent inside the gradient collectives (waiting for the other rank
# included). Then a projection for N machines on 10 and 25 Gb/s Ethernet.
#
#   bazel build //tools:nabla
#   flock -o /tmp/nabla-cpu.lock bash bench/mpi_bench.sh [EPOCHS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
nabla=bazel-bin/tools/nabla
[[ -x $nabla ]] || { echo "mpi_bench: build //tools:nabla first" >&2; exit 2; }
epochs=${1:-4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpi=(mpirun --allow-run-as-root --oversubscribe)

declare -A graph=([A]=examples/mnist/mlp_leaky.pbtxt [B]=examples/mnist/deep_prelu.pbtxt
                  [C]=examples/mnist/cnn.pbtxt)
# B as bench/README.md defines it: PReLU slopes start at 0.1.
declare -A extra=([A]="" [B]="--set act1.init=0.1 --set act2.init=0.1 --set act3.init=0.1" [C]="")
declare -A samples=([A]=8192 [B]=8192 [C]=1024)

echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g')"
echo "# $(mpirun --version | head -n 1); epochs $epochs, global batch 256"
# Other processes on the machine distort every figure (two threads on a
# busy core wait for each other): the load average is printed before and
# after, and a run whose load exceeded the machine's idle share is not one
# to quote.
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-16s %10s %10s %10s %10s %8s\n' model config samples/s step_ms MiB/step comm_ms comm_%
for model in A B C; do
  data="$work/data$model"
  python3 tests/integration/cli_make_idx.py "$data" --train "${samples[$model]}" --test 1 >/dev/null
  rm -f "$data"/t10k-*
  for config in 1x1 1x2 2x1-shm 2x1-tcp; do
    case $config in
      1x1) launch=() threads=1 ;;
      1x2) launch=() threads=2 ;;
      2x1-shm) launch=("${mpi[@]}" -np 2) threads=1 ;;
      2x1-tcp) launch=("${mpi[@]}" --mca btl tcp,self -np 2) threads=1 ;;
    esac
    # shellcheck disable=SC2086
    "${launch[@]}" "$nabla" train "${graph[$model]}" ${extra[$model]} --data "$data" \
      --epochs "$epochs" --batch-size 256 --threads "$threads" --seed 1 \
      --metrics "$work/m.csv" >"$work/out" 2>"$work/err" ||
      { echo "mpi_bench: model $model $config failed:" >&2; cat "$work/err" >&2; exit 1; }
    python3 - "$work/m.csv" "$work/err" "$model" "$config" "${samples[$model]}" \
      "$work/log" <<'PY'
import csv, re, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
seconds = [float(r["seconds"]) for r in rows[1:]] or [float(rows[0]["seconds"])]
n = int(sys.argv[5])
rate = n / statistics.median(seconds)
step_ms = 1e3 * 256 / rate
err = open(sys.argv[2]).read()
m = re.search(r"(\d+) bytes \(([\d.]+) MiB\) of gradients allreduced per step in (\d+) "
              r"bucket.*?of which communication ([\d.]+) ms \(([\d.]+)%\)", err)
nbytes, mib, comm, share = (m.group(1), m.group(2), m.group(4), m.group(5)) if m else ("-",) * 4
print("%-5s %-16s %10.0f %10.2f %10s %10s %8s" % (sys.argv[3], sys.argv[4], rate, step_ms,
                                                 mib, comm, share))
with open(sys.argv[6], "a") as log:
    log.write("%s %s %.6f %s\n" % (sys.argv[3], sys.argv[4], step_ms, nbytes))
PY
  done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The projection: not a measurement. Per machine, the measured step time
# of one rank on one thread (1x1: the figure other load on this shared
# machine distorts least) at a batch of 256 per machine (weak scaling: the
# global batch grows with N), and a ring allreduce of the gradients with no
# overlap and no latency term:
#   T_comm = 2 (N - 1) / N x bytes x 8 / bandwidth
#   efficiency = T_compute / (T_compute + T_comm)
python3 - "$work/log" <<'PY'
import sys
step, nbytes = {}, {}
for line in open(sys.argv[1]):
    model, config, ms, b = line.split()
    if config == "1x1":
        step[model] = float(ms)
    if b != "-":
        nbytes[model] = int(b)
print()
print("# projection (computed, not measured): weak scaling, 256 samples per machine per step,")
print("# compute time per step = the 1x1 step time above")
print("%-5s %10s %12s %6s %12s %12s %12s" % ("model", "compute_ms", "grad_bytes", "N",
                                           "comm_ms_10G", "eff_10G", "eff_25G"))
for model in sorted(step):
    for n in (2, 4, 8, 16):
        t = {}
        for gbps in (10, 25):
            t[gbps] = 2 * (n - 1) / n * nbytes[model] * 8 / (gbps * 1e9) * 1e3
        eff = {g: step[model] / (step[model] + t[g]) for g in t}
        print("%-5s %10.2f %12d %6d %12.2f %11.0f%% %11.0f%%" % (
            model, step[model], nbytes[model], n, t[10], 100 * eff[10], 100 * eff[25]))
PY
