// nabla plot METRICS.csv... -o CURVE.png|svg: the learning curves of one
// or more `nabla train --metrics` files, drawn by gnuplot (Debian's
// gnuplot-nox): loss and accuracy against epoch, train against validation
// (and test where evaluated), one colour per run; with --log-every rows, a
// third panel of the step losses against the step.
//
// The CSVs are parsed and checked here (a bad file is named with its line
// before gnuplot runs); gnuplot gets the numbers inline in its script,
// draws into a private temporary directory, and the image is then written
// to -o atomically, so a failure leaves no partial image behind.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "graph/atomic_file.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "tools/cli/help.h"

extern char** environ;

namespace nabla::cli {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The columns drawn, as nabla train writes them (train_command.cc).
const char* const kEpochColumns[] = {"epoch",          "train_loss", "val_loss",    "test_loss",
                                     "train_accuracy", "val_accuracy", "test_accuracy"};

struct Run {
  std::string path, title;
  std::vector<std::vector<double>> epochs;  // kEpochColumns per row
  std::vector<std::vector<double>> steps;   // step, loss
};

// One CSV line into fields; double quotes enclose fields with commas.
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

double Number(const std::string& text, const std::string& where, const std::string& column) {
  if (text.empty() || text == "nan" || text == "-nan") return kNaN;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') {
    NABLA_THROW(kInvalidFile) << where << ": column '" << column << "': '" << text
                              << "' is not a number";
  }
  return v;
}

Run ReadMetrics(const std::string& path) {
  const std::string text = ReadFileBounded(path, size_t{256} << 20, "metrics file");
  Run run;
  run.path = path;
  run.title = fs::path(path).filename().string();
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) NABLA_THROW(kInvalidFile) << path << ": empty file";
  std::map<std::string, size_t> column;
  const std::vector<std::string> header = SplitCsv(line);
  for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  for (const char* name : {"epoch", "train_loss"}) {
    if (!column.count(name)) {
      NABLA_THROW(kInvalidFile) << path << ":1: no column '" << name
                                << "': not a `nabla train --metrics` file (header: " << line
                                << ")";
    }
  }
  const bool has_kind = column.count("row") > 0;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::vector<std::string> fields = SplitCsv(line);
    const std::string where = path + ":" + std::to_string(line_number);
    if (fields.size() != header.size()) {
      NABLA_THROW(kInvalidFile) << where << ": " << fields.size() << " fields, the header has "
                                << header.size();
    }
    auto field = [&](const std::string& name) -> std::string {
      auto it = column.find(name);
      return it == column.end() ? "" : fields[it->second];
    };
    if (field("epoch").empty()) continue;  // the diverged_at row
    if (has_kind && field("row") == "step") {
      run.steps.push_back({Number(field("step"), where, "step"),
                           Number(field("train_loss"), where, "train_loss")});
      continue;
    }
    std::vector<double> row;
    for (const char* name : kEpochColumns) row.push_back(Number(field(name), where, name));
    run.epochs.push_back(row);
  }
  if (run.epochs.empty() && run.steps.empty()) {
    NABLA_THROW(kInvalidFile) << path << ": no epoch or step rows to plot";
  }
  return run;
}

// A gnuplot single-quoted string ('' is a quote inside one).
std::string Quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string GnuplotNumber(double v) {
  if (!std::isfinite(v)) return "NaN";
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", v);
  return text;
}

bool AnyFinite(const std::vector<std::vector<double>>& rows, size_t col) {
  for (const auto& r : rows) {
    if (std::isfinite(r[col])) return true;
  }
  return false;
}

std::string Script(const std::vector<Run>& runs, const std::string& terminal,
                   const std::string& image, const std::string& title) {
  bool any_steps = false, any_epochs = false;
  for (const Run& r : runs) any_steps |= !r.steps.empty(), any_epochs |= !r.epochs.empty();
  const int panels = (any_epochs ? 2 : 0) + (any_steps ? 1 : 0);
  std::ostringstream s;
  s << "set terminal " << terminal << " size " << 560 * panels << ",480 noenhanced\n"
    << "set output " << Quoted(image) << "\n"
    << "set datafile missing 'NaN'\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    s << "$epochs" << i << " << EOD\n";
    for (const auto& row : runs[i].epochs) {
      for (size_t k = 0; k < row.size(); ++k) {
        // Accuracies in percent.
        s << (k ? " " : "") << GnuplotNumber(k >= 4 ? 100 * row[k] : row[k]);
      }
      s << "\n";
    }
    s << "EOD\n$steps" << i << " << EOD\n";
    for (const auto& row : runs[i].steps) s << GnuplotNumber(row[0]) << " " << GnuplotNumber(row[1]) << "\n";
    s << "EOD\n";
  }
  double last_epoch = 0;
  for (const Run& r : runs) {
    for (const auto& row : r.epochs) last_epoch = std::max(last_epoch, row[0]);
  }
  s << "set multiplot layout 1," << panels << " title " << Quoted(title) << "\n"
    << "set grid\n";
  // dash types: train solid, validation dashed, test dotted.
  auto panel = [&](const std::string& ylabel, size_t first_col, const char* what,
                   const char* key) {
    // Whole epochs on the axis while there are few of them.
    s << "set xlabel 'epoch'\n" << (last_epoch <= 20 ? "set xtics 1\n" : "set xtics autofreq\n")
      << "set key " << key << "\nset ylabel " << Quoted(ylabel) << "\nplot ";
    bool first = true;
    const char* splits[] = {"train", "val", "test"};
    for (size_t i = 0; i < runs.size(); ++i) {
      for (int k = 0; k < 3; ++k) {
        const size_t col = first_col + k;
        if (!AnyFinite(runs[i].epochs, col)) continue;
        s << (first ? "" : ", \\\n     ") << "$epochs" << i << " using 1:" << col + 1
          << " with linespoints lc " << i + 1 << " dt " << k + 1 << " pt " << k + 1
          << " title " << Quoted(runs[i].title + " " + splits[k] + " " + what);
        first = false;
      }
    }
    if (first) s << "NaN notitle";  // nothing finite to draw
    s << "\n";
  };
  if (any_epochs) {
    // Keys where the curves usually are not: loss falls, accuracy rises.
    panel("loss", 1, "loss", "top right");
    panel("accuracy (%)", 4, "accuracy", "bottom right");
  }
  if (any_steps) {
    s << "set xlabel 'step'\nset xtics autofreq\nset key top right\n"
      << "set ylabel 'loss per step'\nplot ";
    bool first = true;
    for (size_t i = 0; i < runs.size(); ++i) {
      if (runs[i].steps.empty()) continue;
      s << (first ? "" : ", \\\n     ") << "$steps" << i << " using 1:2 with lines lc " << i + 1
        << " title " << Quoted(runs[i].title + " step loss");
      first = false;
    }
    s << "\n";
  }
  s << "unset multiplot\nset output\n";
  return s.str();
}

// Runs `gnuplot SCRIPT` with stdout and stderr into LOG; its exit status.
int RunGnuplot(const std::string& script, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string program = "gnuplot";
  char* argv[] = {program.data(), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid;
  const int spawned = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    NABLA_THROW(kNotFound) << "cannot run gnuplot (" << std::strerror(spawned)
                           << "): nabla plot draws with it; install Debian's gnuplot-nox "
                              "(tools/setup.sh does)";
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int PlotCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("metrics", po::value<std::vector<std::string>>()->composing(),
       "nabla train --metrics CSV files (one run each)")
      ("output,o", po::value<std::string>()->required(), "the image: .png or .svg")
      ("title", po::value<std::string>(), "figure title (default: the files' names)");
  const std::string usage = "METRICS.csv... -o CURVE.png|svg [--title T]";
  po::options_description all = options;
  all.add_options()("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("metrics", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << FormatHelp("plot", usage, all, {"metrics"});
      return kExitOk;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string("nabla plot: ") + e.what() + "\nusage: nabla plot " + usage);
  }
  if (!vm.count("metrics")) {
    throw UsageError("nabla plot: missing METRICS.csv\nusage: nabla plot " + usage);
  }
  const std::vector<std::string> files = vm["metrics"].as<std::vector<std::string>>();
  const std::string out = vm["output"].as<std::string>();
  const std::string ext = fs::path(out).extension().string();
  std::string terminal;
  if (ext == ".png") {
    terminal = "pngcairo";
  } else if (ext == ".svg") {
    terminal = "svg dynamic background '#ffffff'";
  } else {
    throw UsageError("nabla plot: -o must end in .png or .svg, found '" + out + "'");
  }
  for (const std::string& f : files) {
    if (SameFile(f, out)) {
      throw UsageError("nabla plot: -o '" + out + "' is the input " + f +
                       ": writing it would destroy it");
    }
  }
  CheckWritable(out, "-o: ");

  std::vector<Run> runs;
  for (const std::string& f : files) runs.push_back(ReadMetrics(f));
  std::string title;
  if (vm.count("title")) {
    title = vm["title"].as<std::string>();
  } else {
    for (const Run& r : runs) title += (title.empty() ? "" : ", ") + r.title;
  }

  // A private directory for the script, gnuplot's image and its messages.
  std::string dir_template = (fs::temp_directory_path() / "nabla-plot-XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    NABLA_THROW(kInvalidArgument) << "cannot create a temporary directory in "
                                  << fs::temp_directory_path() << ": " << std::strerror(errno);
  }
  const fs::path dir = dir_template;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  const std::string image = (dir / ("curve" + ext)).string();
  const std::string script = (dir / "curve.gp").string();
  const std::string log = (dir / "gnuplot.log").string();
  WriteFileAtomic(script, Script(runs, terminal, image, title));
  const int status = RunGnuplot(script, log);
  std::ifstream log_in(log);
  const std::string messages((std::istreambuf_iterator<char>(log_in)), {});
  std::error_code ec;
  if (status != 0 || !fs::exists(image, ec) || fs::file_size(image, ec) == 0) {
    NABLA_THROW(kInternal) << "gnuplot failed (exit status " << status << ") drawing " << out
                           << ":\n" << messages;
  }
  WriteFileAtomic(out, ReadFileBounded(image, size_t{256} << 20, "gnuplot's image"));
  std::printf("wrote %s (%zu run(s))\n", out.c_str(), runs.size());
  return kExitOk;
}

}  // namespace nabla::cli
