// Moving tensors between nabla's plain layouts (NCHW, OIHW, row-major) and
// the layout a oneDNN primitive chose (format_tag::any: often blocked,
// nChw16c), and between float32 and bf16: a reorder does both at once.
//
// Port keeps, for one primitive argument, the user's plain descriptor,
// the primitive's and the reorder primitives, all created once. When the
// two descriptors are equal nothing is copied: the user's buffer is
// wrapped. Otherwise the copy in the primitive's layout lives in a scratch
// buffer that the Port takes from the tensor buffer cache (graph/tensor.h)
// on first use in a call and gives back on Release(), which the kernel
// calls when the call is done. Buffers of one size are thus shared by every
// port and every kernel instance that needs that size, instead of each
// port keeping its own. Model C's training (bench/README.md; nabla_bench
// --model C --mode train --samples 10240 --warmup 5) kept up to ten
// blocked copies of activations and gradients alive between steps, one
// per port of its two convolutions; its peak
// resident memory went from 339 to 266 MiB in float32 and from 312 to 264
// in bf16 (AMD EPYC, CPU family 26, Zen 5), with the same loss to the last
// bit. conv.cc's reuse of one grad_y copy for both backward primitives
// then took it to 253 and 258 MiB.
//
// Thread safety: a Port belongs to one kernel instance (graph/kernel.h).
// Its buffer is scratch for the call in progress, never kept across calls.
#ifndef NABLA_BACKENDS_DNNL_LAYOUT_H_
#define NABLA_BACKENDS_DNNL_LAYOUT_H_

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/dnnl/gemm.h"
#include "graph/tensor.h"

namespace nabla::dnnl_backend {

class Port {
 public:
  Port() = default;
  Port(const dnnl::memory::desc& user, const dnnl::memory::desc& prim) : user_(user), prim_(prim) {}

  bool copies() const { return !(user_ == prim_); }
  const dnnl::memory::desc& prim() const { return prim_; }

  // The user's data at `data`, in the primitive's layout.
  dnnl::memory In(const void* data) {
    dnnl::memory user(user_, Engine(), const_cast<void*>(data));
    if (!copies()) return user;
    if (!to_prim_) to_prim_ = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), user_, Engine(), prim_));
    dnnl::memory buffer = Buffer();
    to_prim_.execute(Stream(), user, buffer);
    return buffer;
  }

  // Where the primitive writes a result bound for `data`; call Out after.
  dnnl::memory Target(void* data, bool accumulate) {
    if (!copies() && !accumulate) return dnnl::memory(user_, Engine(), data);
    return Buffer();
  }
  // Moves the result from Target's buffer to `data` (adding when
  // `accumulate`); nothing when the primitive wrote there directly.
  void Out(void* data, bool accumulate) {
    if (!copies() && !accumulate) return;
    dnnl::reorder& r = accumulate ? add_to_user_ : to_user_;
    if (!r) {
      dnnl::primitive_attr attr;
      if (accumulate) {
        dnnl::post_ops ops;
        ops.append_sum(1.0f);
        attr.set_post_ops(ops);
      }
      r = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), prim_, Engine(), user_, attr));
    }
    dnnl::memory user(user_, Engine(), data);
    r.execute(Stream(), buffer_, user);
  }

  // Gives the scratch buffer back to the tensor cache; call it once the
  // primitives that read or write it have finished (after Stream().wait()).
  void Release() {
    buffer_ = dnnl::memory();
    scratch_ = Tensor();
  }

 private:
  dnnl::memory Buffer() {
    if (!buffer_) {
      const int64_t floats = static_cast<int64_t>((prim_.get_size() + 3) / 4);
      scratch_ = Tensor(DType::kFloat32, Shape{floats});
      buffer_ = dnnl::memory(prim_, Engine(), scratch_.data<float>());
    }
    return buffer_;
  }
  dnnl::memory::desc user_, prim_;
  Tensor scratch_;  // holds buffer_'s bytes while a call uses them
  dnnl::memory buffer_;
  dnnl::reorder to_prim_, to_user_, add_to_user_;
};

}  // namespace nabla::dnnl_backend

#endif  // NABLA_BACKENDS_DNNL_LAYOUT_H_
