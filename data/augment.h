// Data augmentation: a random affine transform of each training image
// (shift, rotation, scale) and an optional horizontal flip, applied when a
// batch is gathered, never in evaluation.
//
//   --augment shift=2,rotate=12,scale=0.1,flip=0.5
//
// means, independently per image: translate by U(-2, 2) pixels along each
// axis, rotate by U(-12, 12) degrees and scale by U(0.9, 1.1), all about
// the image centre, and mirror left-right with probability 0.5; each
// output pixel is read from the source by bilinear interpolation, zero
// (black) outside it, per channel. This is torchvision's
// RandomAffine(degrees=12, translate=(2/W, 2/H), scale=(0.9, 1.1)) with
// bilinear sampling (except that shifts are continuous rather than rounded
// to whole pixels) followed by RandomHorizontalFlip(0.5). A flip alone is
// an exact mirror: no interpolation happens at whole-pixel positions.
// (Digits must not be flipped; clothing, as in Fashion-MNIST, may.)
//
// Determinism: image i's transform is drawn from a generator keyed by
// (seed, epoch, position of i in the epoch's order), so a run resumed from
// a checkpoint (which saves the batcher's epoch and position) augments the
// remaining batches exactly as the uninterrupted run would, at any thread
// count. Images are independent, so a batch is split across threads.
//
// Cost: bilinear sampling of every output pixel. A batch of 256 28x28
// images with shift, rotation and scale took 865-872 us on one thread and
// 438 us on two (`bazel-bin/bench/augment_bench 1|2`, lscpu model "AMD
// EPYC"), against about 176 ms for a training step of
// examples/mnist/cnn_bn.pbtxt on 256 images at two threads (8,000 images
// in 5.2-6.0 s per epoch, `nabla train examples/mnist/cnn_bn.pbtxt --data
// mnist-digits --epochs 4 --threads 2`, same CPU, a shared machine): 0.25%
// of the step, far from a bottleneck.
#ifndef NABLA_DATA_AUGMENT_H_
#define NABLA_DATA_AUGMENT_H_

#include <cstdint>
#include <string>

namespace nabla::data {

struct AugmentOptions {
  double shift = 0;   // pixels, >= 0
  double rotate = 0;  // degrees, in [0, 180]
  double scale = 0;   // relative, in [0, 1)
  double flip = 0;    // probability of a left-right mirror, in [0, 1]
  bool enabled() const { return shift > 0 || rotate > 0 || scale > 0 || flip > 0; }
};

// Parses "shift=2,rotate=12,scale=0.1,flip=0.5" (any subset, any order; "" or
// "none" for no augmentation). Throws Error(kInvalidArgument) naming the
// bad item and what was expected.
AugmentOptions ParseAugment(const std::string& spec);
// The canonical form ParseAugment reads back: "shift=2,rotate=12,scale=0.1"
// (keys in this order, flip last, zero values left out),
// "none" when nothing is enabled.
std::string AugmentToString(const AugmentOptions& options);

// Transforms `n` images in place (CHW each, `channels` x `rows` x `cols`
// floats), image i keyed by (seed, epoch, first_position + i).
void AugmentBatch(const AugmentOptions& options, uint64_t seed, int64_t epoch,
                  int64_t first_position, int64_t n, int64_t channels, int64_t rows,
                  int64_t cols, float* images);

}  // namespace nabla::data

#endif  // NABLA_DATA_AUGMENT_H_
