#!/bin/bash
# nabla import of models exported by PyTorch (Debian's python3-torch):
# torch_models.py trains an MLP, a small model using every importable dense
# op family and a conv net with BatchNorm (running statistics included) for
# one epoch on mnist-digits and exports each with
# torch.onnx.export at opsets 11 to 17. Each is imported and on the same
# images nabla's logits match PyTorch's (max relative difference <= 1e-4,
# same classes); at opsets 13 and 17 `nabla eval` also reports PyTorch's
# test accuracy and loss, and the imported model fine-tunes with
# `nabla train --resume` and exports again. A model with ops nabla lacks gets one error listing them, and
# nothing is written.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/onnx/onnx_test_lib.sh"
require_setup digits onnx torch
images="$digits/t10k-images-idx3-ubyte.gz"

"$py" "$here/torch_models.py" "$digits" . 2>torch.log || { cat torch.log >&2; fail "torch_models.py"; }

for name in mlp small conv; do
  for opset in 11 12 13 14 15 16 17; do
    model="${name}_opset${opset}"
    run "$nabla" import "$model.onnx" -o "$model.pbtxt" --weights "$model.ckpt"
    [[ $rc == 0 ]] || fail "import $model"
    expect_contains "$(cat stdout)" "wrote $model.pbtxt" "import $model stdout"
    "$logits_tool" "$model.pbtxt" "$model.ckpt" "$images" 500 in.bin "$model.nabla" >/dev/null ||
      fail "nabla_logits $model"
    "$py" "$here/compare_logits.py" "$model: nabla vs PyTorch" "$name.logits" "$model.nabla" 10 1e-4 ||
      fail "$model: nabla's logits differ from PyTorch's"
    [[ $opset == 13 || $opset == 17 ]] || continue

    "$nabla" eval "$model.pbtxt" --weights "$model.ckpt" --data "$digits" --json >eval.json ||
      fail "eval $model"
    "$py" - eval.json "$name.json" <<'PYEOF' || fail "$model: nabla eval $(cat eval.json), PyTorch $(cat $name.json)"
import json, sys
nabla, torch = (json.load(open(p)) for p in sys.argv[1:])
assert nabla["samples"] == torch["samples"], (nabla, torch)
assert round(nabla["accuracy"], 6) == round(torch["accuracy"], 6), (nabla, torch)
assert abs(nabla["loss"] - torch["loss"]) <= 1e-4 * torch["loss"] + 1e-6, (nabla, torch)
print(f"ok: nabla eval {nabla['accuracy']:.4f} / {nabla['loss']:.6f}, "
      f"PyTorch {torch['accuracy']:.4f} / {torch['loss']:.6f}")
PYEOF

    run "$nabla" train "$model.pbtxt" --data "$digits" --resume "$model.ckpt" --epochs 1 \
      --threads 1 --save "$model.tuned.ckpt"
    [[ $rc == 0 ]] || fail "fine-tuning $model"
    expect_contains "$(cat stderr)" "resumed from $model.ckpt at epoch 0, step 0" "fine-tuning $model"
    run "$nabla" eval "$model.pbtxt" --weights "$model.tuned.ckpt" --data "$digits"
    [[ $rc == 0 ]] || fail "eval of the fine-tuned $model"
    tuned=$(cat stdout)
    run "$nabla" export "$model.pbtxt" --weights "$model.tuned.ckpt" -o "$model.tuned.onnx"
    [[ $rc == 0 ]] || fail "export of the fine-tuned $model"
    check_onnx "$model.tuned.onnx" >/dev/null
    pass "$model: imported, matches PyTorch, fine-tuned: $tuned"
  done
done

mkdir out
expect_failure 3 "unsupported.onnx: node '/Elu' (Elu): unsupported op Elu" \
  "$nabla" import unsupported.onnx -o out/u.pbtxt --weights out/u.ckpt
expect_contains "$(cat "$work/stderr")" "unsupported.onnx: node '/Softplus' (Softplus): unsupported op Softplus" \
  "the listing"
expect_contains "$(cat "$work/stderr")" "import supports the ONNX ops Add, AveragePool, BatchNormalization, Concat, Constant, Conv," "the listing"
expect_empty_dir out
pass "a model with Elu and Softplus: both listed, nothing written"
