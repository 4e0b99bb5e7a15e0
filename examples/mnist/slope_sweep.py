#!/usr/bin/env python3
"""LeakyReLU slope sweep on the course network (mlp_leaky.pbtxt, 784-1000-100-10).

For each slope s and seed, one run of

    nabla train mlp_leaky.pbtxt --data DATA --epochs 20 --seed SEED \\
        --set act1.slope=s --set act2.slope=s --lr 0.01 --momentum 0.9 \\
        --batch-size 256 --threads 2 --metrics OUT/runs/slope_s_seed_SEED.csv

A run that stops with exit code 4 (non-finite loss or gradient) is a result:
it stays in the tables with diverged_at = "EPOCH/STEP" and its last completed
epoch's numbers (epochs_done says how many), and is left out of the means.

Writes into OUT (default examples/mnist/results/slope_sweep/):
  results.csv   slope, seed, epochs_done, final_train_loss, test_loss,
                test_accuracy, diverged_at, seconds      (one row per run)
  summary.csv   per slope: runs, diverged runs, mean/std/min/max of the final
                train loss, test loss and test accuracy over the runs that
                finished
  sweep.png, sweep.svg   train loss, test loss, test accuracy vs slope: mean
                over seeds with min..max bars; slopes where a run diverged
                get a red dashed line and "k/n diverged"
  sweep.gp, sweep.dat    the gnuplot script and its data
  runs/         nabla's per-epoch metrics of every run
  commands.txt, run_info.json

  python3 examples/mnist/slope_sweep.py                 # 14 slopes x 3 seeds
  python3 examples/mnist/slope_sweep.py --data fashion-mnist --seeds 1
  python3 examples/mnist/slope_sweep.py --quick         # 4 slopes, 1 epoch
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import experiment_lib as lib  # noqa: E402

SLOPES = ["-1", "-0.5", "-0.2", "-0.1", "0", "0.01", "0.1", "0.2", "0.5", "1", "1.5",
          "2", "3", "5"]
QUICK_SLOPES = ["-0.5", "0.01", "1", "3"]
EXPERIMENT = "slope_sweep"


def parse_args(argv):
    parser = lib.common_parser(__doc__, EXPERIMENT)
    parser.add_argument("--slopes", help="comma-separated slopes (default: %s)"
                        % ",".join(SLOPES))
    parser.add_argument("--seeds", type=int, help="seeds 0..N-1 per slope (default 3)")
    parser.add_argument("--epochs", type=int, help="epochs per run (default 20)")
    parser.add_argument("--model", default=lib.graph_path("mlp_leaky.pbtxt"),
                        help="graph file with LeakyReLU nodes act1 and act2")
    args = parser.parse_args(argv)
    if args.slopes:
        slopes = [s.strip() for s in args.slopes.split(",") if s.strip()]
    else:
        slopes = QUICK_SLOPES if args.quick else SLOPES
    for s in slopes:
        try:
            float(s)
        except ValueError:
            parser.error("--slopes: '%s' is not a number" % s)
    args.slope_list = slopes
    args.seeds = args.seeds or (1 if args.quick else 3)
    args.epochs = args.epochs or (1 if args.quick else 20)
    return args


def summarize(slope, runs):
    finished = [r for r in runs if not r["diverged_at"]]
    row = [slope, len(runs), len(runs) - len(finished)]
    for key in ("final_train_loss", "test_loss", "test_accuracy"):
        values = [r[key] for r in finished]
        mean, std = lib.mean_std(values)
        good = lib.finite(values)
        row += [mean, std, min(good) if good else None, max(good) if good else None]
    return row


SUMMARY_HEADER = ["slope", "runs", "diverged_runs",
                  "train_loss_mean", "train_loss_std", "train_loss_min", "train_loss_max",
                  "test_loss_mean", "test_loss_std", "test_loss_min", "test_loss_max",
                  "test_accuracy_mean", "test_accuracy_std", "test_accuracy_min",
                  "test_accuracy_max"]


def plot(out_dir, summary, args):
    # sweep.dat: slope and (mean, min, max) of train loss, test loss, test
    # accuracy, for slopes with at least one finished run.
    lines = ["# slope train_mean train_min train_max test_loss_mean test_loss_min "
             "test_loss_max acc_mean acc_min acc_max"]
    marks = []
    for row in summary:
        slope, runs, diverged = row[0], row[1], row[2]
        if diverged:
            marks.append((float(slope), "%d/%d diverged" % (diverged, runs)))
        if diverged < runs:
            vals = [row[3], row[5], row[6], row[7], row[9], row[10], row[11], row[13], row[14]]
            lines.append(" ".join([slope] + ["%.9g" % v for v in vals]))
    with open(os.path.join(out_dir, "sweep.dat"), "w") as f:
        f.write("\n".join(lines) + "\n")
    decorations = "set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#999999' dt 3\n"
    for slope, text in marks:
        decorations += ("set arrow from %g, graph 0 to %g, graph 1 nohead lc rgb 'red' "
                        "dt 2 lw 1.5\nset label '%s' at %g, graph 0.5 rotate by 90 "
                        "center offset -1,0 tc rgb 'red'\n" % (slope, slope, text, slope))
    diverged_key = ("NaN with lines lc rgb 'red' dt 2 lw 1.5 title 'run(s) diverged (exit 4), "
                    "not in the mean', " if marks else "")
    xs = [float(row[0]) for row in summary]
    pad = 0.04 * ((max(xs) - min(xs)) or 1)
    title = ("LeakyReLU slope sweep, %s, %d epoch(s), %d seed(s), SGD lr %g momentum %g "
             "batch %d%s" % (args.data, args.epochs, args.seeds, args.lr, args.momentum,
                             args.batch_size, "" if marks else "; no run diverged"))
    body = """set multiplot layout 3,1 title "%(title)s"
set grid
set key outside top center horizontal
set xrange [%(xmin)g:%(xmax)g]
set lmargin 12
set rmargin 3
%(dec)sset ylabel 'final train loss'
set logscale y
plot %(dk)s'sweep.dat' using 1:2:3:4 with yerrorlines pt 7 lc rgb '#1f77b4' title 'mean over seeds, bars min..max', 1/0 with lines lc rgb '#999999' dt 3 title 'slope 1: linear network'
unset logscale y
unset key
set ylabel 'test loss'
plot 'sweep.dat' using 1:5:6:7 with yerrorlines pt 7 lc rgb '#d62728'
set ylabel 'test accuracy'
set xlabel 'LeakyReLU slope (act1 and act2)'
plot 'sweep.dat' using 1:8:9:10 with yerrorlines pt 7 lc rgb '#2ca02c'
unset multiplot""" % {"title": title, "dec": decorations, "dk": diverged_key,
                      "xmin": min(xs) - pad, "xmax": max(xs) + pad}
    lib.run_gnuplot(os.path.join(out_dir, "sweep.gp"),
                    lib.both_terminals("sweep", body, size=(900, 1000)), out_dir)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now()
    nabla, out_dir, runner = lib.prepare(args, EXPERIMENT)

    results, summary = [], []
    for slope in args.slope_list:
        runs = []
        for seed in range(args.seeds):
            print("slope %s seed %d" % (slope, seed), flush=True)
            metrics = os.path.join(out_dir, "runs", "slope_%s_seed_%d.csv" % (slope, seed))
            r = runner.train(args.model, args.data, args.epochs, metrics, seed=seed,
                             sets=["act1.slope=" + slope, "act2.slope=" + slope],
                             options=lib.sgd_options(args))
            final = r.final or {}
            nan = float("nan")
            runs.append({"slope": slope, "seed": seed, "epochs_done": len(r.rows),
                         "final_train_loss": final.get("train_loss", nan),
                         "test_loss": final.get("test_loss", nan),
                         "test_accuracy": final.get("test_accuracy", nan),
                         "diverged_at": r.diverged_at, "seconds": r.seconds})
        results += runs
        summary.append(summarize(slope, runs))
        header = ["slope", "seed", "epochs_done", "final_train_loss", "test_loss",
                  "test_accuracy", "diverged_at", "seconds"]
        lib.write_csv(os.path.join(out_dir, "results.csv"), header,
                      [[r[k] for k in header] for r in results])
        lib.write_csv(os.path.join(out_dir, "summary.csv"), SUMMARY_HEADER, summary)

    if not args.no_plot:
        plot(out_dir, summary, args)
    lib.write_run_info(out_dir, args, started, {"nabla": nabla})
    print("wrote %s" % out_dir)
    return 0


if __name__ == "__main__":
    lib.main_wrapper(main)
