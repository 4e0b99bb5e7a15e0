#include "graph/strings.h"

#include <gtest/gtest.h>

#include <chrono>

namespace nabla {
namespace {

TEST(IsValidUtf8, AcceptsUtf8AndRejectsEverythingElse) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("fc1"));
  EXPECT_TRUE(IsValidUtf8("gr\xc3\xb6\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("act\xff" "1"));          // not a lead byte
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));             // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xc3"));                 // cut short
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));         // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));     // beyond U+10FFFF
}

TEST(Utf8SequenceLength, MeasuresOneWellFormedSequence) {
  const std::string s = "a\xc3\xb6\xe2\x82\xac\xf0\x9f\x98\x80\xff\xc3";
  EXPECT_EQ(Utf8SequenceLength(s, 0), 1u);
  EXPECT_EQ(Utf8SequenceLength(s, 1), 2u);
  EXPECT_EQ(Utf8SequenceLength(s, 3), 3u);
  EXPECT_EQ(Utf8SequenceLength(s, 6), 4u);
  EXPECT_EQ(Utf8SequenceLength(s, 7), 0u);   // a continuation byte
  EXPECT_EQ(Utf8SequenceLength(s, 10), 0u);  // not a lead byte
  EXPECT_EQ(Utf8SequenceLength(s, 11), 0u);  // cut short
}

TEST(EscapedForMessage, QuotesBytesAndCutsLongNames) {
  EXPECT_EQ(EscapedForMessage("act\xff" "1"), "act\\xff1");
  EXPECT_EQ(EscapedForMessage(std::string(100, 'n'), 5), "nnnnn... (100 bytes)");
}

// Issue 12: a 100,000-character misspelt name against 25,000 candidates
// took over 30 s.
TEST(CloseMatches, StaysFastForHugeNamesAndManyCandidates) {
  std::vector<std::string> candidates;
  for (int i = 0; i < 25000; ++i) candidates.push_back("node" + std::to_string(i));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(CloseMatches(std::string(100000, 'n'), candidates, 3).empty());
  EXPECT_EQ(CloseMatches("node1234x", candidates, 1), std::vector<std::string>{"node1234"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 2.0);
}

TEST(ParseInt64, WholeStringBase10Only) {
  int64_t v = 42;
  EXPECT_TRUE(ParseInt64("-17", &v));
  EXPECT_EQ(v, -17);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  for (const char* bad : {"", " ", "-", "12x", "1e3", "0x10", "9223372036854775808"}) {
    v = 42;
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
    EXPECT_EQ(v, 42) << bad;
  }
}

}  // namespace
}  // namespace nabla
