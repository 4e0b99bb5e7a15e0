// Moving tensors between nabla's plain layouts (NCHW, OIHW, row-major) and
// the layout a oneDNN primitive chose (format_tag::any: often blocked,
// nChw16c), and between float32 and bf16: a reorder does both at once.
//
// Port keeps, for one primitive argument, the user's plain descriptor,
// the primitive's, a buffer in the primitive's layout and the reorder
// primitives, all created once. When the two descriptors are equal
// nothing is copied: the user's buffer is wrapped.
//
// Thread safety: a Port belongs to one kernel instance (graph/kernel.h).
// Its buffer is scratch for the call in progress, never kept across calls.
#ifndef NABLA_BACKENDS_DNNL_LAYOUT_H_
#define NABLA_BACKENDS_DNNL_LAYOUT_H_

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/dnnl/gemm.h"

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

 private:
  dnnl::memory Buffer() {
    if (!buffer_) buffer_ = dnnl::memory(prim_, Engine());
    return buffer_;
  }
  dnnl::memory::desc user_, prim_;
  dnnl::memory buffer_;
  dnnl::reorder to_prim_, to_user_, add_to_user_;
};

}  // namespace nabla::dnnl_backend

#endif  // NABLA_BACKENDS_DNNL_LAYOUT_H_
