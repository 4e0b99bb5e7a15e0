#include "data/augment.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "graph/error.h"
#include "graph/parallel.h"

namespace nabla::data {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// U(-1, 1) from the next state of a SplitMix64 stream.
double Symmetric(uint64_t* state) {
  *state += 0x9e3779b97f4a7c15ULL;
  const uint64_t bits = SplitMix64(*state) >> 11;  // 53 bits
  return bits * (2.0 / 9007199254740992.0) - 1.0;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string Number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

AugmentOptions ParseAugment(const std::string& spec) {
  AugmentOptions options;
  const std::string all = Trim(spec);
  if (all.empty() || all == "none") return options;
  std::stringstream items(all);
  std::string item;
  while (std::getline(items, item, ',')) {
    item = Trim(item);
    const size_t eq = item.find('=');
    const std::string key = Trim(item.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : Trim(item.substr(eq + 1));
    const std::string where = "--augment '" + spec + "': item '" + item + "'";
    if (eq == std::string::npos || value.empty()) {
      NABLA_THROW(kInvalidArgument) << where << " is not KEY=VALUE (keys: shift, rotate, scale, flip)";
    }
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0' || !std::isfinite(v)) {
      NABLA_THROW(kInvalidArgument) << where << ": '" << value << "' is not a finite number";
    }
    if (key == "shift") {
      if (v < 0 || v > 1000) NABLA_THROW(kInvalidArgument) << where << ": shift (pixels) must be in [0, 1000]";
      options.shift = v;
    } else if (key == "rotate") {
      if (v < 0 || v > 180) NABLA_THROW(kInvalidArgument) << where << ": rotate (degrees) must be in [0, 180]";
      options.rotate = v;
    } else if (key == "scale") {
      if (v < 0 || v >= 1) NABLA_THROW(kInvalidArgument) << where << ": scale must be in [0, 1)";
      options.scale = v;
    } else if (key == "flip") {
      if (v < 0 || v > 1) NABLA_THROW(kInvalidArgument) << where << ": flip (a probability) must be in [0, 1]";
      options.flip = v;
    } else {
      NABLA_THROW(kInvalidArgument) << where << ": unknown key '" << key
                                    << "' (keys: shift, rotate, scale, flip)";
    }
  }
  return options;
}

std::string AugmentToString(const AugmentOptions& o) {
  if (!o.enabled()) return "none";
  std::string out;
  auto add = [&out](const char* key, double v) {
    if (v > 0) out += (out.empty() ? "" : ",") + std::string(key) + "=" + Number(v);
  };
  add("shift", o.shift);
  add("rotate", o.rotate);
  add("scale", o.scale);
  add("flip", o.flip);
  return out;
}

void AugmentBatch(const AugmentOptions& options, uint64_t seed, int64_t epoch,
                  int64_t first_position, int64_t n, int64_t channels, int64_t rows,
                  int64_t cols, float* images) {
  if (!options.enabled() || n <= 0) return;
  const int64_t plane = rows * cols, image = channels * plane;
  const double cy = (rows - 1) / 2.0, cx = (cols - 1) / 2.0;
  const double max_angle = options.rotate * M_PI / 180;
  ParallelFor(n, 16, [&](int64_t begin, int64_t end) {
    std::vector<float> source(image);
    for (int64_t i = begin; i < end; ++i) {
      uint64_t state = SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(epoch) * 0x100000001b3ULL +
                                                    static_cast<uint64_t>(first_position + i)));
      const double angle = max_angle * Symmetric(&state);
      const double scale = 1 + options.scale * Symmetric(&state);
      const double ty = options.shift * Symmetric(&state);
      const double tx = options.shift * Symmetric(&state);
      // Drawn after the affine parameters, so adding flip to a setting
      // leaves each image's shift, rotation and scale as they were.
      const bool flip = options.flip > 0 && (Symmetric(&state) + 1) / 2 < options.flip;
      // Output q = R s (p - c) + c + t, so the source of q is
      // p = R^-1 (q - c - t) / s + c.
      const double cs = std::cos(angle) / scale, sn = std::sin(angle) / scale;
      float* img = images + i * image;
      std::copy(img, img + image, source.begin());
      for (int64_t y = 0; y < rows; ++y) {
        const double dy = y - cy - ty;
        for (int64_t x = 0; x < cols; ++x) {
          const double dx = x - cx - tx;
          const double sy = cs * dy - sn * dx + cy;  // R^-1 = R(-angle)
          const double ax = sn * dy + cs * dx + cx;
          const double sx = flip ? (cols - 1) - ax : ax;  // mirror, then transform
          const double fy = std::floor(sy), fx = std::floor(sx);
          const int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
          const float wy = static_cast<float>(sy - fy), wx = static_cast<float>(sx - fx);
          for (int64_t c = 0; c < channels; ++c) {
            const float* src = source.data() + c * plane;
            auto at = [&](int64_t yy, int64_t xx) -> float {
              return yy >= 0 && yy < rows && xx >= 0 && xx < cols ? src[yy * cols + xx] : 0.0f;
            };
            const float top = at(y0, x0) + wx * (at(y0, x0 + 1) - at(y0, x0));
            const float bottom = at(y0 + 1, x0) + wx * (at(y0 + 1, x0 + 1) - at(y0 + 1, x0));
            img[c * plane + y * cols + x] = top + wy * (bottom - top);
          }
        }
      }
    }
  });
}

}  // namespace nabla::data
