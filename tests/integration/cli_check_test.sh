#!/bin/bash
# nabla check MODEL [--json] [--set ...]: a valid graph file (text and
# binary) is "MODEL: OK (N nodes)" with exit 0; a bad one prints every
# problem, exactly the lines `describe` reports, and exits 3; --json is
# one valid JSON object whose problems carry kind, line, node, attribute
# and input; --set problems are reported too; nothing is written.
# The first argument is the bad-graph corpus relative to the runfiles root.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

corpus="${1:?usage: cli_check_test.sh CORPUS_DIR}"
good=examples/mnist/mlp_leaky.pbtxt
mkdir out
cd "$root"  # so messages name the files by their short path
before=$(cat "$good" "$corpus"/*.pbtxt | sha1sum)
listing=$(ls -A "$corpus" "$(dirname "$good")")

# check_json FILE.json PYTHON: loads FILE.json as `report` and runs the
# assertions in PYTHON.
check_json() {
  python3 - "$1" "$2" <<'EOF' || fail "JSON report $1: $(head -c 2000 "$1")"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
assert set(report) == {"file", "ok", "nodes", "problems"}, report.keys()
for p in report["problems"]:
    assert set(p) == {"kind", "file", "line", "column", "node", "node_index", "attribute",
                      "input", "input_index", "message"}, p.keys()
exec(sys.argv[2])
EOF
}

# A valid file, text and binary.
run "$nabla" check "$good"
[[ $rc == 0 ]] || fail "check $good: exit $rc"
[[ "$(cat "$work/stdout")" == "$good: OK (6 nodes)" ]] || fail "check $good: $(cat "$work/stdout")"
[[ ! -s "$work/stderr" ]] || fail "check $good wrote to stderr"
"$nabla" convert "$good" "$work/out/leaky.pb" >/dev/null || fail "convert to .pb"
run "$nabla" check "$work/out/leaky.pb"
[[ $rc == 0 && "$(cat "$work/stdout")" == "$work/out/leaky.pb: OK (6 nodes)" ]] ||
  fail "check leaky.pb: exit $rc: $(cat "$work/stdout")"
rm "$work/out/leaky.pb"
run "$nabla" check "$good" --json
[[ $rc == 0 ]] || fail "check --json $good: exit $rc"
cp "$work/stdout" "$work/good.json"
check_json "$work/good.json" '
assert report == {"file": "'"$good"'", "ok": True, "nodes": 6, "problems": []}, report'
pass "a valid graph file is OK, text, binary and JSON"

# Every corpus file: the text report is describe's message, line for line.
count=0
for path in "$corpus"/*.pbtxt; do
  run "$nabla" describe "$path"
  expected=$(sed '1s/^nabla describe: error: //' "$work/stderr")
  run "$nabla" check "$path"
  [[ $rc == 3 ]] || fail "check $path: exit $rc, expected 3"
  [[ "$(cat "$work/stdout")" == "$expected" ]] ||
    fail "check $path: $(cat "$work/stdout") -- describe says: $expected"
  [[ ! -s "$work/stderr" ]] || fail "check $path wrote to stderr"
  run "$nabla" check "$path" --json
  [[ $rc == 3 ]] || fail "check --json $path: exit $rc, expected 3"
  cp "$work/stdout" "$work/report.json"
  check_json "$work/report.json" 'assert not report["ok"] and report["problems"], report'
  count=$((count + 1))
done
pass "$count bad graph files: check prints describe's lines and exits 3"

# The fields of the mistakes users make most.
run "$nabla" check "$corpus/unknown_op.pbtxt" --json
cp "$work/stdout" "$work/unknown_op.json"
check_json "$work/unknown_op.json" '
[p] = report["problems"]
assert (p["kind"], p["line"], p["node"], p["node_index"]) == ("unknown_op", 9, "fc1", 0), p
assert p["message"].startswith("node '"'"'fc1'"'"': op '"'"'Linaer'"'"' is not registered"), p'
run "$nabla" check "$corpus/mistyped_attr.pbtxt" --json
cp "$work/stdout" "$work/mistyped_attr.json"
check_json "$work/mistyped_attr.json" '
[p] = report["problems"]
assert (p["kind"], p["line"], p["node"], p["attribute"]) == ("bad_attribute", 18, "act1", "slope"), p'
run "$nabla" check "$corpus/dangling_input.pbtxt" --json
cp "$work/stdout" "$work/dangling_input.json"
check_json "$work/dangling_input.json" '
[p] = report["problems"]
assert (p["kind"], p["line"], p["node"], p["input"], p["input_index"]) == \
    ("unknown_input", 17, "fc2", "fc9", 0), p
assert p["attribute"] is None and p["file"] == report["file"], p'
run "$nabla" check "$corpus/cycle.pbtxt" --json
cp "$work/stdout" "$work/cycle.json"
check_json "$work/cycle.json" '
[p] = report["problems"]
assert (p["kind"], p["line"], p["node"], p["input"]) == ("cycle", 17, "act1", "fc2"), p
assert p["message"].endswith("cycle act1 -> fc2 -> act1"), p'
run "$nabla" check "$corpus/three_problems.pbtxt" --json
cp "$work/stdout" "$work/three.json"
check_json "$work/three.json" '
kinds = [p["kind"] for p in report["problems"]]
assert kinds == ["unknown_attribute", "unknown_input", "output"], kinds
assert report["nodes"] == 4, report'
pass "unknown op, bad attribute, unknown input, cycle: kind, line, node, attribute, input"

# --set: overrides that do not apply come first, with no file; an override
# that breaks the graph is located in it; a good one makes a bad file valid.
run "$nabla" check "$good" --set act1.slop=0.2 --set fc2.in_features=0
[[ $rc == 3 ]] || fail "check with bad --set: exit $rc"
[[ "$(sed -n 1p "$work/stdout")" == "override 'act1.slop=0.2': op LeakyReLU has no attribute 'slop' (it has: slope)" ]] ||
  fail "check --set: $(cat "$work/stdout")"
expect_contains "$(sed -n 2p "$work/stdout")" \
  "$good:" "check --set, the second line"
expect_contains "$(sed -n 2p "$work/stdout")" \
  "node 'fc2' (Linear): attribute 'in_features': expected a value > 0, found 0 (set by override 'fc2.in_features=0')" \
  "check --set, the second line"
run "$nabla" check "$good" --set act1.slop=0.2 --json
cp "$work/stdout" "$work/override.json"
check_json "$work/override.json" '
[p] = report["problems"]
assert (p["kind"], p["file"], p["line"], p["node"], p["attribute"]) == \
    ("override", None, None, "act1", "slop"), p'
run "$nabla" check "$corpus/attr_constraint.pbtxt" --set fc1.out_features=3
[[ $rc == 0 ]] || fail "check attr_constraint.pbtxt --set fc1.out_features=3: exit $rc: $(cat "$work/stdout")"
pass "--set problems are reported; --set can make a file valid"

# Names that are not UTF-8 still give valid JSON (the bytes as \xNN).
printf 'format_version: 1\ninputs { name: "image" shape { dims: -1 dims: 4 } }\nnodes { name: "fc\xff" op: "ReLU" inputs: "image" }\noutputs: "fc\xff"\n' \
  >"$work/latin1.pbtxt"
run "$nabla" check "$work/latin1.pbtxt" --json
[[ $rc == 3 ]] || fail "check latin1.pbtxt: exit $rc"
cp "$work/stdout" "$work/latin1.json"
check_json "$work/latin1.json" '
nodes = [p["node"] for p in report["problems"] if p["node"] is not None]
assert nodes and all(n == "fc\\xff" for n in nodes), nodes
assert any(p["kind"] == "encoding" for p in report["problems"]), report'
rm "$work/latin1.pbtxt"
pass "non-UTF-8 names are escaped in JSON"

# Files that cannot be read and bad command lines are errors, as elsewhere.
expect_failure 3 "nabla check: error: $work/out/none.pbtxt: no such file" \
  "$nabla" check "$work/out/none.pbtxt"
expect_failure 2 "nabla check: missing model" "$nabla" check
expect_failure 2 "nabla check: " "$nabla" check "$good" --jsn

# Nothing was written: the graph files and their directories are
# unchanged, and a check run from an empty directory leaves it empty.
(cd "$work/out" && "$nabla" check "$root/$good" >/dev/null && "$nabla" check --json \
  "$root/$corpus/three_problems.pbtxt" >/dev/null) || [[ $? == 3 ]] || fail "check from out/"
[[ "$(cat "$good" "$corpus"/*.pbtxt | sha1sum)" == "$before" ]] || fail "check changed a graph file"
[[ "$(ls -A "$corpus" "$(dirname "$good")")" == "$listing" ]] || fail "check left a file beside a graph"
expect_empty_dir "$work/out"
pass "check writes nothing"
echo PASS
