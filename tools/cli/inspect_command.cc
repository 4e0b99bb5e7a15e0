// nabla inspect CKPT [--json]: what a checkpoint holds without a graph
// file: every tensor (kind, name, shape, dtype, min/mean/max), the model's
// name, fingerprint and nodes, epoch and step, the training configuration,
// the per-epoch metrics and the --log-every step rows.
//
// The configuration and the metrics are printed field by field through
// protobuf reflection, so a field added to TrainConfig or EpochMetrics is
// shown without a change here.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "train/checkpoint.h"
#include "train/checkpoint_tensors.h"
#include "train/checkpoint_text.h"

namespace nabla::cli {
namespace {

namespace pb = google::protobuf;

struct Stats {
  double min = 0, mean = 0, max = 0;
  int64_t non_finite = 0;
};

// Over the finite values; NaN and inf are counted, not mixed in.
Stats TensorStats(const Tensor& t) {
  Stats s;
  if (t.size() == 0 || t.dtype() != DType::kFloat32) return s;
  const float* v = t.data<float>();
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  int64_t finite = 0;
  for (int64_t k = 0; k < t.size(); ++k) {
    if (!std::isfinite(v[k])) {
      ++s.non_finite;
      continue;
    }
    lo = std::min<double>(lo, v[k]);
    hi = std::max<double>(hi, v[k]);
    sum += v[k];
    ++finite;
  }
  if (finite == 0) {
    s.min = s.mean = s.max = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  s.min = lo;
  s.max = hi;
  s.mean = sum / finite;
  return s;
}

// One scalar field's value, JSON or text.
std::string FieldValue(const pb::Message& m, const pb::FieldDescriptor* f, int index, bool json) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      if (json) return JsonNumber(v, 17);
      std::ostringstream out;
      out.precision(9);
      out << v;
      return out.str();
    }
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      const double v = rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
      return json ? JsonNumber(v, 9) : std::to_string(v);
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      const bool v = rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
      return v ? "true" : "false";
    }
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      const std::string v = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      return json ? JsonString(v) : v;
    }
    default:
      return json ? "null" : "?";
  }
}

// A message of scalar and repeated scalar fields (TrainConfig,
// EpochMetrics) as a JSON object with every field, set or not.
std::string FlatJson(const pb::Message& m) {
  const pb::Descriptor* d = m.GetDescriptor();
  std::string out = "{";
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    out += (first ? "" : ", ") + JsonString(f->name()) + ": ";
    first = false;
    if (f->is_repeated()) {
      out += "[";
      const int n = m.GetReflection()->FieldSize(m, f);
      for (int k = 0; k < n; ++k) out += (k == 0 ? "" : ", ") + FieldValue(m, f, k, true);
      out += "]";
    } else {
      out += FieldValue(m, f, 0, true);
    }
  }
  return out + "}";
}

std::string ShapeJson(const Shape& shape) {
  std::string out = "[";
  for (size_t k = 0; k < shape.dims().size(); ++k) {
    out += (k == 0 ? "" : ", ") + std::to_string(shape.dims()[k]);
  }
  return out + "]";
}

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out;
}

void PrintJson(const Checkpoint& c, const std::string& path, const std::string& form,
               uintmax_t bytes, const std::vector<CheckpointTensor>& tensors) {
  const proto::CheckpointHeader& h = c.header;
  std::ostringstream out;
  out << "{\n  \"file\": " << JsonString(path) << ",\n  \"form\": " << JsonString(form)
      << ",\n  \"bytes\": " << bytes << ",\n  \"format_version\": " << h.format_version()
      << ",\n  \"model_name\": " << JsonString(h.model_name())
      << ",\n  \"model_fingerprint\": " << JsonString(h.model_fingerprint())
      << ",\n  \"epoch\": " << h.epoch() << ",\n  \"step\": " << h.step()
      << ",\n  \"mid_epoch\": " << (h.epoch_samples() > 0 ? "true" : "false")
      << ",\n  \"nodes\": [";
  for (int i = 0; i < h.nodes_size(); ++i) {
    const proto::NodeFingerprint& n = h.nodes(i);
    out << (i == 0 ? "\n" : ",\n") << "    {\"name\": " << JsonString(n.name())
        << ", \"op\": " << JsonString(n.op()) << ", \"attrs\": " << JsonString(n.attrs())
        << ", \"params\": [";
    for (int k = 0; k < n.params_size(); ++k) out << (k == 0 ? "" : ", ") << JsonString(n.params(k));
    out << "]}";
  }
  out << (h.nodes_size() ? "\n  ]" : "]") << ",\n  \"config\": " << FlatJson(h.config())
      << ",\n  \"metrics\": [";
  for (int i = 0; i < h.metrics_size(); ++i) {
    out << (i == 0 ? "\n    " : ",\n    ") << FlatJson(h.metrics(i));
  }
  out << (h.metrics_size() ? "\n  ]" : "]") << ",\n  \"step_metrics\": [";
  for (int i = 0; i < h.step_metrics_size(); ++i) {
    out << (i == 0 ? "\n    " : ",\n    ") << FlatJson(h.step_metrics(i));
  }
  out << (h.step_metrics_size() ? "\n  ]" : "]") << ",\n  \"tensors\": [";
  for (size_t i = 0; i < tensors.size(); ++i) {
    const CheckpointTensor& t = tensors[i];
    const Stats s = TensorStats(*t.tensor);
    out << (i == 0 ? "\n" : ",\n") << "    {\"kind\": " << JsonString(TensorKindName(t.kind))
        << ", \"name\": " << JsonString(t.name) << ", \"shape\": " << ShapeJson(t.tensor->shape())
        << ", \"dtype\": " << JsonString(DTypeName(t.tensor->dtype()))
        << ", \"size\": " << t.tensor->size() << ", \"min\": " << JsonNumber(s.min, 9)
        << ", \"mean\": " << JsonNumber(s.mean, 17) << ", \"max\": " << JsonNumber(s.max, 9)
        << ", \"non_finite\": " << s.non_finite << "}";
  }
  out << (tensors.empty() ? "]" : "\n  ]") << "\n}\n";
  std::cout << out.str();
}

void PrintText(const Checkpoint& c, const std::string& path, const std::string& form,
               uintmax_t bytes, const std::vector<CheckpointTensor>& tensors) {
  const proto::CheckpointHeader& h = c.header;
  std::ostringstream out;
  out << path << ": " << form << " checkpoint, format " << h.format_version() << ", "
      << Thousands(bytes) << " bytes\n";
  out << "model: " << (h.model_name().empty() ? "(unnamed)" : h.model_name()) << ", "
      << h.nodes_size() << " nodes, fingerprint "
      << (h.model_fingerprint().empty() ? "(none)" : h.model_fingerprint()) << "\n";
  out << "epoch " << h.epoch() << ", step " << h.step();
  if (h.epoch_samples() > 0) {
    out << " (mid-epoch: " << h.epoch_samples() << " samples of epoch " << h.epoch() + 1
        << " done)";
  }
  out << "\n\ntraining configuration:\n";
  const pb::Message& config = h.config();
  const pb::Descriptor* d = config.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      const int n = config.GetReflection()->FieldSize(config, f);
      out << "  " << f->name() << ":" << (n == 0 ? " (none)" : "") << "\n";
      for (int k = 0; k < n; ++k) out << "    " << FieldValue(config, f, k, false) << "\n";
    } else if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      out << "  " << f->name() << ": " << FieldValue(config, f, 0, false) << "\n";
    }
  }

  out << "\nmetrics (" << h.metrics_size() << " epochs):\n";
  if (h.metrics_size() > 0) {
    const pb::Descriptor* md = h.metrics(0).GetDescriptor();
    out << " ";
    for (int i = 0; i < md->field_count(); ++i) out << " " << md->field(i)->name();
    out << "\n";
    for (const proto::EpochMetrics& m : h.metrics()) {
      out << " ";
      for (int i = 0; i < md->field_count(); ++i) {
        const pb::FieldDescriptor* f = md->field(i);
        if (f->is_repeated() || f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
        out << " " << FieldValue(m, f, 0, false);
      }
      out << "\n";
    }
  }

  if (h.step_metrics_size() > 0) {
    const proto::StepMetrics& last = h.step_metrics(h.step_metrics_size() - 1);
    out << "step metrics: " << h.step_metrics_size() << " rows (--log-every), the last: step "
        << last.step() << ", loss " << last.loss() << ", lr " << last.lr() << "\n";
  }

  // Grouped by kind, in the order ListCheckpointTensors gives the kinds.
  std::vector<TensorKind> kinds;
  for (const CheckpointTensor& t : tensors) {
    if (std::find(kinds.begin(), kinds.end(), t.kind) == kinds.end()) kinds.push_back(t.kind);
  }
  if (tensors.empty()) out << "\nno tensors\n";
  for (TensorKind kind : kinds) {
    int64_t count = 0, values = 0;
    for (const CheckpointTensor& t : tensors) {
      if (t.kind == kind) ++count, values += t.tensor->size();
    }
    out << "\n" << TensorKindName(kind) << " tensors: " << count << ", " << Thousands(values)
        << " values\n";
    char line[512];
    std::snprintf(line, sizeof(line), "  %-32s %-16s %-8s %13s %13s %13s\n", "name", "shape",
                  "dtype", "min", "mean", "max");
    out << line;
    for (const CheckpointTensor& t : tensors) {
      if (t.kind != kind) continue;
      const Stats s = TensorStats(*t.tensor);
      std::snprintf(line, sizeof(line), "  %-32s %-16s %-8s %13.6g %13.6g %13.6g", t.name.c_str(),
                    t.tensor->shape().ToString().c_str(), DTypeName(t.tensor->dtype()), s.min,
                    s.mean, s.max);
      out << line;
      if (s.non_finite > 0) out << "  (" << s.non_finite << " non-finite values)";
      out << "\n";
    }
  }
  std::cout << out.str();
}

}  // namespace

int InspectCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("checkpoint", po::value<std::string>(), "checkpoint (.ckpt or .ckpt.txt)")
      ("json", po::bool_switch(), "print one JSON object");
  po::variables_map vm;
  if (!ParseArgs("inspect", "CKPT [--json]", args, options, {"checkpoint"}, &vm)) return kExitOk;
  const std::string path = vm["checkpoint"].as<std::string>();
  const Checkpoint checkpoint = ReadCheckpointFile(path);
  std::error_code ec;
  const uintmax_t bytes = std::filesystem::file_size(path, ec);
  const std::string form = IsCheckpointTextPath(path) ? "text" : "binary";
  const std::vector<CheckpointTensor> tensors = ListCheckpointTensors(checkpoint);
  if (vm["json"].as<bool>()) {
    PrintJson(checkpoint, path, form, ec ? 0 : bytes, tensors);
  } else {
    PrintText(checkpoint, path, form, ec ? 0 : bytes, tensors);
  }
  return kExitOk;
}

}  // namespace nabla::cli
