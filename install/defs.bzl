"""Rules for the installable nabla: one shared library and its headers.

Why not cc_binary(linkshared = True): it links only the objects something
in the library refers to, and nothing refers to the static registration
objects of ops or to most of the API, so the library would come out all
but empty. nabla_shared_library links every object file of every nabla
library in its deps (--whole-archive over the PIC archives Bazel already
builds for the tests), so built-in ops register themselves when the
library is loaded and users need no linker flag.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

def _is_ours(label):
    return label.workspace_name == ""

def _shared_library_impl(ctx):
    archives = []
    seen = {}
    flags = []
    for dep in ctx.attr.deps:
        for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
            for flag in linker_input.user_link_flags:
                # -rdynamic (from //plugins:loader) is for executables.
                if flag not in flags and flag != "-rdynamic":
                    flags.append(flag)
            if not _is_ours(linker_input.owner):
                continue
            for library in linker_input.libraries:
                archive = library.pic_static_library
                if archive == None:
                    fail("%s has no PIC archive to put into libnabla.so" % linker_input.owner)
                if archive.path not in seen:
                    seen[archive.path] = True
                    archives.append(archive)

    cc_toolchain = find_cpp_toolchain(ctx)
    out = ctx.outputs.out
    version_h = ctx.file.version_header

    # The SONAME is read from graph/version.h when the library is linked,
    # so the version has one owner: libnabla.so.<NABLA_VERSION>, exactly the
    # version the plugin loader demands of a plugin.
    command = """
set -eu
version=$(sed -n 's/^#define NABLA_VERSION "\\(.*\\)"$/\\1/p' "$1")
if [ -z "$version" ]; then echo "no '#define NABLA_VERSION \\"...\\"' in $1" >&2; exit 1; fi
out="$2"; compiler="$3"; shift 3
exec "$compiler" -shared -o "$out" -Wl,-soname,libnabla.so."$version" -Wl,--no-undefined "$@"
"""
    args = ctx.actions.args()
    args.add(version_h)
    args.add(out)
    args.add(cc_toolchain.compiler_executable)
    args.add("-Wl,--whole-archive")
    args.add_all(archives)
    args.add("-Wl,--no-whole-archive")
    # --linkopt from .bazelrc (-fopenmp) and the command line.
    args.add_all(ctx.fragments.cpp.linkopts)
    args.add_all(ctx.attr.linkopts)
    args.add_all(flags)
    # The toolchain's compiler is gcc, which links no C++ runtime by itself.
    args.add_all(["-lstdc++", "-lm"])
    ctx.actions.run_shell(
        command = command,
        arguments = [args],
        inputs = depset([version_h] + archives, transitive = [cc_toolchain.all_files]),
        outputs = [out],
        mnemonic = "NablaSharedLibrary",
        progress_message = "Linking %s" % out.short_path,
        use_default_shell_env = True,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

nabla_shared_library = rule(
    implementation = _shared_library_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "out": attr.output(mandatory = True),
        "version_header": attr.label(allow_single_file = True, mandatory = True),
        "linkopts": attr.string_list(),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    fragments = ["cpp"],
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)

_PublicHeaders = provider(fields = ["headers"])

def _public_headers_aspect_impl(target, ctx):
    direct = []
    if CcInfo in target and _is_ours(target.label):
        direct = target[CcInfo].compilation_context.direct_public_headers
    transitive = [
        dep[_PublicHeaders].headers
        for dep in getattr(ctx.rule.attr, "deps", [])
        if _PublicHeaders in dep
    ]
    return [_PublicHeaders(headers = depset(direct, transitive = transitive))]

_public_headers_aspect = aspect(
    implementation = _public_headers_aspect_impl,
    attr_aspects = ["deps"],
)

def _public_headers_impl(ctx):
    headers = depset(transitive = [d[_PublicHeaders].headers for d in ctx.attr.deps]).to_list()
    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")

    # One runfiles path per line: the header's path in the source tree,
    # which is also where it goes under include/nabla/.
    ctx.actions.write(manifest, "".join([h.short_path + "\n" for h in headers]))
    return [DefaultInfo(
        files = depset([manifest]),
        runfiles = ctx.runfiles(files = headers + [manifest]),
    )]

# Every header in `hdrs` of the nabla libraries in deps, transitively
# (srcs-only headers are private and stay out), generated ones included
# (proto/*.pb.h), plus a manifest listing them.
nabla_public_headers = rule(
    implementation = _public_headers_impl,
    attrs = {
        "deps": attr.label_list(aspects = [_public_headers_aspect], providers = [CcInfo]),
    },
)
