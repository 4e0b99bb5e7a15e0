#include "tools/cli/help.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace nabla::cli {
namespace {

namespace po = boost::program_options;

constexpr size_t kWidth = 80;
constexpr size_t kDescriptionColumn = 32;

// The default a user would type, or "" when there is none.
std::string DefaultText(const po::value_semantic& semantic) {
  boost::any value;
  if (semantic.max_tokens() == 0 || !semantic.apply_default(value)) return "";
  if (const auto* d = boost::any_cast<double>(&value)) return ShortestDecimal(*d);
  if (const auto* i = boost::any_cast<int>(&value)) return std::to_string(*i);
  if (const auto* l = boost::any_cast<int64_t>(&value)) return std::to_string(*l);
  if (const auto* u = boost::any_cast<uint64_t>(&value)) return std::to_string(*u);
  if (const auto* s = boost::any_cast<std::string>(&value)) return s->empty() ? "\"\"" : *s;
  // Another type: Boost's own text, "arg (=TEXT)".
  const std::string name = semantic.name();
  const size_t at = name.find("(=");
  return at == std::string::npos ? "" : name.substr(at + 2, name.rfind(')') - at - 2);
}

// "  LEFT      DESCRIPTION" with the description wrapped at kWidth; a left
// column too wide for it puts the description on the next line.
void AppendEntry(const std::string& left, const std::string& description, std::string* out) {
  std::string line = "  " + left;
  std::istringstream words(description);
  std::string word;
  bool first = true;
  auto new_line = [&] {
    *out += line + "\n";
    line = std::string(kDescriptionColumn, ' ');
  };
  if (line.size() + 2 > kDescriptionColumn) new_line();
  while (words >> word) {
    if (!first && line.size() + 1 + word.size() > kWidth) new_line();
    if (line.size() < kDescriptionColumn) line.resize(kDescriptionColumn, ' ');
    else if (!first && line.back() != ' ') line += ' ';
    line += word;
    first = false;
  }
  *out += line + "\n";
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

}  // namespace

std::string ShortestDecimal(double value) {
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string FormatHelp(const std::string& command, const std::string& usage,
                       const po::options_description& options,
                       const std::vector<std::string>& positional) {
  std::string out = "usage: nabla " + command + " " + usage + "\n";
  auto is_positional = [&](const std::string& name) {
    return std::find(positional.begin(), positional.end(), name) != positional.end();
  };
  if (!positional.empty()) {
    out += "\narguments:\n";
    for (const std::string& name : positional) {
      const po::option_description* option = options.find_nothrow(name, false);
      AppendEntry(Upper(name), option != nullptr ? option->description() : "", &out);
    }
  }
  out += "\noptions:\n";
  for (const auto& option : options.options()) {
    if (is_positional(option->long_name())) continue;
    const po::value_semantic& semantic = *option->semantic();
    std::string left = option->format_name();
    if (semantic.max_tokens() > 0) left += " arg";
    const std::string default_text = DefaultText(semantic);
    if (semantic.is_required()) {
      left += " (required)";
    } else if (!default_text.empty()) {
      left += " (=" + default_text + ")";
    }
    AppendEntry(left, option->description(), &out);
  }
  return out;
}

}  // namespace nabla::cli
