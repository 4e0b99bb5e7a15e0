// String helpers for user-facing messages (joined lists, "did you mean"
// suggestions) and for reading numbers out of text.
#ifndef NABLA_GRAPH_STRINGS_H_
#define NABLA_GRAPH_STRINGS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nabla {

// "a, b, c" (or with another separator); "" for no items.
std::string Join(const std::vector<std::string>& items, const std::string& separator = ", ");

// The candidates within case-insensitive edit distance max(2, name.size() / 3)
// of name, closest first (ties alphabetical), at most max_results of them.
std::vector<std::string> CloseMatches(const std::string& name,
                                      const std::vector<std::string>& candidates,
                                      size_t max_results);

// Well-formed UTF-8 (no overlong forms, surrogates or values past
// U+10FFFF). Checkpoints store names as protobuf strings, which must be.
bool IsValidUtf8(const std::string& s);
// The length of the well-formed UTF-8 sequence at s[pos] (pos < s.size()),
// or 0 when the byte there does not start one.
size_t Utf8SequenceLength(const std::string& s, size_t pos);

// `s` with bytes outside printable ASCII as \xNN, cut after max_length
// characters (noting the full size), for quoting untrusted names.
std::string EscapedForMessage(const std::string& s, size_t max_length = 80);

// A base-10 integer that fills all of `s` and fits in 64 bits, into *out;
// false (leaving *out alone) for anything else: "", "12x", "1e3", an
// overflow. Like strtoll, it takes leading blanks and a sign.
bool ParseInt64(const std::string& s, int64_t* out);

}  // namespace nabla

#endif  // NABLA_GRAPH_STRINGS_H_
