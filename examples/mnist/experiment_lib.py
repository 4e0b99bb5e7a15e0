"""Shared helpers for the MNIST experiment scripts in this folder.

The scripts drive the `nabla` command line (tools/nabla.cc) and nothing
else: each training run is one `nabla train ... --metrics FILE.csv` process,
each evaluation one `nabla eval ... --json`. Python 3 standard library only;
plots are drawn by gnuplot (Debian package gnuplot-nox).

Every script logs each nabla command it runs, with exit status and wall
time, to OUT/commands.txt, and writes OUT/run_info.json (arguments, data
set, CPU model, total wall time), so a results folder says how it was made.

Exit codes of `nabla train` the scripts rely on: 0 trained, 4 diverged
(non-finite loss or gradient; the metrics CSV then holds the epochs done and
a final row whose diverged_at names epoch and step). Any other code is a
failure and stops the script.
"""

import argparse
import csv
import datetime
import gzip
import hashlib
import json
import math
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXIT_DIVERGED = 4


class ExperimentError(Exception):
    """A problem the user can fix (missing tool, data or binary)."""


# --- locating things --------------------------------------------------------


def graph_path(name):
    """A graph file of this folder (examples/mnist/NAME)."""
    return os.path.join(HERE, name)


def find_nabla(explicit):
    """--nabla, else $NABLA_BIN, else REPO/bazel-bin/tools/nabla, else PATH."""
    candidates = [explicit, os.environ.get("NABLA_BIN"),
                  os.path.join(REPO, "bazel-bin", "tools", "nabla")]
    for c in candidates:
        if c:
            if os.path.isfile(c) and os.access(c, os.X_OK):
                return os.path.abspath(c)
            if c is explicit:
                raise ExperimentError("--nabla %s: no such executable" % c)
    on_path = shutil.which("nabla")
    if on_path:
        return on_path
    raise ExperimentError(
        "cannot find the nabla binary: build it with `bazel build //tools:nabla` "
        "(looked for %s), or pass --nabla PATH or set NABLA_BIN"
        % os.path.join(REPO, "bazel-bin", "tools", "nabla"))


def require_gnuplot():
    if shutil.which("gnuplot") is None:
        raise ExperimentError(
            "gnuplot not found on PATH; the plots need it. Install it with "
            "`apt-get install gnuplot-nox` (tools/setup.sh does), or pass "
            "--no-plot to write only the CSV files")


def resolve_data_dir(data_arg):
    """The directory a --data value names, as data/dataset_dir.h resolves it."""
    if data_arg == "fashion-mnist":
        return "/usr/share/datasets/fashion-mnist"
    if data_arg == "mnist-digits":
        home = os.environ.get("NABLA_DATA_HOME", "/var/lib/nabla/data")
        return os.path.join(home, "mnist-digits")
    if data_arg == "mnist":
        if "NABLA_MNIST_DIR" not in os.environ:
            raise ExperimentError("--data mnist needs NABLA_MNIST_DIR")
        return os.environ["NABLA_MNIST_DIR"]
    return data_arg


def check_data(data_arg, splits=("train", "t10k")):
    """Fails early, with the set-up hint, when a split is missing."""
    directory = resolve_data_dir(data_arg)
    for split in splits:
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            name = os.path.join(directory, "%s-%s" % (split, kind))
            if not (os.path.exists(name) or os.path.exists(name + ".gz")):
                hint = " (run tools/setup.sh)" if data_arg in (
                    "mnist-digits", "fashion-mnist") else ""
                raise ExperimentError("--data %s: %s(.gz) not found%s"
                                      % (data_arg, name, hint))
    return directory


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown (lscpu not found)"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


# --- IDX files (for carving a validation split) -----------------------------


def _open(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def _find(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise ExperimentError("%s: %s(.gz) not found" % (directory, stem))


def read_idx_split(directory, split):
    """(list of 784-byte images, list of labels) of split 'train' or 't10k'."""
    with _open(_find(directory, split + "-images-idx3-ubyte")) as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        raise ExperimentError("%s: not an IDX image file" % directory)
    size = rows * cols
    images = [data[16 + i * size:16 + (i + 1) * size] for i in range(count)]
    with _open(_find(directory, split + "-labels-idx1-ubyte")) as f:
        data = f.read()
    magic, count_labels = struct.unpack(">II", data[:8])
    if magic != 0x801 or count_labels != count:
        raise ExperimentError("%s: bad IDX label file" % directory)
    return images, list(data[8:8 + count]), (rows, cols)


def write_idx_split(directory, split, images, labels, shape):
    os.makedirs(directory, exist_ok=True)
    rows, cols = shape
    with gzip.open(os.path.join(directory, split + "-images-idx3-ubyte.gz"), "wb",
                   compresslevel=1) as f:
        f.write(struct.pack(">IIII", 0x803, len(images), rows, cols))
        f.write(b"".join(images))
    with gzip.open(os.path.join(directory, split + "-labels-idx1-ubyte.gz"), "wb",
                   compresslevel=1) as f:
        f.write(struct.pack(">II", 0x801, len(labels)))
        f.write(bytes(labels))


def only_candidates(parser, only, candidates):
    """--only's comma-separated names, looked up in `candidates` (tuples
    whose first item is the name); parser.error names an unknown one."""
    known = {c[0]: c for c in candidates}
    names = [n.strip() for n in only.split(",")]
    for n in names:
        if n not in known:
            parser.error("--only: unknown candidate '%s' (known: %s)"
                         % (n, ", ".join(sorted(known))))
    return [known[n] for n in names]


def official_test_folder(args, default):
    """--official-test resolved: `default` for full mnist-digits runs (never
    for --quick: the official set reports final models only), '' when the
    folder is missing (with a note) or the user passed ''."""
    folder = args.official_test
    if folder is None:
        folder = default if args.data == "mnist-digits" and not args.quick else ""
    if folder and not os.path.isdir(folder):
        print("note: %s not found; no official MNIST test evaluation" % folder)
        folder = ""
    return folder


# --- the final stage (deep_net.py, conv_net.py) --------------------------------

FINAL_HEADER = ["seed", "epochs_done", "diverged_at", "seconds", "data_test_accuracy",
                "data_test_loss", "data_test_samples", "official_mnist_test_accuracy",
                "official_mnist_test_loss", "official_mnist_test_samples"]


def evaluate(runner, model, ckpt, data, path, sets=()):
    """`nabla eval --json` of checkpoint `ckpt` on `data`, the JSON saved at
    `path`; returns [accuracy, loss, samples]."""
    ev = runner.eval_json(graph_path(model), ckpt, data, sets=sets)
    with open(path, "w") as f:
        json.dump(ev, f)
        f.write("\n")
    return [ev["accuracy"], ev["loss"], ev["samples"]]


def run_final(args, runner, out_dir, name, model, data, epochs, epoch_rows, epoch_header,
              options=(), sets=()):
    """The chosen candidate `name` retrained on `data` (the whole train
    split) for seeds 0 .. args.final_seeds - 1. Each checkpoint
    (OUT/checkpoints/final_seed_K.ckpt) is evaluated with `nabla eval --json`
    on args.data's test split and, when args.official_test names a folder,
    on the official MNIST t10k (OUT/eval/*.json). final.csv (FINAL_HEADER, a
    row per seed, then a mean and a std row) and final_per_epoch.csv
    (epoch_rows(label, seed, result) under epoch_header) are rewritten after
    every seed, so a run stopped early keeps what finished. Returns the
    TrainResults and the [mean row, std row]."""
    final, final_rows = [], []
    data_name = os.path.basename(os.path.normpath(args.data))
    stats = None
    for seed in range(args.final_seeds):
        print("final %s seed %d (%d epochs)" % (name, seed, epochs), flush=True)
        ckpt = os.path.join(out_dir, "checkpoints", "final_seed_%d.ckpt" % seed)
        r = runner.train(graph_path(model), data, epochs,
                         os.path.join(out_dir, "runs", "final_seed_%d.csv" % seed),
                         seed=seed, sets=sets, options=options, save=ckpt)
        final.append(r)
        row = [seed, len(r.rows), r.diverged_at, r.seconds]
        if r.diverged_at:
            row += [None] * 6
        else:
            row += evaluate(runner, model, ckpt, args.data, os.path.join(
                out_dir, "eval", "final_seed_%d_%s.json" % (seed, data_name)), sets)
            row += (evaluate(runner, model, ckpt, args.official_test, os.path.join(
                out_dir, "eval", "final_seed_%d_official_mnist_t10k.json" % seed), sets)
                if args.official_test else [None] * 3)
        final_rows.append(row)
        stats = [["mean", None, None, None], ["std", None, None, None]]
        for col in range(4, 10):
            m, s = mean_std([r[col] for r in final_rows if r[col] is not None])
            stats[0].append(m)
            stats[1].append(s)
        write_csv(os.path.join(out_dir, "final.csv"), FINAL_HEADER, final_rows + stats)
        write_csv(os.path.join(out_dir, "final_per_epoch.csv"), epoch_header,
                  [e for k, res in enumerate(final)
                   for e in epoch_rows("final_" + name, k, res)])
    return final, stats


# --- running nabla ----------------------------------------------------------


class Runner:
    """Runs nabla, logging every command to OUT/commands.txt."""

    def __init__(self, nabla, out_dir, threads, verbose=True, reuse=False):
        self.nabla = nabla
        self.out_dir = out_dir
        self.threads = threads
        self.verbose = verbose
        self.reuse = reuse
        self.log_path = os.path.join(out_dir, "commands.txt")
        self.logged = self._read_log() if reuse else []
        if not self.logged:
            with open(self.log_path, "w") as f:
                f.write("# nabla commands in the order run: exit status, wall seconds, "
                        "command (paths as on the machine that ran them)\n")

    def _read_log(self):
        """The successful commands of an earlier run's commands.txt, split."""
        if not os.path.exists(self.log_path):
            return []
        done = []
        with open(self.log_path) as f:
            for line in f:
                m = re.match(r"rc=0\s+[0-9.]+s\s+(.*)$", line.rstrip("\n"))
                if m:
                    done.append(shlex.split(m.group(1)))
        return done

    @staticmethod
    def _same_run(a, b):
        """Two train commands alike but for the binary, --data's folder (a
        fresh temporary validation split each time) and --threads."""
        def key(argv):
            out = []
            for i, x in enumerate(argv[1:], 1):
                out.append("*" if argv[i - 1] in ("--data", "--threads") else x)
            return out
        return key(a) == key(b)

    def _reusable(self, argv, metrics, epochs, save):
        """--reuse-runs: the finished result of an identical earlier command."""
        if not self.reuse or not os.path.exists(metrics) or (save and not os.path.exists(save)):
            return None
        if not any(self._same_run(argv, done) for done in self.logged):
            return None
        result = read_metrics(metrics)
        if len(result.rows) != epochs or result.diverged_at:
            return None
        result.seconds = sum(row.get("seconds") or 0.0 for row in result.rows)
        with open(self.log_path, "a") as f:
            f.write("# reused (--reuse-runs), not run again: %s\n" % shlex.join(argv))
        if self.verbose:
            print("  reused %s: %d epochs, test_acc %.4f" % (
                os.path.basename(metrics), epochs, result.rows[-1]["test_accuracy"]), flush=True)
        return result

    def _log(self, argv, rc, seconds):
        with open(self.log_path, "a") as f:
            f.write("rc=%d  %.1fs  %s\n" % (rc, seconds, shlex.join(argv)))

    def train(self, model, data, epochs, metrics, seed=0, sets=(), options=(),
              save=None, track=()):
        """Runs `nabla train`; returns TrainResult. Raises on exit codes other
        than 0 and 4 (diverged)."""
        argv = [self.nabla, "train", model, "--data", data, "--epochs", str(epochs),
                "--seed", str(seed), "--threads", str(self.threads),
                # The experiments report per-epoch test metrics (deep_net.py's
                # "test" split is its own validation split).
                "--eval-test", "--metrics", metrics]
        for s in sets:
            argv += ["--set", s]
        for t in track:
            argv += ["--track", t]
        argv += list(options)
        if save:
            argv += ["--save", save]
        reused = self._reusable(argv, metrics, epochs, save)
        if reused:
            return reused
        start = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True)
        seconds = time.monotonic() - start
        self._log(argv, proc.returncode, seconds)
        if proc.returncode not in (0, EXIT_DIVERGED):
            raise ExperimentError("nabla train failed (exit %d): %s\n%s"
                                  % (proc.returncode, shlex.join(argv), proc.stderr))
        result = read_metrics(metrics)
        result.seconds = seconds
        if proc.returncode == EXIT_DIVERGED and not result.diverged_at:
            # Older binaries or no --metrics support for divergence: take the
            # position from the message on stderr.
            result.diverged_at = parse_divergence(proc.stderr) or "diverged"
        if self.verbose:
            last = result.rows[-1] if result.rows else None
            state = ("diverged at %s" % result.diverged_at if result.diverged_at else
                     "test_acc %.4f" % last["test_accuracy"] if last else "no epochs")
            print("  %.1fs  %s" % (seconds, state), flush=True)
        return result

    def eval_json(self, model, weights, data, sets=()):
        argv = [self.nabla, "eval", model, "--weights", weights, "--data", data,
                "--json", "--threads", str(self.threads)]
        for s in sets:
            argv += ["--set", s]
        start = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True)
        seconds = time.monotonic() - start
        self._log(argv, proc.returncode, seconds)
        if proc.returncode != 0:
            raise ExperimentError("nabla eval failed (exit %d): %s\n%s"
                                  % (proc.returncode, shlex.join(argv), proc.stderr))
        return json.loads(proc.stdout)


class TrainResult:
    def __init__(self, rows, diverged_at, extra_columns):
        self.rows = rows                  # one dict per completed epoch
        self.diverged_at = diverged_at    # "EPOCH/STEP", or "" when it finished
        self.extra_columns = extra_columns  # tracked parameters, in order
        self.seconds = 0.0

    @property
    def final(self):
        return self.rows[-1] if self.rows else None


_DIVERGED = re.compile(r"at epoch (\d+), step (\d+)")


def parse_divergence(message):
    """'training diverged: ... at epoch 3, step 17 ...' -> '3/17' ('' if none)."""
    m = _DIVERGED.search(message or "")
    return "%s/%s" % (m.group(1), m.group(2)) if m else ""


def read_metrics(path):
    """Reads a `nabla train --metrics` CSV into a TrainResult."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        base = {"epoch", "train_loss", "test_loss", "test_accuracy", "seconds", "diverged_at",
                "train_accuracy", "val_loss", "val_accuracy", "lr", "step", "row"}
        extra = [c for c in fields if c not in base]
        rows, diverged = [], ""
        for raw in reader:
            if raw.get("diverged_at"):
                diverged = parse_divergence(raw["diverged_at"]) or raw["diverged_at"]
                continue
            if raw.get("row") == "step":  # --log-every rows
                continue
            row = {"epoch": int(raw["epoch"])}
            for key in ["train_loss", "test_loss", "test_accuracy", "seconds"] + extra:
                row[key] = to_float(raw.get(key))
            rows.append(row)
    return TrainResult(rows, diverged, extra)


# --- numbers and files ------------------------------------------------------


def to_float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return float("nan")


def finite(values):
    return [v for v in values if v is not None and math.isfinite(v)]


def mean_std(values):
    """Mean and sample standard deviation (0 for one value); NaNs if empty."""
    values = finite(values)
    if not values:
        return float("nan"), float("nan")
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def fmt(value, digits=6):
    """CSV formatting: empty for None, 'nan' for NaN, else %.{digits}g."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "nan"
    return "%.*g" % (digits, value)


def write_csv(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([fmt(v) for v in row])
    os.replace(tmp, path)


def run_gnuplot(script_path, script_text, cwd):
    """Writes a gnuplot script next to its outputs and runs it there."""
    with open(script_path, "w") as f:
        f.write(script_text)
    proc = subprocess.run(["gnuplot", os.path.basename(script_path)], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise ExperimentError("gnuplot failed on %s:\n%s" % (script_path, proc.stderr))


def both_terminals(stem, body, size=(900, 600)):
    """gnuplot text that draws `body` into STEM.png and STEM.svg.

    `body` runs once per terminal after a `reset`, so labels and arrows it
    sets are not drawn twice."""
    w, h = size
    text = ""
    for terminal, ext in (("pngcairo noenhanced size %d,%d font 'Sans,10'", "png"),
                          ("svg noenhanced size %d,%d dynamic font 'Sans,10'", "svg")):
        text += ("set terminal %s\nset output '%s.%s'\nreset\n%s\nset output\n"
                 % (terminal % (w, h), stem, ext, body))
    return text


# --- command line -----------------------------------------------------------


def common_parser(description, experiment):
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="mnist-digits",
                        help="nabla --data value: mnist-digits (default), fashion-mnist "
                             "or an IDX directory")
    parser.add_argument("--out", help="output folder (default: results/%s, or "
                                      "results/%s-DATA for other data sets)"
                        % (experiment, experiment))
    parser.add_argument("--quick", action="store_true",
                        help="tiny smoke run (seconds): few settings, 1 epoch")
    parser.add_argument("--nabla", help="nabla binary (default: $NABLA_BIN, "
                                        "bazel-bin/tools/nabla, PATH)")
    parser.add_argument("--threads", type=int, default=2, help="nabla --threads (default 2)")
    parser.add_argument("--no-plot", action="store_true",
                        help="write CSV files only (no gnuplot needed)")
    parser.add_argument("--reuse-runs", action="store_true",
                        help="keep a training run that OUT/commands.txt records as "
                             "finished with the same options (binary, --data folder and "
                             "--threads aside) when its metrics CSV has every epoch and "
                             "its checkpoint exists, instead of training again; "
                             "commands.txt is appended to")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--batch-size", type=int, default=256)
    return parser


def default_out(args, experiment):
    if args.out:
        return os.path.abspath(args.out)
    name = experiment
    if args.data != "mnist-digits":
        name += "-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(
            os.path.normpath(args.data)))
    if args.quick:
        name += "-quick"
    return os.path.join(HERE, "results", name)


def prepare(args, experiment, subdirs=("runs",)):
    """The start every experiment shares: check gnuplot (unless --no-plot),
    the nabla binary and the data, create the output folders. Returns
    (nabla path, output folder, Runner)."""
    if not args.no_plot:
        require_gnuplot()
    nabla = find_nabla(args.nabla)
    check_data(args.data)
    out_dir = default_out(args, experiment)
    for sub in subdirs:
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    return nabla, out_dir, Runner(nabla, out_dir, args.threads, reuse=args.reuse_runs)


def sgd_options(args):
    return ["--lr", repr(args.lr), "--momentum", repr(args.momentum),
            "--batch-size", str(args.batch_size)]


def write_run_info(out_dir, args, started, extra=None):
    info = {
        "command": shlex.join(["python3"] + sys.argv),
        "arguments": vars(args),
        "data_dir": resolve_data_dir(args.data),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": round((datetime.datetime.now() - started).total_seconds(), 1),
    }
    if extra:
        info.update(extra)
    if info.get("nabla"):
        with open(info["nabla"], "rb") as f:
            info["nabla_sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(out_dir, "run_info.json"), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write("\n")


def main_wrapper(main):
    """Runs main(), turning ExperimentError into a message and exit 2."""
    try:
        sys.exit(main())
    except ExperimentError as e:
        print("%s: error: %s" % (os.path.basename(sys.argv[0]), e), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
