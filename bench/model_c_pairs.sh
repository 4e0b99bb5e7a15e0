#!/bin/bash
# Model C training, nabla (C++ API) and PyTorch (OpenBLAS OpenMP) alternating,
# 2 repetitions, float32 and bf16, 1 and 2 threads, on 10240-image epochs;
# prints samples/s and mean loss per run (bench/RESULTS.md, "Model C").
# Needs bazel build //bench:nabla_bench and Debian python3-torch.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
lscpu | grep "Model name"
for rep in 1 2; do
 for prec in float32 bf16; do
  for t in 1 2; do
   n=$(OMP_NUM_THREADS=$t bazel-bin/bench/nabla_bench --model C --mode train --threads $t --precision $prec --samples 10240 --warmup 5 --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["samples_per_s"],1), round(d["final_loss"],4))')
   p=$(OMP_NUM_THREADS=$t LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_bench.py --model C --mode train --threads $t --precision $prec --samples 10240 --warmup 5 --blas openblas --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["samples_per_s"],1), round(d["final_loss"],4))')
   echo "rep $rep $prec threads $t nabla $n torch $p load $(cut -d' ' -f1 /proc/loadavg)"
  done
 done
done
