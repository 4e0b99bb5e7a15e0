#!/bin/bash
# nabla export checked by onnx.checker and ONNX Runtime: mlp_leaky,
# mlp_prelu, deep_prelu (examples/mnist), all_ops.pbtxt (every exported
# dense op) and conv_ops.pbtxt (every conv-net op, on [N, 1, 28, 28] images,
# BatchNorm's running statistics included) are trained for five epochs
# (conv_ops: two) on mnist-digits, exported, checked with
# onnx.checker (full_check), run in ONNX Runtime (npm onnxruntime-node) on
# 1000 test images and compared with nabla's logits on the same inputs:
# max relative difference <= 1e-4 and the same predicted class for every
# image. Each export is then imported back: same logits (<= 1e-6) and the
# same `nabla eval` result.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/onnx/onnx_test_lib.sh"
require_setup digits ort onnx
images="$digits/t10k-images-idx3-ubyte.gz"

for model in examples/mnist/mlp_leaky.pbtxt examples/mnist/mlp_prelu.pbtxt \
    examples/mnist/deep_prelu.pbtxt tests/onnx/all_ops.pbtxt tests/onnx/conv_ops.pbtxt; do
  name=$(basename "$model" .pbtxt)
  epochs=5 sample=784
  if [[ $name == conv_ops ]]; then epochs=2 sample=1,28,28; fi
  run "$nabla" train "$root/$model" --data "$digits" --epochs $epochs --seed 1 --threads 1 \
    --save "$name.ckpt"
  [[ $rc == 0 ]] || fail "train $name"
  run "$nabla" export "$root/$model" --weights "$name.ckpt" -o "$name.onnx"
  [[ $rc == 0 && -s "$name.onnx" ]] || fail "export $name"
  expect_contains "$(cat stdout)" "wrote $name.onnx" "export $name stdout"
  check_onnx "$name.onnx"

  "$logits_tool" "$root/$model" "$name.ckpt" "$images" 1000 "$name.in" "$name.nabla" >/dev/null ||
    fail "nabla_logits $name"
  "$node_bin" "$here/ort_run.js" "$name.onnx" "$name.in" 1000,$sample "$name.ort" || fail "ONNX Runtime on $name"
  "$py" "$here/compare_logits.py" "$name: ONNX Runtime vs nabla" "$name.nabla" "$name.ort" 10 1e-4 ||
    fail "$name: ONNX Runtime's logits differ from nabla's"
  # The batch dim is dynamic: one image runs too.
  "$logits_tool" "$root/$model" "$name.ckpt" "$images" 1 one.in one.nabla >/dev/null ||
    fail "nabla_logits $name, one image"
  "$node_bin" "$here/ort_run.js" "$name.onnx" one.in 1,$sample one.ort >/dev/null ||
    fail "ONNX Runtime on $name, batch 1"
  "$py" "$here/compare_logits.py" "$name: batch of 1" one.nabla one.ort 10 1e-4 ||
    fail "$name: ONNX Runtime's logits for a batch of 1 differ from nabla's"

  run "$nabla" import "$name.onnx" -o "$name.back.pbtxt" --weights "$name.back.ckpt"
  [[ $rc == 0 ]] || fail "import of the exported $name"
  "$logits_tool" "$name.back.pbtxt" "$name.back.ckpt" "$images" 1000 "$name.in" "$name.back" \
    >/dev/null || fail "nabla_logits on the imported $name"
  "$py" "$here/compare_logits.py" "$name: export -> import round trip" "$name.nabla" "$name.back" \
    10 1e-6 || fail "$name: the round trip changed the logits"
  "$nabla" eval "$root/$model" --weights "$name.ckpt" --data "$digits" --json >eval.json ||
    fail "eval $name"
  "$nabla" eval "$name.back.pbtxt" --weights "$name.back.ckpt" --data "$digits" --json >eval.back.json ||
    fail "eval of the imported $name"
  cmp -s eval.json eval.back.json ||
    fail "$name: eval $(cat eval.json), after the round trip $(cat eval.back.json)"
  pass "$name: exported, checked, run in ONNX Runtime, imported back: $(cat eval.json)"
done
