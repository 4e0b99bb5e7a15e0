#include "graph/init.h"

#include <cmath>

namespace nabla {

uint64_t Rng::NextU64() {
  // SplitMix64: small state, good enough for initialisation and dropout.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return (NextU64() >> 11) * 0x1.0p-53; }

double Rng::Normal() {
  double u1 = Uniform(), u2 = Uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

void Fans(const Shape& shape, double* fan_in, double* fan_out) {
  if (shape.rank() == 0) {
    *fan_in = *fan_out = 1;
    return;
  }
  if (shape.rank() == 1) {
    *fan_in = *fan_out = static_cast<double>(shape[0]);
    return;
  }
  double receptive = 1;
  for (int i = 2; i < shape.rank(); ++i) receptive *= shape[i];
  *fan_in = shape[1] * receptive;
  *fan_out = shape[0] * receptive;
}

void Initialize(const InitSpec& spec, Tensor* tensor, Rng* rng) {
  double fan_in, fan_out;
  Fans(tensor->shape(), &fan_in, &fan_out);
  auto fill = [&](auto draw) {
    for (int64_t i = 0; i < tensor->size(); ++i) {
      double v = draw();
      if (tensor->dtype() == DType::kFloat64) {
        tensor->data<double>()[i] = v;
      } else {
        tensor->data<float>()[i] = static_cast<float>(v);
      }
    }
  };
  switch (spec.kind) {
    case InitSpec::kZeros: tensor->SetZero(); return;
    case InitSpec::kConstant: fill([&] { return spec.a; }); return;
    case InitSpec::kUniform: fill([&] { return rng->Uniform(spec.a, spec.b); }); return;
    case InitSpec::kNormal: fill([&] { return spec.a + spec.b * rng->Normal(); }); return;
    case InitSpec::kXavierUniform: {
      double bound = spec.a * std::sqrt(6.0 / (fan_in + fan_out));
      fill([&] { return rng->Uniform(-bound, bound); });
      return;
    }
    case InitSpec::kXavierNormal: {
      double std = spec.a * std::sqrt(2.0 / (fan_in + fan_out));
      fill([&] { return std * rng->Normal(); });
      return;
    }
    case InitSpec::kKaimingUniform: {
      double gain = std::sqrt(2.0 / (1 + spec.a * spec.a));
      double bound = gain * std::sqrt(3.0 / fan_in);
      fill([&] { return rng->Uniform(-bound, bound); });
      return;
    }
    case InitSpec::kKaimingNormal: {
      double std = std::sqrt(2.0 / (1 + spec.a * spec.a)) / std::sqrt(fan_in);
      fill([&] { return std * rng->Normal(); });
      return;
    }
  }
}

}  // namespace nabla
