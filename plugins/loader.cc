#include "plugins/loader.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <boost/dll/shared_library.hpp>

#include "graph/error.h"
#include "graph/registry.h"
#include "graph/version.h"
#include "plugins/plugin_api.h"

namespace nabla {
namespace {

namespace fs = std::filesystem;

struct Library {
  boost::dll::shared_library library;
  std::vector<std::string> ops;
};

// Canonical path -> library. Never destroyed: the registry keeps pointers
// to the libraries' kernels until the process exits.
std::map<std::string, Library>& Loaded() {
  static auto* loaded = new std::map<std::string, Library>();
  return *loaded;
}

// Canonical path -> a library whose static initialisers registered ops
// while it was opened, and why its load failed. It cannot be closed either
// (the registry holds its ops), and loading it again fails the same way.
struct PinnedLibrary {
  boost::dll::shared_library library;
  std::string why;
};
std::map<std::string, PinnedLibrary>& Pinned() {
  static auto* pinned = new std::map<std::string, PinnedLibrary>();
  return *pinned;
}

[[noreturn]] void Fail(ErrorCode code, const std::string& path, const std::string& why) {
  throw Error(code, "cannot load plugin '" + path + "': " + why);
}

std::string OrNull(const char* s) { return s == nullptr ? "(null)" : "'" + std::string(s) + "'"; }

// "nabla::OpSchema::Doc" for _ZN5nabla8OpSchema3DocE...: the name without
// its (long) parameter list.
std::string ShortName(const std::string& symbol) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !name) return symbol;
  std::string demangled = name.get();
  return demangled.substr(0, demangled.find('('));
}

// dlopen's reason, with the fix for the usual cause: a host that does not
// export nabla's symbols.
std::string OpenFailure(const char* dl_error) {
  std::string why = dl_error == nullptr ? "dlopen failed" : dl_error;
  const std::string marker = "undefined symbol: ";
  size_t at = why.find(marker);
  if (at == std::string::npos) return "the dynamic loader refused it: " + why;
  std::string symbol = why.substr(at + marker.size());
  symbol = symbol.substr(0, symbol.find_first_of(" ,("));
  return "it needs " + ShortName(symbol) + " (undefined symbol " + symbol +
         "), which this program does not export. Link the program with -rdynamic (Bazel: "
         "depend on //plugins:loader) so plugins can use its nabla symbols";
}

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#else
constexpr int kHostMachine = -1;  // not checked
#endif

// Plugins are a few megabytes; the whole file is read to validate it.
constexpr uint64_t kMaxPluginBytes = uint64_t{1} << 30;

// True when [offset, offset + size) lies inside a file of `file_size`.
bool Inside(uint64_t offset, uint64_t size, uint64_t file_size) {
  return offset <= file_size && size <= file_size - offset;
}

// dlopen maps a library's segments without checking them against the
// file: a truncated .so faults (SIGBUS) inside the dynamic loader. So the
// ELF header, program headers and segments, section headers and the
// dynamic symbol table are checked here first, and the entry point must be
// a function. Everything is read from our own copy of the bytes.
void ValidateElf(const fs::path& file, const std::string& path) {
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open()) Fail(ErrorCode::kPlugin, path, "cannot open it for reading");
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) Fail(ErrorCode::kPlugin, path, "cannot read its size: " + ec.message());
  if (size > kMaxPluginBytes) {
    Fail(ErrorCode::kPlugin, path, "it has " + std::to_string(size) + " bytes, more than the " +
                                       std::to_string(kMaxPluginBytes) + "-byte limit");
  }
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uint64_t>(in.gcount()) != size) Fail(ErrorCode::kPlugin, path, "read failed");
  plugin_internal::ValidateElfBytes(bytes, path);
}

}  // namespace

namespace plugin_internal {

void ValidateElfBytes(const std::string& bytes, const std::string& path) {
  const uint64_t size = bytes.size();
  const char* data = bytes.data();
  static const char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (size < 4 || std::memcmp(data, kElfMagic, sizeof(kElfMagic)) != 0) {
    Fail(ErrorCode::kPlugin, path, "not a shared library (the file has no ELF header)");
  }
  auto bad = [&](const std::string& why) {
    Fail(ErrorCode::kPlugin, path, "not a valid shared library: " + why);
  };
  if (size < sizeof(Elf64_Ehdr)) {
    bad("truncated: " + std::to_string(size) + " bytes, the ELF header alone needs " +
        std::to_string(sizeof(Elf64_Ehdr)));
  }
  Elf64_Ehdr header;
  std::memcpy(&header, data, sizeof(header));
  if (header.e_ident[EI_CLASS] != ELFCLASS64) bad("it is not a 64-bit ELF file");
  if (header.e_ident[EI_DATA] != ELFDATA2LSB) bad("it is not little-endian");
  if (header.e_type != ET_DYN) {
    bad("ELF type " + std::to_string(header.e_type) + ", expected a shared object (ET_DYN)");
  }
  if (kHostMachine >= 0 && header.e_machine != kHostMachine) {
    bad("it is built for ELF machine " + std::to_string(header.e_machine) +
        ", this program for " + std::to_string(kHostMachine));
  }
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 ||
      !Inside(header.e_phoff, uint64_t{header.e_phnum} * sizeof(Elf64_Phdr), size)) {
    bad("truncated or damaged: its program headers lie outside the file's " +
        std::to_string(size) + " bytes");
  }
  for (int k = 0; k < header.e_phnum; ++k) {
    Elf64_Phdr segment;
    std::memcpy(&segment, data + header.e_phoff + k * sizeof(Elf64_Phdr), sizeof(segment));
    if (segment.p_type == PT_NULL) continue;
    if (!Inside(segment.p_offset, segment.p_filesz, size)) {
      bad("truncated: segment " + std::to_string(k) + " needs bytes up to " +
          std::to_string(segment.p_offset + segment.p_filesz) + ", the file has " +
          std::to_string(size));
    }
  }
  if (header.e_shnum == 0) return;  // no section table (unusual): dlsym decides
  if (header.e_shentsize != sizeof(Elf64_Shdr) ||
      !Inside(header.e_shoff, uint64_t{header.e_shnum} * sizeof(Elf64_Shdr), size)) {
    bad("truncated or damaged: its section headers lie outside the file's " +
        std::to_string(size) + " bytes");
  }
  auto section = [&](uint64_t k) {
    Elf64_Shdr s;
    std::memcpy(&s, data + header.e_shoff + k * sizeof(Elf64_Shdr), sizeof(s));
    return s;
  };
  for (uint64_t k = 0; k < header.e_shnum; ++k) {
    Elf64_Shdr s = section(k);
    if (s.sh_type != SHT_NOBITS && s.sh_type != SHT_NULL && !Inside(s.sh_offset, s.sh_size, size)) {
      bad("truncated: section " + std::to_string(k) + " needs bytes up to " +
          std::to_string(s.sh_offset + s.sh_size) + ", the file has " + std::to_string(size));
    }
  }
  for (uint64_t k = 0; k < header.e_shnum; ++k) {
    Elf64_Shdr symbols = section(k);
    if (symbols.sh_type != SHT_DYNSYM) continue;
    if (symbols.sh_link >= header.e_shnum) bad("its dynamic symbol table has no string table");
    Elf64_Shdr strings = section(symbols.sh_link);
    // Checked here whatever their declared types: the loop above skips
    // NOBITS sections, and a damaged file may declare its tables so.
    if (strings.sh_type != SHT_STRTAB || !Inside(strings.sh_offset, strings.sh_size, size) ||
        !Inside(symbols.sh_offset, symbols.sh_size, size)) {
      bad("its dynamic symbol or string table lies outside the file");
    }
    for (uint64_t offset = 0; offset + sizeof(Elf64_Sym) <= symbols.sh_size;
         offset += sizeof(Elf64_Sym)) {
      Elf64_Sym symbol;
      std::memcpy(&symbol, data + symbols.sh_offset + offset, sizeof(symbol));
      if (symbol.st_name >= strings.sh_size) continue;
      const char* name = data + strings.sh_offset + symbol.st_name;
      size_t room = strings.sh_size - symbol.st_name;
      if (strnlen(name, room) == room) continue;  // unterminated
      if (std::strcmp(name, NABLA_PLUGIN_ENTRY_POINT) != 0 || symbol.st_shndx == SHN_UNDEF) {
        continue;
      }
      if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC) {
        Fail(ErrorCode::kPlugin, path,
             "it exports " NABLA_PLUGIN_ENTRY_POINT " as a data object (ELF symbol type " +
                 std::to_string(ELF64_ST_TYPE(symbol.st_info)) +
                 "), not a function; define the entry point with NABLA_PLUGIN(...) from "
                 "plugins/plugin_api.h");
      }
    }
  }
}

}  // namespace plugin_internal

namespace {

// Runs each op's shape function on its own gradient samples: a plugin
// whose shape function returns the wrong number of shapes, or throws, is
// refused at load instead of breaking a graph file's validation later.
std::string CheckShapeFunctions(const std::vector<OpSchema>& schemas) {
  std::string problems;
  for (const OpSchema& op : schemas) {
    if (!op.shape_fn()) continue;  // Validate() reports it
    for (const GradSample& sample : op.samples()) {
      std::string problem;
      try {
        AttrMap attrs = sample.attrs;
        if (!op.CheckAttrs(&attrs).empty()) continue;  // Validate() reports bad samples
        std::vector<Shape> shapes = sample.input_shapes;
        for (const ParamSpec& p : op.params()) {
          if (p.shape) shapes.push_back(p.shape(attrs));
        }
        for (const StateSpec& st : op.states()) {
          if (st.shape) (void)st.shape(attrs);
        }
        std::vector<Shape> out = op.shape_fn()(shapes, attrs);
        if (out.size() != op.outputs().size()) {
          problem = "its shape function returned " + std::to_string(out.size()) +
                    " shape(s) for " + std::to_string(op.outputs().size()) + " output(s)";
        }
      } catch (const std::exception& e) {
        problem = std::string("its shape function threw on its own sample: ") + e.what();
      } catch (...) {
        problem = "its shape function threw an exception that is not a std::exception";
      }
      if (!problem.empty()) {
        problems += (problems.empty() ? "" : "\n") + std::string("op ") + op.name() + ": " + problem;
        break;
      }
    }
  }
  return problems;
}

}  // namespace

namespace plugin_internal {

void CheckPluginInfo(const NablaPluginInfo* info, const std::string& path) {
  if (info == nullptr) Fail(ErrorCode::kPlugin, path, NABLA_PLUGIN_ENTRY_POINT "() returned null");
  // Only abi_version is at a fixed place in every ABI version; nothing else
  // is read until it matches.
  if (info->abi_version != NABLA_PLUGIN_ABI_VERSION) {
    Fail(ErrorCode::kPlugin, path,
         "it was built for plugin ABI version " + std::to_string(info->abi_version) +
             ", but this nabla " NABLA_VERSION " loads plugin ABI version " +
             std::to_string(NABLA_PLUGIN_ABI_VERSION) +
             "; rebuild the plugin against this nabla's headers");
  }
  std::string problems;
  auto mismatch = [&problems](const std::string& what, const char* plugin, const char* host) {
    if (plugin != nullptr && std::strcmp(plugin, host) == 0) return;
    problems += (problems.empty() ? "" : "; ") + std::string("it was built ") + what + " " +
                OrNull(plugin) + ", this program " + what + " '" + host + "'";
  };
  mismatch("against nabla", info->nabla_version, NABLA_VERSION);
  mismatch("with compiler", info->compiler, NABLA_COMPILER_TAG);
  if (!problems.empty()) {
    Fail(ErrorCode::kPlugin, path,
         problems + ". C++ objects cross between plugin and program, so both must "
                    "come from the same nabla version, compiler and -std; rebuild the plugin");
  }
  if (info->register_ops == nullptr) {
    Fail(ErrorCode::kPlugin, path, "its NablaPluginInfo has no register_ops function");
  }
}

}  // namespace plugin_internal

const char* HostCompilerTag() { return NABLA_COMPILER_TAG; }

LoadedPlugin LoadPlugin(const std::string& path) {
  static std::mutex* mu = new std::mutex();
  std::lock_guard<std::mutex> lock(*mu);

  std::error_code ec;
  if (!fs::exists(path, ec)) Fail(ErrorCode::kNotFound, path, "no such file");
  const fs::path file = fs::canonical(path, ec);
  if (ec) Fail(ErrorCode::kNotFound, path, ec.message());
  if (fs::is_directory(file, ec)) Fail(ErrorCode::kPlugin, path, "it is a directory");
  auto done = Loaded().find(file.string());
  if (done != Loaded().end()) return {file.string(), done->second.ops, true};
  auto pinned = Pinned().find(file.string());
  if (pinned != Pinned().end()) Fail(ErrorCode::kPlugin, path, pinned->second.why);
  ValidateElf(file, path);

  // RTLD_NOW: an unresolved symbol fails here, with a message, not at the
  // first call into the plugin. RTLD_LOCAL: plugins do not see each other.
  OpRegistry& registry = OpRegistry::Global();
  const std::vector<std::string> names_before = registry.Names();
  dlerror();  // clear any stale message
  boost::dll::shared_library library;
  boost::dll::fs::error_code open_error;
  library.load(boost::dll::fs::path(file.string()),
               boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, open_error);
  if (open_error) Fail(ErrorCode::kPlugin, path, OpenFailure(dlerror()));

  if (registry.Names() != names_before) {
    const std::string why =
        "opening it registered ops through static initialisers (NABLA_REGISTER_OP) "
        "before its ABI could be checked; they stay registered, as part of the program. "
        "A plugin adds its ops with registrar->Add(...) in the function passed to "
        "NABLA_PLUGIN (plugins/plugin_api.h)";
    Pinned()[file.string()] = {std::move(library), why};
    Fail(ErrorCode::kPlugin, path, why);
  }
  if (!library.has(NABLA_PLUGIN_ENTRY_POINT)) {
    Fail(ErrorCode::kPlugin, path,
         "it does not export " NABLA_PLUGIN_ENTRY_POINT
         "(), so it is not a nabla plugin; define it with NABLA_PLUGIN(...) from "
         "plugins/plugin_api.h");
  }
  const NablaPluginInfo* info = library.get<const NablaPluginInfo*()>(NABLA_PLUGIN_ENTRY_POINT)();
  plugin_internal::CheckPluginInfo(info, path);

  // From here on C++ objects cross. The registrar (and the plugin's schemas,
  // whose std::functions point into the library) must die before a failed
  // library is closed, so it lives in an inner scope.
  std::vector<std::string> ops;
  {
    NablaPluginRegistrar registrar;
    // NABLA_PLUGIN's function catches exceptions itself; a hand-written
    // entry point may not, and its exception must not outlive the library.
    try {
      info->register_ops(&registrar);
    } catch (const std::exception& e) {
      registrar.set_error(e.what());
    } catch (...) {
      registrar.set_error("an exception that is not a std::exception");
    }
    if (!registrar.error().empty()) {
      Fail(ErrorCode::kPlugin, path, "its registration function threw: " + registrar.error());
    }
    const std::string shape_problems = CheckShapeFunctions(registrar.schemas());
    if (!shape_problems.empty()) {
      Fail(ErrorCode::kPlugin, path, "none of its ops were registered:\n" + shape_problems);
    }
    for (const OpSchema& schema : registrar.schemas()) ops.push_back(schema.name());
    for (KernelEntry& kernel : registrar.kernels()) kernel.origin.where = "plugin " + path;
    const std::string kernel_problems = KernelRegistry::Global().CheckAll(registrar.kernels());
    if (!kernel_problems.empty()) {
      Fail(ErrorCode::kPlugin, path,
           "none of its ops were registered; its backend kernels are invalid:\n" + kernel_problems);
    }
    try {
      registry.RegisterAll(std::move(registrar.schemas()), {OpOrigin::kPlugin, path});
    } catch (const Error& e) {
      Fail(ErrorCode::kPlugin, path, std::string("none of its ops were registered:\n") + e.what());
    }
    try {
      KernelRegistry::Global().RegisterAll(std::move(registrar.kernels()));
    } catch (const Error& e) {
      // Checked above; only a race with another loader gets here.
      Fail(ErrorCode::kPlugin, path,
           std::string("its ops were registered but none of its backend kernels:\n") + e.what());
    }
  }
  registry.NotePluginLoaded(path);
  Loaded()[file.string()] = {std::move(library), ops};
  return {file.string(), std::move(ops), false};
}

}  // namespace nabla
