#!/bin/bash
# Installs nabla into a temporary prefix with the installer README.md
# documents, then uses it as a user outside this repository would:
#   - the layout, the SONAME and the versions agree (graph/version.h,
#     nabla --version, pkg-config, the CMake package);
#   - every installed header compiles with pkg-config's flags alone;
#   - a one-file program built with g++ $(pkg-config --cflags --libs nabla)
#     finds the built-in ops with no linker flag, and loads a plugin;
#   - the plugin of plugins/README.md, built against the installed headers,
#     loads into the installed nabla and into that program;
#   - examples/cmake_consumer (find_package(nabla), nabla::nabla) trains the
#     course network on mnist-digits for 2 epochs exactly as `nabla train`
#     does, saves, and a fresh process reloads and evaluates it.
# Needs tools/setup.sh: cmake, pkg-config, the mnist-digits data set.
set -euo pipefail

root="$TEST_SRCDIR/$TEST_WORKSPACE"
work="$TEST_TMPDIR/install"
prefix="$work/prefix"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
digits="${NABLA_DATA_HOME:-/var/lib/nabla/data}/mnist-digits"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() {
  echo "=== $* ($SECONDS s)"
}
for tool in cmake pkg-config g++ readelf; do
  command -v "$tool" >/dev/null || fail "$tool not found: run tools/setup.sh"
done
[[ -f "$digits/train-images-idx3-ubyte.gz" ]] || fail "no mnist-digits at $digits: run tools/setup.sh"

step "installer usage errors"
status=0
"$root/install/install" >usage.out 2>usage.err || status=$?
[[ $status == 2 ]] || fail "install without --prefix: exit $status, expected 2"
grep -q -- "--prefix DIR is required" usage.err || fail "install without --prefix: $(cat usage.err)"
status=0
"$root/install/install" --prefix "$prefix" --bogus >usage.out 2>usage.err || status=$?
[[ $status == 2 ]] || fail "install --bogus: exit $status, expected 2"
grep -q "unknown argument '--bogus'" usage.err || fail "install --bogus: $(cat usage.err)"
status=0
"$root/install/install" --prefix "$work/with space" >usage.out 2>usage.err || status=$?
[[ $status == 2 ]] || fail "install --prefix 'with space': exit $status, expected 2"
grep -q "a prefix with spaces" usage.err || fail "install --prefix 'with space': $(cat usage.err)"
[[ ! -e "$prefix" && ! -e "$work/with space" ]] || fail "a refused install wrote a prefix"

step "install into $prefix"
"$root/install/install" --prefix "$prefix"

version=$(sed -n 's/^#define NABLA_VERSION "\(.*\)"$/\1/p' "$root/graph/version.h")
[[ -n "$version" ]] || fail "no NABLA_VERSION in graph/version.h"
[[ "$("$prefix/bin/nabla" --version | head -n1)" == "nabla $version" ]] ||
  fail "installed nabla --version: $("$prefix/bin/nabla" --version)"
[[ -f "$prefix/lib/libnabla.so.$version" ]] || fail "no lib/libnabla.so.$version"
[[ "$(readlink "$prefix/lib/libnabla.so")" == "libnabla.so.$version" ]] ||
  fail "lib/libnabla.so does not point at libnabla.so.$version"
soname=$(readelf -d "$prefix/lib/libnabla.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[[ "$soname" == "libnabla.so.$version" ]] || fail "SONAME '$soname', expected libnabla.so.$version"
# Self-contained: the library was linked with --no-undefined; nothing of
# nabla's own is left for the program to supply.
if nm -D --undefined-only "$prefix/lib/libnabla.so" | grep -q '_ZN5nabla'; then
  fail "libnabla.so leaves nabla symbols undefined"
fi
[[ -f "$prefix/include/nabla/proto/model.pb.h" ]] || fail "generated proto headers not installed"
[[ -f "$prefix/include/nabla/plugins/plugin_api.h" ]] || fail "plugins/plugin_api.h not installed"
while IFS= read -r file; do
  [[ -e "$file" || -L "$file" ]] || fail "install_manifest.txt lists missing $file"
done <"$prefix/share/nabla/install_manifest.txt"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[[ "$(pkg-config --modversion nabla)" == "$version" ]] || fail "pkg-config --modversion nabla"
read -r -a cflags <<<"$(pkg-config --cflags nabla)"
read -r -a libs <<<"$(pkg-config --libs nabla)"

step "every installed header compiles with pkg-config's flags"
(cd "$prefix/include/nabla" && find . -name '*.h' | sed 's|^\./|#include "|; s|$|"|' | sort) \
  >all_headers.cc
[[ $(wc -l <all_headers.cc) -ge 30 ]] || fail "only $(wc -l <all_headers.cc) headers installed"
g++ -fsyntax-only "${cflags[@]}" all_headers.cc || fail "the installed headers do not compile"

step "a one-file program: g++ one_file.cc \$(pkg-config --cflags --libs nabla)"
g++ -O1 "${cflags[@]}" "$root/tests/install/one_file.cc" -o one_file "${libs[@]}"
readelf -d one_file | grep -q "NEEDED.*\[libnabla.so.$version\]" ||
  fail "one_file does not record libnabla.so.$version"
./one_file >one_file.out
cat one_file.out
builtin=$("$prefix/bin/nabla" ops | grep -c '^[A-Za-z0-9]*  \[built-in')
((builtin >= 20)) || fail "the installed nabla lists only $builtin built-in ops"
grep -qx "built-in ops: $builtin" one_file.out ||
  fail "the program sees other built-in ops than nabla ops ($builtin)"
grep -qx "LeakyReLU: -0.2 0.5 4" one_file.out || fail "LeakyReLU gave the wrong values"

step "the plugin of plugins/README.md, against the installed headers"
awk '/^<!-- myop.cc -->$/ { marked = 1; next }
     marked && /^```cpp$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$root/plugins/README.md" >myop.cc
[[ -s myop.cc ]] || fail "no myop.cc block in plugins/README.md"
g++ -O2 -shared -fPIC "${cflags[@]}" myop.cc -o libmyop.so
"$prefix/bin/nabla" ops --plugin "$work/libmyop.so" >ops.out
grep -qx "Square  \[plugin $work/libmyop.so\]" ops.out || fail "the installed nabla did not load it"
./one_file "$work/libmyop.so" Square >plugin.out
cat plugin.out
grep -qx "origin: plugin $work/libmyop.so" plugin.out || fail "wrong origin in the program"
grep -qx "Square: 1 4 9" plugin.out || fail "the plugin's op gave the wrong values"

step "examples/cmake_consumer with find_package(nabla)"
cmake -S "$root/examples/cmake_consumer" -B consumer -DCMAKE_PREFIX_PATH="$prefix" \
  >cmake.log 2>&1 || { cat cmake.log; fail "cmake could not configure the consumer"; }
cmake --build consumer >build.log 2>&1 || { cat build.log; fail "the consumer did not build"; }
readelf -d consumer/mnist_consumer | grep -q "NEEDED.*\[libnabla.so.$version\]" ||
  fail "mnist_consumer does not record libnabla.so.$version"
# find_package(nabla X.Y) accepts X.Y.*, and refuses a version the
# package does not provide at configure time.
for request in "${version%.*}" 9.9; do
  mkdir -p "version_$request"
  sed "s/find_package(nabla REQUIRED)/find_package(nabla $request REQUIRED)/" \
    "$root/examples/cmake_consumer/CMakeLists.txt" >"version_$request/CMakeLists.txt"
  grep -q "find_package(nabla $request REQUIRED)" "version_$request/CMakeLists.txt" ||
    fail "could not make the project asking for $request"
  cp "$root/examples/cmake_consumer/mnist_consumer.cc" "version_$request/"
  status=0
  cmake -S "version_$request" -B "version_$request/build" -DCMAKE_PREFIX_PATH="$prefix" \
    >"version_$request.log" 2>&1 || status=$?
  if [[ "$request" == 9.9 ]]; then
    ((status != 0)) || fail "find_package(nabla 9.9) accepted nabla $version"
  else
    ((status == 0)) || { cat "version_$request.log"; fail "find_package(nabla $request) refused $version"; }
  fi
done

NABLA_NUM_THREADS=1 consumer/mnist_consumer train --data mnist-digits --epochs 2 --save "$work/mlp.ckpt" \
  >train.out
cat train.out
[[ -s "$work/mlp.ckpt" ]] || fail "no checkpoint"
consumer/mnist_consumer eval --data mnist-digits --weights "$work/mlp.ckpt" >eval.out
cat eval.out
# The same network, seed, optimiser and batches as `nabla train` on
# mlp_leaky.pbtxt: the same losses, and the same test accuracy.
"$prefix/bin/nabla" train "$root/examples/mnist/mlp_leaky.pbtxt" --data mnist-digits \
  --epochs 2 --threads 1 --eval-test >cli.out 2>&1
cat cli.out
for epoch in 1 2; do
  ours=$(sed -n "s/^epoch $epoch  train loss \([0-9.]*\) .*/\1/p" train.out)
  theirs=$(sed -n "s|^epoch $epoch/2  train_loss \([0-9.]*\) .*|\1|p" cli.out)
  [[ -n "$ours" && "$ours" == "$theirs" ]] ||
    fail "epoch $epoch: train loss '$ours' in the consumer, '$theirs' in nabla train"
done
ours=$(sed -n 's/^test accuracy \(0\.[0-9]*\) .*/\1/p' eval.out)
theirs=$(sed -n 's|^epoch 2/2 .* test_acc \([0-9.]*\)%.*|\1|p' cli.out)
[[ -n "$ours" && -n "$theirs" ]] || fail "no test accuracy to compare"
awk -v a="$ours" -v b="$theirs" 'BEGIN { exit !(sprintf("%.2f", a * 100) == sprintf("%.2f", b)) }' ||
  fail "test accuracy $ours after reloading, nabla train's $theirs%"
# The reload is strict: a checkpoint of another network is refused.
"$prefix/bin/nabla" train "$root/examples/mnist/mlp_leaky.pbtxt" --data mnist-digits \
  --epochs 1 --threads 1 --save "$work/other.ckpt" >/dev/null 2>&1
status=0
consumer/mnist_consumer eval --data mnist-digits --weights "$work/other.ckpt" >/dev/null \
  2>other.err || status=$?
[[ $status == 3 ]] || fail "eval of another network's checkpoint: exit $status, expected 3"
grep -q "not a checkpoint of the course network" other.err || fail "$(cat other.err)"

step "uninstall"
"$root/install/install" --prefix "$prefix" --uninstall
left=$(find "$prefix" ! -type d)
[[ -z "$left" ]] || fail "--uninstall left: $left"
[[ ! -e "$prefix/include/nabla" ]] || fail "--uninstall left include/nabla/"
status=0
"$root/install/install" --prefix "$prefix" --uninstall >usage.out 2>usage.err || status=$?
[[ $status == 1 ]] || fail "a second --uninstall: exit $status, expected 1"
grep -q "no nabla is installed under" usage.err || fail "a second --uninstall: $(cat usage.err)"

echo "PASS ($SECONDS s)"
