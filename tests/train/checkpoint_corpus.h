// A corpus of damaged checkpoints, generated from one valid file, for the
// reader's robustness tests.
//
// Byte-level damage (truncation, flipped bytes, garbage) works on the valid
// file as written. Semantic damage (a bad shape, a duplicate name, a future
// version) is reassembled with every CRC recomputed, so the reader's own
// checks are exercised rather than only its CRCs.
#ifndef NABLA_TESTS_TRAIN_CHECKPOINT_CORPUS_H_
#define NABLA_TESTS_TRAIN_CHECKPOINT_CORPUS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::testing {

// Where the parts of a checkpoint file lie (train/checkpoint.h has the
// layout). Throws std::runtime_error if `file` is not a valid checkpoint.
struct CheckpointLayout {
  struct Tensor {
    size_t record_at;  // the length prefix
    size_t header_at;
    std::string header;  // serialized TensorHeader
    std::string name;
    size_t data_at;
    std::string data;
  };
  size_t header_at;    // after the magic and the length prefix
  std::string header;  // serialized CheckpointHeader
  size_t header_crc_at;
  std::vector<Tensor> tensors;
  size_t trailer_at;
};
CheckpointLayout ParseLayout(const std::string& file);

// A well-formed file from parts: computes length prefixes, the header CRC
// and the trailer CRC (tensor headers keep the crc32 they hold).
std::string Assemble(const std::string& header,
                     const std::vector<CheckpointLayout::Tensor>& tensors);

struct DamagedCheckpoint {
  std::string name;  // also the file name in the corpus
  std::string bytes;
  std::string fragment;  // expected in the error message
};

// At least 30 damaged variants of `valid` (which must hold at least three
// tensors, the first a parameter of rank 2, and a header longer than 127
// bytes so that its length prefix has two bytes).
std::vector<DamagedCheckpoint> MakeDamagedCheckpoints(const std::string& valid);

}  // namespace nabla::testing

#endif  // NABLA_TESTS_TRAIN_CHECKPOINT_CORPUS_H_
