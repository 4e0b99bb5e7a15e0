#include "graph/profile.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

namespace nabla {
namespace {

using Key = std::tuple<std::string, std::string, std::string>;  // name, phase, shapes

struct Totals {
  int64_t calls = 0;
  double seconds = 0;
};

struct Profile {
  std::mutex mu;
  std::map<Key, Totals> table;
};

Profile& Global() {
  static Profile* profile = new Profile();  // never destroyed: atexit reads it
  return *profile;
}

void PrintAtExit() {
  const std::vector<ProfileRow> rows = ProfileRows();
  std::fprintf(stderr, "nabla profile (NABLA_PROFILE=1):\n%s", FormatProfile(rows).c_str());
}

// NABLA_PROFILE=1 turns profiling on and prints the table at exit; unset,
// empty or 0 leaves it off. Any other value is a mistake worth a line on
// stderr (a library cannot refuse to start), and leaves it off.
bool FromEnvironment() {
  const char* env = std::getenv("NABLA_PROFILE");
  if (env == nullptr || *env == '\0' || std::strcmp(env, "0") == 0) return false;
  if (std::strcmp(env, "1") != 0) {
    std::fprintf(stderr, "nabla: NABLA_PROFILE='%s' ignored: set it to 1 to profile, or 0\n",
                 env);
    return false;
  }
  std::atexit(PrintAtExit);
  return true;
}

// Read once, on the first kernel call or SetProfiling.
std::atomic<bool>& Enabled() {
  static std::atomic<bool> enabled{FromEnvironment()};
  return enabled;
}

}  // namespace

void SetProfiling(bool on) { Enabled().store(on, std::memory_order_relaxed); }

bool ProfilingEnabled() { return Enabled().load(std::memory_order_relaxed); }

std::vector<ProfileRow> ProfileRows() {
  Profile& profile = Global();
  std::vector<ProfileRow> rows;
  {
    std::lock_guard<std::mutex> lock(profile.mu);
    for (const auto& [key, totals] : profile.table) {
      rows.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), totals.calls,
                      totals.seconds});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ProfileRow& a, const ProfileRow& b) {
    return a.seconds > b.seconds;
  });
  return rows;
}

void ResetProfile() {
  Profile& profile = Global();
  std::lock_guard<std::mutex> lock(profile.mu);
  profile.table.clear();
}

std::string FormatProfile(const std::vector<ProfileRow>& rows) {
  double total = 0;
  for (const ProfileRow& row : rows) {
    if (row.phase != "scope") total += row.seconds;
  }
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%10s %6s %8s %10s  %s\n", "total ms", "ops %", "calls",
                "us/call", "name (phase) input shapes");
  out += line;
  for (const ProfileRow& row : rows) {
    const bool scope = row.phase == "scope";
    char share[16] = "";
    if (!scope && total > 0) std::snprintf(share, sizeof share, "%.1f", 100 * row.seconds / total);
    std::snprintf(line, sizeof line, "%10.3f %6s %8lld %10.1f  %s (%s)%s%s\n", row.seconds * 1e3,
                  scope ? "-" : share, static_cast<long long>(row.calls),
                  row.calls > 0 ? row.seconds * 1e6 / row.calls : 0.0, row.name.c_str(),
                  row.phase.c_str(), row.shapes.empty() ? "" : " ", row.shapes.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "%10.3f  all op kernel calls (scopes are not added in)\n",
                total * 1e3);
  out += line;
  return out;
}

namespace internal {

std::string ShapesOf(const std::vector<const Tensor*>& values) {
  std::string out;
  for (const Tensor* t : values) {
    if (!out.empty()) out += ' ';
    out += t != nullptr && t->defined() ? t->shape().ToString() : "-";
  }
  return out;
}

std::string ShapesOf(const std::vector<Tensor>& values) {
  std::vector<const Tensor*> pointers;
  for (const Tensor& t : values) pointers.push_back(&t);
  return ShapesOf(pointers);
}

ProfileTimer::~ProfileTimer() {
  if (!on_) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Profile& profile = Global();
  std::lock_guard<std::mutex> lock(profile.mu);
  Totals& totals = profile.table[Key(name_, phase_, std::move(shapes_))];
  ++totals.calls;
  totals.seconds += seconds;
}

}  // namespace internal
}  // namespace nabla
