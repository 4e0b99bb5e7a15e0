// Model fingerprints: the one place that says what identifies a model's
// structure. Nothing else computes one: checkpoint saving
// (CheckpointFromModule, and through it `nabla train --save` and
// `nabla import`), loading and resuming (DiffFingerprints, LoadWeights in
// train/training_state.h) and the data-parallel agreement of `nabla train`
// all call FingerprintOf.
//
// FingerprintOf walks the module tree once and gives both forms, the second
// derived from the entries of the first:
//
//   nodes  one entry per leaf module (and per container that owns
//          parameters), in registration order: name = its dotted path
//          ("0", "block.1"; a GraphModel's node names), op = type_name()
//          (a GraphModel node's op), attrs = the op's completed attributes
//          in AttrMapToString form ("in_features=2, out_features=8";
//          ExtraRepr() for a module that is not an OpLayer), params =
//          "name:shape" per own parameter ("weight:[8, 2]"), then
//          "state name:shape" per own state tensor ("state
//          running_mean:[32]"). Saved as CheckpointHeader.nodes; what
//          DiffFingerprints compares to explain a mismatch.
//   hash   FNV-1a 64, 16 hex digits, over each entry's name, op,
//          attributes in exact form (type-tagged, 17 significant digits:
//          "slope=float:0.010000000000001" where attrs shows "slope=0.01")
//          and params, '\0'-separated, '\n' after each entry.
//          Saved as CheckpointHeader.model_fingerprint; shown by
//          `nabla inspect`; one of the facts data-parallel ranks agree on.
//
// Parameter values, the model's name and its description enter neither.
// A GraphModel (graph/model.h) is a Module whose children are its nodes,
// one OpLayer each, so a graph file and the same network built in C++
// under the same names have the same fingerprint.
//
// Compatibility: the hash's bytes are those GraphModel::Fingerprint()
// hashed before this file existed, and the entries those checkpoints
// saved, so older checkpoints keep loading as the same model
// (tests/train/fingerprint_test.cc reads one, testdata/fingerprint_v1.ckpt).
// Checkpoints of plain Modules written before had no hash (empty
// model_fingerprint); only their nodes are compared, as before.
#ifndef NABLA_TRAIN_FINGERPRINT_H_
#define NABLA_TRAIN_FINGERPRINT_H_

#include <string>
#include <vector>

#include "graph/module.h"
#include "proto/checkpoint.pb.h"

namespace nabla {

struct ModelFingerprint {
  std::vector<proto::NodeFingerprint> nodes;
  std::string hash;  // 16 hex digits
};

ModelFingerprint FingerprintOf(const Module& model);

// Compares the nodes saved in `header` with the model's by name. Returns
// "" when they are equal, otherwise a message with one line per node that
// was removed, added or changed (op, attributes, parameters), e.g.
//   node '2': op PReLU in the checkpoint, LeakyReLU in the model
//   node '0' (Linear): parameters {weight:[4, 3], bias:[4]} in the
//     checkpoint, {weight:[8, 3], bias:[8]} in the model
// or, when only the order differs, both orders. A header without nodes (a
// writer that kept no fingerprint) differs from every non-empty model;
// callers that accept such files skip this check. The hash is not
// compared: it cannot say which node differs.
std::string DiffFingerprints(const proto::CheckpointHeader& header, const ModelFingerprint& model);

}  // namespace nabla

#endif  // NABLA_TRAIN_FINGERPRINT_H_
