#!/usr/bin/env bash
# Installs nabla under a prefix (README.md, "Installing"):
#
#   bazel run //:install -- --prefix /usr/local
#
#   PREFIX/bin/nabla                        the command line
#   PREFIX/lib/libnabla.so.VERSION          graph, ops, backends, train, data,
#   PREFIX/lib/libnabla.so -> ...           onnx and the plugin loader
#   PREFIX/include/nabla/...                the public headers (graph/tensor.h,
#                                           proto/model.pb.h, plugins/plugin_api.h, ...)
#   PREFIX/lib/pkgconfig/nabla.pc           pkg-config --cflags --libs nabla
#   PREFIX/lib/cmake/nabla/                 find_package(nabla) -> nabla::nabla
#   PREFIX/share/nabla/install_manifest.txt every file installed
#
#   bazel run //:install -- --prefix /usr/local --uninstall
#
# removes those files again, and the directories named nabla.
#
# VERSION is NABLA_VERSION (graph/version.h), the version a plugin must be
# built against: the SONAME names it, so a program linked with one version
# never loads another. A relative PREFIX is taken from the directory
# `bazel run` was started in. include/nabla/ is replaced as a whole, so no
# header of an earlier install lingers.
set -euo pipefail

usage() {
  echo "usage: bazel run //:install -- --prefix DIR [--uninstall]"
}

prefix=""
uninstall=0
while (($#)); do
  case "$1" in
    --prefix)
      (($# >= 2)) || { echo "install: --prefix needs a directory" >&2; usage >&2; exit 2; }
      prefix="$2"
      shift 2
      ;;
    --prefix=*)
      prefix="${1#--prefix=}"
      shift
      ;;
    --uninstall)
      uninstall=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "install: unknown argument '$1'" >&2
      usage >&2
      exit 2
      ;;
  esac
done
if [[ -z "$prefix" ]]; then
  echo "install: --prefix DIR is required (e.g. --prefix /usr/local)" >&2
  usage >&2
  exit 2
fi
# pkg-config splits its flags at spaces, and the prefix is substituted
# into the templates with sed.
if [[ "$prefix" =~ [[:space:]\|\&\\] ]]; then
  echo "install: --prefix '$prefix': a prefix with spaces or any of | & \\ is not supported" >&2
  exit 2
fi
if [[ "$prefix" != /* ]]; then
  prefix="${BUILD_WORKING_DIRECTORY:-$PWD}/$prefix"
fi

fail() {
  echo "install: $*" >&2
  exit 1
}

# The dynamic linker finds libraries in the standard directories through
# its cache; elsewhere nabla.pc and the CMake package add an RPATH.
refresh_linker_cache() {
  if [[ "$prefix" == /usr/local || "$prefix" == /usr ]] && [[ "$(id -u)" == 0 ]]; then
    ldconfig
  fi
}

if ((uninstall)); then
  [[ -d "$prefix" ]] || fail "no nabla is installed under $prefix: no such directory"
  prefix=$(cd "$prefix" && pwd -P)  # as the install wrote it
  list="$prefix/share/nabla/install_manifest.txt"
  [[ -f "$list" ]] || fail "no nabla is installed under $prefix: $list is missing"
  # Only files under the prefix, checked before anything is removed.
  while IFS= read -r file; do
    [[ "$file" == "$prefix"/* && "$file" != *..* ]] ||
      fail "$list lists '$file', which is not under $prefix; nothing removed"
  done <"$list"
  removed=0
  while IFS= read -r file; do
    if [[ -e "$file" || -L "$file" ]]; then
      rm -f "$file" || fail "cannot remove $file"
      removed=$((removed + 1))
    fi
  done <"$list"
  rm -rf "$prefix/include/nabla"
  for dir in lib/cmake/nabla share/nabla; do
    [[ ! -d "$prefix/$dir" ]] || rmdir "$prefix/$dir" || fail "$prefix/$dir is not empty"
  done
  refresh_linker_cache
  echo "removed nabla from $prefix ($removed files and include/nabla/)"
  exit 0
fi

# The files come from this binary's runfiles (`bazel run`), or from the
# runfiles of a test that has it as data.
if [[ -d "$0.runfiles/nabla" ]]; then
  root="$0.runfiles/nabla"
elif [[ -n "${RUNFILES_DIR:-}" && -d "$RUNFILES_DIR/nabla" ]]; then
  root="$RUNFILES_DIR/nabla"
elif [[ -n "${TEST_SRCDIR:-}" && -d "$TEST_SRCDIR/nabla" ]]; then
  root="$TEST_SRCDIR/nabla"
else
  echo "install: cannot find the files to install (no runfiles next to $0);" \
    "run it with: bazel run //:install -- --prefix DIR" >&2
  exit 1
fi

version=$(sed -n 's/^#define NABLA_VERSION "\(.*\)"$/\1/p' "$root/graph/version.h")
[[ -n "$version" ]] || fail "no NABLA_VERSION in $root/graph/version.h"
soname=$(readelf -d "$root/install/libnabla.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
[[ "$soname" == "libnabla.so.$version" ]] ||
  fail "libnabla.so has SONAME '$soname', expected 'libnabla.so.$version' (graph/version.h)"
# nabla --version: "nabla 0.1.0" then "plugin ABI 2, compiler gcc 12.2 ...".
cli_version=$("$root/tools/nabla" --version)
[[ "$(head -n1 <<<"$cli_version")" == "nabla $version" ]] ||
  fail "tools/nabla --version says '$(head -n1 <<<"$cli_version")', graph/version.h 'nabla $version'"
compiler=$(sed -n 's/^plugin ABI [0-9]*, compiler //p' <<<"$cli_version")
[[ -n "$compiler" ]] || fail "tools/nabla --version names no compiler"

mkdir -p "$prefix" || fail "cannot create $prefix"
prefix=$(cd "$prefix" && pwd -P)
manifest=()
put() {  # put MODE SOURCE DEST
  install -D -m "$1" "$2" "$3" || fail "cannot write $3"
  manifest+=("$3")
}
render() {  # render TEMPLATE DEST
  local tmp
  tmp=$(mktemp)
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@COMPILER@|$compiler|g" \
    "$1" >"$tmp"
  put 644 "$tmp" "$2"
  rm -f "$tmp"
}

put 755 "$root/tools/nabla" "$prefix/bin/nabla"
put 755 "$root/install/libnabla.so" "$prefix/lib/$soname"
ln -sfn "$soname" "$prefix/lib/libnabla.so"
manifest+=("$prefix/lib/libnabla.so")

rm -rf "$prefix/include/nabla"
headers=0
while IFS= read -r header; do
  put 644 "$root/$header" "$prefix/include/nabla/$header"
  headers=$((headers + 1))
done <"$root/install/headers.manifest"
((headers > 0)) || fail "install/headers.manifest lists no headers"

render "$root/install/nabla.pc.in" "$prefix/lib/pkgconfig/nabla.pc"
render "$root/install/nablaConfig.cmake.in" "$prefix/lib/cmake/nabla/nablaConfig.cmake"
render "$root/install/nablaConfigVersion.cmake.in" \
  "$prefix/lib/cmake/nabla/nablaConfigVersion.cmake"

mkdir -p "$prefix/share/nabla"
printf '%s\n' "${manifest[@]}" "$prefix/share/nabla/install_manifest.txt" \
  >"$prefix/share/nabla/install_manifest.txt"

refresh_linker_cache

echo "installed nabla $version under $prefix:"
echo "  $prefix/bin/nabla"
echo "  $prefix/lib/$soname (and libnabla.so)"
echo "  $prefix/include/nabla/ ($headers headers)"
echo "  $prefix/lib/pkgconfig/nabla.pc"
echo "  $prefix/lib/cmake/nabla/nablaConfig.cmake"
case ":${PKG_CONFIG_PATH:-}:" in
  *":$prefix/lib/pkgconfig:"*) ;;
  *) [[ "$prefix" == /usr || "$prefix" == /usr/local ]] ||
    echo "pkg-config: export PKG_CONFIG_PATH=$prefix/lib/pkgconfig; CMake: -DCMAKE_PREFIX_PATH=$prefix" ;;
esac
