#include "graph/strings.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <cctype>
#include <utility>

namespace nabla {

namespace {

constexpr size_t kMaxSuggestedNameLength = 256;

// Levenshtein distance, ignoring case.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::vector<std::string> CloseMatches(const std::string& name,
                                      const std::vector<std::string>& candidates,
                                      size_t max_results) {
  std::vector<std::pair<size_t, std::string>> scored;
  // The distance costs name.size() * candidate.size(): a name no one typed
  // by hand (a 100,000-character one) gets no suggestions.
  if (name.size() > kMaxSuggestedNameLength) return {};
  const size_t limit = std::max<size_t>(2, name.size() / 3);
  for (const std::string& candidate : candidates) {
    // The distance is at least the difference in length.
    size_t longer = std::max(name.size(), candidate.size());
    size_t shorter = std::min(name.size(), candidate.size());
    if (longer - shorter > limit) continue;
    size_t d = EditDistance(name, candidate);
    if (d <= limit) scored.push_back({d, candidate});
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < max_results; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace nabla

namespace nabla {

size_t Utf8SequenceLength(const std::string& s, size_t pos) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
  const size_t left = s.size() - pos;
  unsigned char c = *p;
  int extra = 0;
  uint32_t code = 0;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    extra = 1;
    code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (left <= static_cast<size_t>(extra)) return 0;
  for (int k = 1; k <= extra; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    code = code << 6 | (p[k] & 0x3F);
  }
  // Overlong forms, surrogates and values beyond U+10FFFF.
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (code < kMin[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return extra + 1;
}

bool IsValidUtf8(const std::string& s) {
  for (size_t pos = 0; pos < s.size();) {
    size_t length = Utf8SequenceLength(s, pos);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

std::string EscapedForMessage(const std::string& s, size_t max_length) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_length) {
      out += "... (" + std::to_string(s.size()) + " bytes)";
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool ParseInt64(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') return false;
  *out = v;
  return true;
}

}  // namespace nabla
