#include "graph/strings.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace nabla {

namespace {

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
  for (const std::string& candidate : candidates) {
    size_t d = EditDistance(name, candidate);
    if (d <= std::max<size_t>(2, name.size() / 3)) scored.push_back({d, candidate});
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < max_results; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace nabla
