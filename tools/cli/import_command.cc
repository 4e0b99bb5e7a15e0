// nabla import IN.onnx -o OUT.pbtxt --weights OUT.ckpt
//
// Everything is checked before anything is written: the ONNX file, its
// translation (onnx/import.h), the resulting graph (as `nabla train` would
// load it) and the checkpoint. The graph file is committed last, so a
// failure leaves neither file.
#include <iostream>

#include "graph/atomic_file.h"
#include "graph/apply.h"
#include "graph/model.h"
#include "onnx/import.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "train/checkpoint.h"

namespace nabla::cli {

int ImportCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("in", po::value<std::string>(), "ONNX file (opset 11 to 17)")
      ("out,o", po::value<std::string>()->required(), "graph file to write (.pbtxt text, .pb binary)")
      ("weights", po::value<std::string>()->required(), "checkpoint to write (.ckpt)");
  po::variables_map vm;
  if (!ParseArgs("import", "IN.onnx -o OUT.pbtxt --weights OUT.ckpt", args, options, {"in"},
                 &vm)) {
    return kExitOk;
  }
  const std::string in = vm["in"].as<std::string>();
  const std::string out = vm["out"].as<std::string>();
  const std::string weights = vm["weights"].as<std::string>();
  if (out == weights) {
    throw UsageError("nabla import: -o and --weights name the same file '" + out + "'");
  }

  onnx_io::ImportedModel imported = onnx_io::ImportModel(onnx_io::ReadOnnxFile(in), in);
  LoadedModelDef loaded;
  loaded.def = imported.def;
  loaded.source.path = out;
  // The initial values are overwritten below; a fixed seed keeps the
  // command deterministic all the same.
  ManualSeed(0);
  GraphModel model(loaded);
  std::map<std::string, Variable> params;
  for (const NamedParameter& p : model.NamedParameters()) params.emplace(p.name, p.variable);
  for (const NamedBuffer& b : model.NamedBuffers()) {
    params.emplace(kStateTensorPrefix + b.name, b.variable);
  }
  NABLA_CHECK(params.size() == imported.params.size())
      << params.size() << " parameters and state tensors in the model, " << imported.params.size()
      << " imported";
  for (auto& [name, value] : imported.params) {
    auto it = params.find(name);
    NABLA_CHECK(it != params.end() && it->second.shape() == value.shape()) << name;
    it->second.mutable_value() = value;
  }

  // Weights, state and fingerprint, as `nabla train --save` writes them.
  Checkpoint checkpoint = CheckpointFromModule(model);
  checkpoint.header.set_model_name(model.def().name());

  AtomicFileWriter graph_file(out);
  graph_file.Write(FormatForPath(out) == GraphFormat::kBinary ? ModelDefToBinary(model.def())
                                                              : ModelDefToText(model.def()));
  SaveCheckpoint(weights, checkpoint);
  graph_file.Commit();
  std::cout << "wrote " << out << " (" << model.def().nodes_size() << " nodes) and " << weights
            << " (" << model.NumParameters() << " parameters)\n";
  return kExitOk;
}

}  // namespace nabla::cli
