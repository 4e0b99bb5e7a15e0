// NABLA_NUM_THREADS is read strictly: a value that is not a whole number of
// threads is named and ignored rather than read as 0 (every core), which
// std::atoi did.
#include "graph/parallel.h"

#include <string>

#include <gtest/gtest.h>

namespace nabla {
namespace {

using internal::kMaxThreads;
using internal::ThreadsFromEnvironment;

TEST(ThreadsFromEnvironmentTest, UnsetOrEmptyIsOneThreadQuietly) {
  std::string warning = "stale";
  EXPECT_EQ(ThreadsFromEnvironment(nullptr, &warning), 1);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(ThreadsFromEnvironment("", &warning), 1);
  EXPECT_EQ(warning, "");
}

TEST(ThreadsFromEnvironmentTest, WholeNumbersAreTaken) {
  std::string warning;
  EXPECT_EQ(ThreadsFromEnvironment("2", &warning), 2);
  EXPECT_EQ(warning, "");
  EXPECT_EQ(ThreadsFromEnvironment("0", &warning), 0);  // one per usable core
  EXPECT_EQ(warning, "");
  EXPECT_EQ(ThreadsFromEnvironment(std::to_string(kMaxThreads).c_str(), &warning), kMaxThreads);
  EXPECT_EQ(warning, "");
}

TEST(ThreadsFromEnvironmentTest, AnythingElseIsNamedAndIgnored) {
  for (const char* bad : {"two", "2x", "-1", "+2", " 2", "2 ", "1.5", "1025",
                          "99999999999999999999"}) {
    std::string warning;
    EXPECT_EQ(ThreadsFromEnvironment(bad, &warning), 1) << bad;
    EXPECT_NE(warning.find("NABLA_NUM_THREADS='" + std::string(bad) + "' ignored"),
              std::string::npos)
        << warning;
  }
}

}  // namespace
}  // namespace nabla
