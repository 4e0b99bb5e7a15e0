// Checkpoints: trained weights plus everything needed to resume training
// exactly (optimiser buffers, step, generator and data position, config,
// metrics), in one file.
//
// File layout, version 1. Integers are little-endian; "varint" is
// protobuf's base-128 varint, so every message is length-delimited the way
// protobuf's delimited-message utilities (C++, Java, Python) write them.
//
//   magic        8 bytes   "NABLACKP"
//   header_len   varint32  byte length of the CheckpointHeader
//   header       header_len bytes, a serialized proto::CheckpointHeader
//   header_crc   4 bytes   CRC-32 of the header bytes
//   num_tensors times:
//     tensor_len varint32  byte length of the TensorHeader
//     tensor     tensor_len bytes, a serialized proto::TensorHeader
//     data       byte_size bytes: the float32 values, row-major
//   trailer_crc  4 bytes   CRC-32 of every byte above except the tensor data
//
// CRC-32 is Boost.CRC's crc_32_type (the zlib/PNG polynomial). Why three
// kinds: the header CRC is checked before any header field is trusted;
// TensorHeader.crc32 covers that tensor's data, so damage names the tensor;
// the trailer covers what neither does (length prefixes, tensor headers) -
// a damaged tensor name would otherwise load silently under partial loads.
// Data is never packed into one message, so no file meets protobuf's 2 GB
// message limit.
//
// Tensor names: parameters by their module path ("0.weight"); op state
// (graph/op_schema.h: BatchNorm's running statistics) as "state/<path>"
// ("state/bn1.running_mean"); optimiser buffers as
// "optimizer/<parameter>/<k>", k = 0 .. buffers-1. The optimiser
// step count is header.step: one training step is one optimiser step.
//
// Reading trusts nothing: every length is checked against the bytes that
// remain before anything is allocated, so a damaged or hostile file gives a
// nabla::Error naming the file, the byte offset and the tensor, never a
// crash or an absurd allocation. Memory used is bounded by the file size.
//
// Errors: nabla::Error only. kNotFound for a missing file or directory,
// kInvalidFile for a damaged or mismatched checkpoint, kInvalidArgument for
// a Checkpoint that cannot be saved or an I/O failure while saving.
//
// Thread safety: the functions share no state; concurrent saves to one
// path leave one complete file.
#ifndef NABLA_TRAIN_CHECKPOINT_H_
#define NABLA_TRAIN_CHECKPOINT_H_

#include <string>
#include <utility>
#include <vector>

#include "graph/module.h"
#include "graph/tensor.h"
#include "proto/checkpoint.pb.h"
#include "train/fingerprint.h"  // DiffFingerprints, for loaders
#include "train/optimizer.h"

namespace nabla {

constexpr char kCheckpointMagic[] = "NABLACKP";  // the 8 bytes, no NUL
constexpr int kCheckpointFormatVersion = 1;
constexpr char kOptimizerTensorPrefix[] = "optimizer/";

// Everything in a checkpoint file, in memory.
struct Checkpoint {
  // Saved as given, except format_version and num_tensors, which
  // SaveCheckpoint fills in.
  proto::CheckpointHeader header;
  // float32 parameters, then op state ("state/<path>"), in file order.
  std::vector<std::pair<std::string, Tensor>> params;
  // Buffers as "optimizer/..." tensors. Its step must equal header.step
  // (or be 0 with no buffers); ReadCheckpoint sets it from header.step.
  OptimizerState optimizer;
  // The file this came from (ReadCheckpoint), for messages. Not saved.
  std::string source;
};

// A checkpoint of `model`'s parameters and state (sharing their memory, so save before
// the next optimiser step), with header.nodes and header.model_fingerprint
// from one FingerprintOf(model) (train/fingerprint.h) and header.model_name
// = its type name. The caller fills in the rest. Every writer of a model's
// checkpoint starts here, so no save computes the fingerprint twice.
Checkpoint CheckpointFromModule(const Module& model);

// Writes atomically (graph/atomic_file.h): on any error the file at `path`
// is untouched and no temporary file remains. Throws kInvalidArgument for
// an unsaveable Checkpoint (empty, duplicate or reserved names, a
// non-float32 or undefined tensor, inconsistent optimiser step) before
// creating any file.
void SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint);

// Reads and validates the whole file (layout above).
Checkpoint ReadCheckpoint(const std::string& path);

// The outcome of LoadParameters. Names are tensor names in the file:
// parameters as they are, state as "state/<path>".
struct ShapeMismatch {
  std::string name;
  Shape checkpoint_shape;
  Shape model_shape;
};
struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // in the model, not the checkpoint
  std::vector<std::string> unexpected;  // in the checkpoint, not the model
  std::vector<ShapeMismatch> mismatched;

  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // One line per problem, e.g. "  shape mismatch: '0.weight' checkpoint
  // [8, 2], model [8, 3]"; empty when ok().
  std::string ToString() const;
};

// Copies checkpoint parameters and state into `model`'s in place (so an
// optimiser built on the model keeps working). Strict (partial = false):
// unless every model parameter and state tensor is present with its shape
// and nothing is left over, loads nothing and throws one kInvalidFile error
// listing every problem. Partial: loads what matches and returns the report.
LoadReport LoadParameters(const Checkpoint& checkpoint, Module* model, bool partial = false);

}  // namespace nabla

#endif  // NABLA_TRAIN_CHECKPOINT_H_
