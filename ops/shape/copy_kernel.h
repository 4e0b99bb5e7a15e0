// The kernel of the ops that only change a shape (Flatten, Reshape): the
// output is the input's elements in the same order, the gradient the
// output gradient's. Both are copies into engine-allocated tensors.
#ifndef NABLA_OPS_SHAPE_COPY_KERNEL_H_
#define NABLA_OPS_SHAPE_COPY_KERNEL_H_

#include "graph/op_schema.h"

namespace nabla {

struct ShapeCopyKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).CopyFrom(ctx.input(0));
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (ctx.needs_grad(0)) ctx.grad_input(0).CopyFrom(ctx.grad_output(0));
  }
};

}  // namespace nabla

#endif  // NABLA_OPS_SHAPE_COPY_KERNEL_H_
