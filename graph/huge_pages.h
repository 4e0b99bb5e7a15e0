// Large buffers on transparent huge pages.
//
// A training step walks its biggest operands in ways that defeat 4 KiB
// pages: the GEMMs step through a 3 MB weight matrix row by row, and the
// batcher gathers 256 random 3 KiB rows from a 188 MB dataset. With 4 KiB
// pages nearly every row is a TLB miss: gathering a batch takes 182 us with
// 4 KiB pages and 137 us with 2 MiB pages (bazel run //bench:micro_bench --
// gather).
//
// Linux only uses huge pages for memory that was advised (madvise
// MADV_HUGEPAGE) before it was first touched when THP is in its default
// "madvise" mode; elsewhere the advice is a no-op and everything still works.
#ifndef NABLA_GRAPH_HUGE_PAGES_H_
#define NABLA_GRAPH_HUGE_PAGES_H_

#include <cstddef>

namespace nabla {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Buffers of at least this many bytes get huge pages: one huge page at
// least, and no padding (see AllocateBuffer).
inline constexpr size_t kHugePageThreshold = kHugePageBytes;

// `bytes` of 64-byte aligned memory (0 counts as 1), or nullptr when out of
// memory. From kHugePageThreshold bytes on: 2 MiB aligned and advised
// before anyone touches it, so every whole 2 MiB page inside is a huge
// page; the tail shorter than 2 MiB keeps 4 KiB pages (no padding, so the
// resident size stays the buffer's size). Free with std::free.
void* AllocateBuffer(size_t bytes);

// Advises [p, p + bytes) for huge pages, for memory not yet touched (for
// example a std::vector after reserve()). Only the 2 MiB-aligned pages
// inside the range can be huge. Never fails: without THP it does nothing.
void AdviseHugePages(void* p, size_t bytes);

}  // namespace nabla

#endif  // NABLA_GRAPH_HUGE_PAGES_H_
