// What --augment costs per batch (data/augment.h): AugmentBatch on 256
// images of 1x28x28 with shift, rotation and scale, median of 51 timed
// batches after 5 warm-up ones, in microseconds.
//   bazel-bin/bench/augment_bench [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "data/augment.h"
#include "graph/parallel.h"

int main(int argc, char** argv) {
  using namespace nabla;
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  SetNumThreads(threads);
  const data::AugmentOptions options = data::ParseAugment("shift=3,rotate=12,scale=0.1");
  std::vector<float> images(256 * 28 * 28);
  for (size_t k = 0; k < images.size(); ++k) images[k] = static_cast<float>(k % 255) / 255;
  std::vector<double> us;
  for (int batch = 0; batch < 56; ++batch) {
    const auto start = std::chrono::steady_clock::now();
    data::AugmentBatch(options, 1, 0, batch * 256, 256, 1, 28, 28, images.data());
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(us.begin() + 5, us.end());
  std::printf("threads %d: AugmentBatch(shift=3,rotate=12,scale=0.1) on 256 x 1x28x28: median %.0f us\n",
              threads, us[5 + 25]);
  return 0;
}
