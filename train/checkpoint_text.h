// Checkpoints between the binary format (train/checkpoint.h) and a text
// form (proto::CheckpointText in protobuf text format), losslessly.
//
// Paths: "*.ckpt.txt" and "*.ckpt.pbtxt" are text; anything else whose
// name ends in ".ckpt" or whose first bytes are the checkpoint magic is
// binary.
#ifndef NABLA_TRAIN_CHECKPOINT_TEXT_H_
#define NABLA_TRAIN_CHECKPOINT_TEXT_H_

#include <string>

#include "train/checkpoint.h"

namespace nabla {

bool IsCheckpointTextPath(const std::string& path);
// True for a text checkpoint path, a ".ckpt" path, or an existing file that
// starts with the checkpoint magic.
bool IsCheckpointPath(const std::string& path);

std::string CheckpointToText(const Checkpoint& checkpoint);
// Parses and validates (shapes against value counts, duplicate names);
// throws Error(kInvalidFile) naming `source` and the line.
Checkpoint CheckpointFromText(const std::string& text, const std::string& source);

// Reads a checkpoint in either form, chosen by IsCheckpointTextPath: eval
// and --resume take text checkpoints too. Throws Error naming the file
// (and, for text, the line).
Checkpoint ReadCheckpointFile(const std::string& path);

// Writes the form `path` names (IsCheckpointTextPath), atomically.
void WriteCheckpointFile(const std::string& path, const Checkpoint& checkpoint);

// Reads either form, writes the form `out` names (atomically).
void ConvertCheckpointFile(const std::string& in, const std::string& out);

}  // namespace nabla

#endif  // NABLA_TRAIN_CHECKPOINT_TEXT_H_
