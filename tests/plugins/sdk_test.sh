#!/bin/bash
# Builds a plugin exactly as plugins/README.md tells a user to: the myop.cc
# printed there, compiled by the g++ command printed there, outside Bazel,
# against //plugins:sdk alone (only the public headers). Then loads it into
# a statically linked nabla program, applies the op and gradient-checks it.
set -euo pipefail

root="$TEST_SRCDIR/$TEST_WORKSPACE"
readme="$root/plugins/README.md"
export NABLA_INCLUDE="$root/plugins/sdk/include"
work="$TEST_TMPDIR/sdk"
mkdir -p "$work"
cd "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The source: the ```cpp block after the "<!-- myop.cc -->" marker.
awk '/^<!-- myop.cc -->$/ { marked = 1; next }
     marked && /^```cpp$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$readme" >myop.cc
[[ -s myop.cc ]] || fail "no myop.cc block in README.md"

# The command: the README's only line starting with "g++ -std=c++17".
[[ $(grep -c '^g++ -std=c++17 ' "$readme") == 1 ]] || fail "expected one g++ command in README.md"
command=$(grep '^g++ -std=c++17 ' "$readme")
echo "+ $command"
eval "$command" || fail "the README's command did not build myop.cc"
[[ -f libmyop.so ]] || fail "the README's command did not produce libmyop.so"

# The plugin carries no nabla of its own: the registry comes from the host.
if nm -D --defined-only libmyop.so | grep -q 'OpRegistry'; then
  fail "libmyop.so defines registry symbols"
fi
nm -D --undefined-only libmyop.so | grep -q '_ZN5nabla8OpSchema' ||
  fail "libmyop.so does not leave OpSchema to the host"

output=$("$root/tests/plugins/apply_plugin_op" "$work/libmyop.so" Square 1 -2 3)
echo "$output"
grep -qx "origin: plugin $work/libmyop.so" <<<"$output" || fail "wrong origin"
grep -qx "output: 1 4 9" <<<"$output" || fail "wrong output"
grep -qx "gradient check: ok" <<<"$output" || fail "gradient check"

# A program that does not export nabla's symbols cannot load it, and says
# how to fix that.
if "$root/tests/plugins/apply_plugin_op_without_rdynamic" "$work/libmyop.so" Square 1 \
    >/dev/null 2>without_rdynamic.err; then
  fail "a program without -rdynamic loaded the plugin"
fi
cat without_rdynamic.err
grep -q "which this program does not export" without_rdynamic.err || fail "no undefined-symbol diagnosis"
grep -q "Link the program with -rdynamic" without_rdynamic.err || fail "no -rdynamic hint"

# NABLA_REGISTER_OP in a plugin is a compile error with an explanation.
sed 's|^NABLA_PLUGIN(RegisterOps)$|NABLA_REGISTER_OP(nabla::OpSchema("Static"));|' myop.cc >static.cc
grep -q '^NABLA_REGISTER_OP' static.cc || fail "could not make static.cc"
if eval "${command//myop/static}" 2>static.err; then
  fail "a plugin using NABLA_REGISTER_OP compiled"
fi
grep -q "NABLA_REGISTER_OP cannot be used in a plugin" static.err ||
  fail "unexpected compiler error: $(cat static.err)"

echo "PASS"
