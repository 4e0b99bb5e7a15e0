#!/usr/bin/env python3
"""The deeper PReLU network (deep_prelu.pbtxt, 784-1024-512-64-10), then the
best MLP this script can find with what nabla offers.

Three stages, each a set of `nabla train` runs:

1. baseline: deep_prelu.pbtxt as the course trained it (SGD lr 0.01,
   momentum 0.9, batch 256, 20 epochs), seeds 0..2, on DATA's train split,
   test accuracy per epoch on DATA's test split.

2. tuning: a fixed list of candidates (CANDIDATES below: more epochs, cosine
   learning-rate schedule, weight decay, dropout through
   deep_prelu_dropout.pbtxt, Adam, and +-1 pixel shifted copies of the
   training images), each with seeds 0 and 1, trained on 7/8 of DATA's train
   split and scored on the other 1/8 (every 8th image, index % 8 == 7), a
   validation split this script writes as IDX files into a temporary
   folder. The candidate with the best mean final validation accuracy wins.
   DATA's test split plays no part in the choice.

3. final: the winner retrained on the whole train split, seeds 0..2, each
   checkpoint saved and evaluated with `nabla eval --json` on DATA's test
   split and, when --official-test names a folder that exists (default
   /work/shared/data/mnist, used only with --data mnist-digits and not with
   --quick), on the
   official MNIST test set (t10k, 10,000 images). Seed 0's checkpoint is the
   one kept as best.ckpt, fixed in advance: no number from a test set
   selects anything.

Writes into OUT (default examples/mnist/results/deep_net/):
  baseline_per_epoch.csv, baseline_summary.csv, baseline.png/.svg
  tuning.csv (one row per candidate and seed), tuning_summary.csv,
  tuning.png/.svg
  final_per_epoch.csv, final.csv (per seed: eval --json numbers),
  final.png/.svg, eval/*.json (raw `nabla eval --json` output)
  checkpoints/final_seed_K.ckpt, checkpoints/best.ckpt (= seed 0)
  runs/, commands.txt, run_info.json, *.gp, *.dat

  python3 examples/mnist/deep_net.py
  python3 examples/mnist/deep_net.py --quick       # 1 epoch per stage
"""

import datetime
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import experiment_lib as lib  # noqa: E402

EXPERIMENT = "deep_net"
OFFICIAL_TEST = "/work/shared/data/mnist"

DEEP = "deep_prelu.pbtxt"
DROPOUT = "deep_prelu_dropout.pbtxt"


def sgd(lr, schedule="constant", wd=0):
    return ["--optimizer", "sgd", "--lr", str(lr), "--momentum", "0.9", "--batch-size", "256",
            "--lr-schedule", schedule, "--weight-decay", str(wd)]


def adam(lr, schedule="constant", wd=0):
    return ["--optimizer", "adam", "--lr", str(lr), "--batch-size", "256",
            "--lr-schedule", schedule, "--weight-decay", str(wd)]


# name, description, graph file, epochs, nabla options, --set overrides,
# shifted copies (training images only). Fixed before any run.
CANDIDATES = [
    ("sgd20", "course setting: SGD 0.01, 20 epochs", DEEP, 20, sgd(0.01), [], False),
    ("sgd60", "SGD 0.01, 60 epochs", DEEP, 60, sgd(0.01), [], False),
    ("sgd60_cos", "SGD 0.05 cosine, 60 epochs", DEEP, 60, sgd(0.05, "cosine"), [], False),
    ("sgd60_cos_wd", "SGD 0.05 cosine, wd 5e-4, 60 epochs", DEEP, 60,
     sgd(0.05, "cosine", 5e-4), [], False),
    ("adam60_cos", "Adam 1e-3 cosine, 60 epochs", DEEP, 60, adam(1e-3, "cosine"), [], False),
    ("drop100_cos", "dropout 0.2/0.3/0.3, SGD 0.05 cosine, 100 epochs", DROPOUT, 100,
     sgd(0.05, "cosine"), [], False),
    ("drop100_cos_wd", "dropout 0.2/0.3/0.3, SGD 0.05 cosine, wd 5e-4, 100 epochs", DROPOUT,
     100, sgd(0.05, "cosine", 5e-4), [], False),
    ("drop100_p5_cos", "dropout 0.2/0.5/0.5, SGD 0.05 cosine, 100 epochs", DROPOUT, 100,
     sgd(0.05, "cosine"), ["drop1.p=0.5", "drop2.p=0.5"], False),
    ("adam100_drop_cos", "dropout 0.2/0.3/0.3, Adam 1e-3 cosine, 100 epochs", DROPOUT, 100,
     adam(1e-3, "cosine"), [], False),
    ("shift30_cos", "x5 data (+-1 px shifts), SGD 0.05 cosine, 30 epochs", DEEP, 30,
     sgd(0.05, "cosine"), [], True),
    ("shift40_drop_cos", "x5 data (+-1 px shifts), dropout 0.2/0.3/0.3, SGD 0.05 cosine, "
     "40 epochs", DROPOUT, 40, sgd(0.05, "cosine"), [], True),
]
QUICK_CANDIDATES = [
    ("sgd1", "SGD 0.01, 1 epoch", DEEP, 1, sgd(0.01), [], False),
    ("adam1_drop", "dropout, Adam 1e-3, 1 epoch", DROPOUT, 1, adam(1e-3), [], False),
]


def parse_args(argv):
    parser = lib.common_parser(__doc__, EXPERIMENT)
    parser.add_argument("--epochs", type=int, help="baseline epochs (default 20)")
    parser.add_argument("--baseline-seeds", type=int, help="default 3")
    parser.add_argument("--tune-seeds", type=int, help="default 2")
    parser.add_argument("--final-seeds", type=int, help="default 3")
    parser.add_argument("--only", help="comma-separated candidate names to try (default all)")
    parser.add_argument("--official-test", default=None,
                        help="IDX folder with the official MNIST t10k files (default %s "
                             "when --data is mnist-digits and it exists; '' to skip)"
                        % OFFICIAL_TEST)
    args = parser.parse_args(argv)
    q = args.quick
    args.epochs = args.epochs or (1 if q else 20)
    args.baseline_seeds = args.baseline_seeds or (1 if q else 3)
    args.tune_seeds = args.tune_seeds or (1 if q else 2)
    args.final_seeds = args.final_seeds or (1 if q else 3)
    candidates = QUICK_CANDIDATES if q else CANDIDATES
    if args.only:
        candidates = lib.only_candidates(parser, args.only, CANDIDATES + QUICK_CANDIDATES)
    args.candidates = candidates
    args.official_test = lib.official_test_folder(args, OFFICIAL_TEST)
    return args


# --- data ---------------------------------------------------------------------


def shifted(image, dx, dy, rows, cols):
    """The image moved by (dx, dy) pixels, zero-filled."""
    out = bytearray(rows * cols)
    for r in range(rows):
        src_r = r - dy
        if not 0 <= src_r < rows:
            continue
        row = image[src_r * cols:(src_r + 1) * cols]
        if dx > 0:
            out[r * cols + dx:(r + 1) * cols] = row[:cols - dx]
        elif dx < 0:
            out[r * cols:(r + 1) * cols + dx] = row[-dx:]
        else:
            out[r * cols:(r + 1) * cols] = row
    return bytes(out)


def with_shifts(images, labels, shape):
    """Each image and its four 1-pixel shifts (left, right, up, down)."""
    rows, cols = shape
    out_images, out_labels = [], []
    for image, label in zip(images, labels):
        for dx, dy in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
            out_images.append(image if dx == dy == 0 else shifted(image, dx, dy, rows, cols))
            out_labels.append(label)
    return out_images, out_labels


class DataSets:
    """The IDX folders the stages train on, made lazily in a temporary folder:
    the validation split (train 7/8 + val 1/8 as t10k) and shifted copies."""

    def __init__(self, data_arg, tmp):
        self.data_arg = data_arg
        self.dir = lib.resolve_data_dir(data_arg)
        self.tmp = tmp
        self.cache = {}

    def get(self, validation, shift):
        key = (validation, shift)
        if key == (False, False):
            return self.data_arg
        if key in self.cache:
            return self.cache[key]
        train_images, train_labels, shape = lib.read_idx_split(self.dir, "train")
        if validation:
            test_images = [x for i, x in enumerate(train_images) if i % 8 == 7]
            test_labels = [x for i, x in enumerate(train_labels) if i % 8 == 7]
            train_images = [x for i, x in enumerate(train_images) if i % 8 != 7]
            train_labels = [x for i, x in enumerate(train_labels) if i % 8 != 7]
        else:
            test_images, test_labels, _ = lib.read_idx_split(self.dir, "t10k")
        if shift:
            train_images, train_labels = with_shifts(train_images, train_labels, shape)
        folder = os.path.join(self.tmp, "%s%s" % ("val" if validation else "full",
                                                  "_shift" if shift else ""))
        lib.write_idx_split(folder, "train", train_images, train_labels, shape)
        lib.write_idx_split(folder, "t10k", test_images, test_labels, shape)
        print("  made %s: %d train, %d %s" % (folder, len(train_images), len(test_images),
                                             "validation" if validation else "test"))
        self.cache[key] = folder
        return folder


# --- plots --------------------------------------------------------------------


def per_epoch_summary(results):
    """[epoch, acc mean, std, test loss mean, std, train loss mean, std, runs]."""
    summary = []
    epochs = max((len(r.rows) for r in results), default=0)
    for e in range(epochs):
        rows = [r.rows[e] for r in results if len(r.rows) > e]
        line = [e + 1]
        for key in ("test_accuracy", "test_loss", "train_loss"):
            line += list(lib.mean_std([row[key] for row in rows]))
        summary.append(line + [len(rows)])
    return summary


def plot_curves(out_dir, stem, title, summary, results):
    blocks = ["\n".join(" ".join("%.9g" % v for v in row) for row in summary)]
    for r in results:
        blocks.append("\n".join("%d %.9g %.9g %.9g" % (
            row["epoch"], row["test_accuracy"], row["test_loss"], row["train_loss"])
            for row in r.rows))
    with open(os.path.join(out_dir, stem + ".dat"), "w") as f:
        f.write("\n\n\n".join(blocks) + "\n")
    body = """set multiplot layout 2,1 title "%(title)s"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set ylabel 'test accuracy'
set style fill transparent solid 0.2 noborder
plot '%(stem)s.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#2ca02c' title 'mean +- std over seeds', \\
     '%(stem)s.dat' index 0 using 1:2 with lines lw 2 lc rgb '#2ca02c' notitle, \\
     for [i=1:%(n)d] '%(stem)s.dat' index i using 1:2 with lines lw 0.5 lc rgb '#2ca02c' notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot '%(stem)s.dat' index 0 using 1:6 with lines lw 2 lc rgb '#1f77b4' title 'train loss (mean)', \\
     '%(stem)s.dat' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' title 'test loss (mean)'
unset multiplot""" % {"title": title, "stem": stem, "n": len(results)}
    lib.run_gnuplot(os.path.join(out_dir, stem + ".gp"),
                    lib.both_terminals(stem, body, size=(900, 750)), out_dir)


def plot_tuning(out_dir, summary, title):
    lines = []
    for i, row in enumerate(summary):
        lines.append("%d %.9g %.9g %.9g %.9g \"%s\"" % (i, row[2], row[3], row[4], row[5],
                                                         row[0]))
    with open(os.path.join(out_dir, "tuning.dat"), "w") as f:
        f.write("\n".join(lines) + "\n")
    body = """set title "%(title)s"
set grid
set lmargin 10
set bmargin 9
set key top left
set xtics rotate by -35
set xrange [-0.5:%(xmax)g]
set ylabel 'final validation accuracy'
plot 'tuning.dat' using 1:2:4:5:xtic(6) with yerrorbars pt 7 lc rgb '#1f77b4' title 'mean over seeds, bars min..max'""" % {
        "title": title, "xmax": len(summary) - 0.5}
    lib.run_gnuplot(os.path.join(out_dir, "tuning.gp"),
                    lib.both_terminals("tuning", body, size=(900, 550)), out_dir)


# --- stages -------------------------------------------------------------------


def epoch_rows(label, seed, result):
    return [[label, seed, r["epoch"], r["train_loss"], r["test_loss"], r["test_accuracy"]]
            for r in result.rows]


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now()
    nabla, out_dir, runner = lib.prepare(args, EXPERIMENT, ("runs", "eval", "checkpoints"))
    tmp = tempfile.mkdtemp(prefix="deep_net_data_")
    try:
        return run(args, nabla, out_dir, runner, DataSets(args.data, tmp), started)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, nabla, out_dir, runner, datasets, started):
    # 1. baseline
    baseline = []
    for seed in range(args.baseline_seeds):
        print("baseline seed %d" % seed, flush=True)
        baseline.append(runner.train(
            lib.graph_path(DEEP), args.data, args.epochs,
            os.path.join(out_dir, "runs", "baseline_seed_%d.csv" % seed), seed=seed,
            options=["--lr", repr(args.lr), "--momentum", repr(args.momentum),
                     "--batch-size", str(args.batch_size)]))
    header = ["stage", "seed", "epoch", "train_loss", "test_loss", "test_accuracy"]
    lib.write_csv(os.path.join(out_dir, "baseline_per_epoch.csv"), header,
                  [row for s, r in enumerate(baseline) for row in epoch_rows("baseline", s, r)])
    base_summary = per_epoch_summary(baseline)
    summary_header = ["epoch", "test_accuracy_mean", "test_accuracy_std", "test_loss_mean",
                      "test_loss_std", "train_loss_mean", "train_loss_std", "runs"]
    lib.write_csv(os.path.join(out_dir, "baseline_summary.csv"), summary_header, base_summary)
    if not args.no_plot:
        plot_curves(out_dir, "baseline", "deep_prelu.pbtxt 784-1024-512-64-10, %s, SGD lr %g "
                    "momentum %g batch %d, %d seed(s)" % (args.data, args.lr, args.momentum,
                                                          args.batch_size, len(baseline)),
                    base_summary, baseline)

    # 2. tuning on the validation split
    tuning, tuning_summary = [], []
    for name, desc, model, epochs, options, sets, shift in args.candidates:
        data = datasets.get(validation=True, shift=shift)
        runs = []
        for seed in range(args.tune_seeds):
            print("tuning %s seed %d" % (name, seed), flush=True)
            r = runner.train(lib.graph_path(model), data, epochs,
                             os.path.join(out_dir, "runs", "tune_%s_seed_%d.csv" % (name, seed)),
                             seed=seed, sets=sets, options=options)
            last = r.final or {}
            nan = float("nan")
            runs.append([name, seed, len(r.rows), last.get("train_loss", nan),
                         last.get("test_loss", nan), last.get("test_accuracy", nan),
                         r.diverged_at, r.seconds])
        tuning += runs
        finished = [x[5] for x in runs if not x[6]]
        mean, std = lib.mean_std(finished)
        good = lib.finite(finished)
        tuning_summary.append([name, desc, mean, std, min(good) if good else None,
                               max(good) if good else None, len(runs) - len(finished),
                               sum(x[7] for x in runs)])
        lib.write_csv(os.path.join(out_dir, "tuning.csv"),
                      ["candidate", "seed", "epochs_done", "final_train_loss", "val_loss",
                       "val_accuracy", "diverged_at", "seconds"], tuning)
    ranked = [row for row in tuning_summary if row[2] == row[2]]  # drop NaN means
    if not ranked:
        raise lib.ExperimentError("every tuning candidate diverged")
    best = max(ranked, key=lambda row: row[2])
    lib.write_csv(os.path.join(out_dir, "tuning_summary.csv"),
                  ["candidate", "description", "val_accuracy_mean", "val_accuracy_std",
                   "val_accuracy_min", "val_accuracy_max", "diverged_runs", "seconds",
                   "chosen"],
                  [row + ["yes" if row is best else ""] for row in tuning_summary])
    if not args.no_plot:
        plot_tuning(out_dir, tuning_summary, "candidates on the validation split (1/8 of %s "
                    "train), %d seed(s); chosen: %s" % (args.data, args.tune_seeds, best[0]))
    print("chosen: %s (%s), validation accuracy %.4f" % (best[0], best[1], best[2]))

    # 3. final: the chosen candidate on the whole train split
    name, desc, model, epochs, options, sets, shift = next(
        c for c in args.candidates if c[0] == best[0])
    data = datasets.get(validation=False, shift=shift)
    final, stats = lib.run_final(args, runner, out_dir, name, model, data, epochs, epoch_rows,
                                 header, options=options, sets=sets)
    if final and os.path.exists(os.path.join(out_dir, "checkpoints", "final_seed_0.ckpt")):
        shutil.copyfile(os.path.join(out_dir, "checkpoints", "final_seed_0.ckpt"),
                        os.path.join(out_dir, "checkpoints", "best.ckpt"))
    if not args.no_plot:
        plot_curves(out_dir, "final", "chosen: %s (%s), %s train split, %d seed(s)"
                    % (name, desc, args.data, len(final)), per_epoch_summary(final), final)
    print("final %s: %s test accuracy %.4f +- %.4f" % (name, args.data, stats[0][4],
                                                       stats[1][4]))
    if args.official_test:
        print("official MNIST t10k accuracy %.4f +- %.4f" % (stats[0][7], stats[1][7]))
    lib.write_run_info(out_dir, args, started, {
        "nabla": nabla, "chosen": name, "chosen_description": desc,
        "official_test": args.official_test or None, "best_checkpoint": "checkpoints/best.ckpt"})
    print("wrote %s" % out_dir)
    return 0


if __name__ == "__main__":
    lib.main_wrapper(main)
