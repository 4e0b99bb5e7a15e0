#!/usr/bin/env bash
# The main job: train the course network (examples/mnist/mlp_leaky.pbtxt)
# on the mnist-digits data set, save the checkpoint, reload it in a fresh
# process and evaluate it, then print the layout and the test accuracy.
#
#   bash tools/main_job.sh [--epochs N] [--data NAME_OR_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

epochs=20
data=mnist-digits
while (($#)); do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    *) echo "usage: bash tools/main_job.sh [--epochs N] [--data NAME_OR_DIR]" >&2; exit 2 ;;
  esac
done

bazel build //tools:nabla 2>&1 | grep -v '^INFO:' | grep -v '^Loading:' || true
nabla=bazel-bin/tools/nabla
model=examples/mnist/mlp_leaky.pbtxt
out=out/main_job
mkdir -p "$out"

echo "== train: $model on $data, $epochs epochs, SGD lr 0.01 momentum 0.9 batch 256"
"$nabla" train "$model" --data "$data" --epochs "$epochs" --seed 0 \
  --save "$out/mlp_leaky.ckpt" --metrics "$out/metrics.csv"

echo
echo "== reload $out/mlp_leaky.ckpt in a fresh process and evaluate"
"$nabla" eval "$model" --weights "$out/mlp_leaky.ckpt" --data "$data"
# The official MNIST test set is used for evaluation only, when present.
if [[ -d ../shared/data/mnist ]]; then
  "$nabla" eval "$model" --weights "$out/mlp_leaky.ckpt" --data ../shared/data/mnist
fi

echo
echo "== layout"
"$nabla" describe "$model"
