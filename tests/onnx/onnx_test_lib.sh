# Shared by tests/onnx/*_test.sh after tests/integration/cli_test_lib.sh:
# where the set-up made things these tests use, and the helpers here.
#   $py            Debian's python3 (python3-onnx, python3-torch, numpy)
#   $node_bin      Node.js (Debian's nodejs), which runs ONNX Runtime
#   $digits        the mnist-digits data set (tools/setup.sh)
#   $logits_tool   tests/onnx/nabla_logits
#   $here          tests/onnx in the runfiles
#   require_setup  fails, naming tools/setup.sh, when something is missing
#   check_onnx F.. onnx.checker.check_model(full_check=True) on each file
py=/usr/bin/python3
node_bin=$(command -v node || echo /usr/bin/node)
here="$root/tests/onnx"
digits="${NABLA_DATA_HOME:-/var/lib/nabla/data}/mnist-digits"
node_home="${NABLA_NODE_HOME:-/var/lib/nabla/node}"
logits_tool="$here/nabla_logits"
export NABLA_NODE_HOME="$node_home"

require_setup() {
  local what
  for what in "$@"; do
    case "$what" in
      digits) [[ -f "$digits/t10k-images-idx3-ubyte.gz" ]] ||
                fail "no mnist-digits at $digits: run tools/setup.sh" ;;
      ort) [[ -x "$node_bin" ]] || fail "no node (Node.js): run tools/setup.sh"
           [[ -f "$node_home/node_modules/onnxruntime-node/package.json" ]] ||
             fail "no onnxruntime-node under $node_home: run tools/setup.sh" ;;
      onnx) "$py" -c 'import onnx' 2>/dev/null || fail "$py has no onnx: run tools/setup.sh" ;;
      torch) "$py" -c 'import torch' 2>/dev/null || fail "$py has no torch: run tools/setup.sh" ;;
    esac
  done
}

check_onnx() {
  "$py" - "$@" <<'PYEOF' || fail "onnx.checker rejected one of: $*"
import sys
import onnx
for path in sys.argv[1:]:
  onnx.checker.check_model(onnx.load(path), full_check=True)
  print(f"ok: onnx.checker.check_model({path}, full_check=True)")
PYEOF
}
