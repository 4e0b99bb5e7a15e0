#include "graph/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace nabla {
namespace {

constexpr size_t kAlignment = 64;

size_t RoundUp(size_t n, size_t multiple) { return (n + multiple - 1) / multiple * multiple; }

}  // namespace

void* AllocateBuffer(size_t bytes) {
  if (bytes < kHugePageThreshold) {
    return std::aligned_alloc(kAlignment, RoundUp(bytes == 0 ? 1 : bytes, kAlignment));
  }
  // Aligned but not rounded up: the whole 2 MiB pages inside the buffer
  // become huge pages and the tail keeps 4 KiB pages, so no memory is
  // wasted on padding.
  void* p = nullptr;
  if (posix_memalign(&p, kHugePageBytes, bytes) != 0) return nullptr;
  AdviseHugePages(p, bytes);
  return p;
}

void AdviseHugePages(void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  // madvise wants a page-aligned start; round inwards to whole 4 KiB pages.
  constexpr uintptr_t kPage = 4096;
  const uintptr_t begin = RoundUp(reinterpret_cast<uintptr_t>(p), kPage);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / kPage * kPage;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace nabla
