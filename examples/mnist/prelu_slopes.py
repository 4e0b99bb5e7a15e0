#!/usr/bin/env python3
"""Learned PReLU slopes of the course network (mlp_prelu.pbtxt).

mlp_prelu.pbtxt is 784-1000-100-10 with one PReLU slope per layer
(num_parameters 1) starting at --init (0.1). For each seed, one run of

    nabla train mlp_prelu.pbtxt --data DATA --epochs 20 --seed SEED \\
        --set act1.init=0.1 --set act2.init=0.1 \\
        --track act1.slope --track act2.slope \\
        --lr 0.01 --momentum 0.9 --batch-size 256 --threads 2 \\
        --metrics OUT/runs/seed_SEED.csv

`--track` makes nabla add each slope's value at the end of every epoch to
the metrics. The slopes are exempt from weight decay (there is none here).

Writes into OUT (default examples/mnist/results/prelu_slopes/):
  trajectories.csv         seed, epoch, act1_slope, act2_slope, train_loss,
                           test_loss, test_accuracy; epoch 0 is the initial
                           value (no losses)
  trajectory_summary.csv   per epoch: mean and sample std over seeds
  final.csv                per seed the last epoch's slopes, losses and
                           accuracy, then rows "mean" and "std"
  prelu_slopes.png, .svg   slopes per epoch (mean, +-1 std band, each seed
                           thin) and train/test loss per epoch
  prelu_slopes.gp, prelu_slopes.dat, runs/, commands.txt, run_info.json

  python3 examples/mnist/prelu_slopes.py              # 5 seeds x 20 epochs
  python3 examples/mnist/prelu_slopes.py --quick      # 2 seeds x 1 epoch
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import experiment_lib as lib  # noqa: E402

EXPERIMENT = "prelu_slopes"
NODES = ["act1", "act2"]


def parse_args(argv):
    parser = lib.common_parser(__doc__, EXPERIMENT)
    parser.add_argument("--seeds", type=int, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--epochs", type=int, help="epochs per run (default 20)")
    parser.add_argument("--init", default="0.1", help="initial slope of both layers")
    parser.add_argument("--model", default=lib.graph_path("mlp_prelu.pbtxt"),
                        help="graph file with PReLU nodes act1 and act2")
    args = parser.parse_args(argv)
    args.seeds = args.seeds or (2 if args.quick else 5)
    args.epochs = args.epochs or (1 if args.quick else 20)
    try:
        args.init_value = float(args.init)
    except ValueError:
        parser.error("--init: '%s' is not a number" % args.init)
    return args


def plot(out_dir, per_seed, summary, args):
    # prelu_slopes.dat, blocks separated by two blank lines (gnuplot index):
    #   index 0: summary (epoch, act1 mean, std, act2 mean, std, train loss
    #            mean, std, test loss mean, std)
    #   index 1..n: one seed each (epoch, act1, act2)
    blocks = ["\n".join(" ".join("%.9g" % v for v in row) for row in summary)]
    for rows in per_seed:
        blocks.append("\n".join("%d %.9g %.9g" % (r[0], r[1], r[2]) for r in rows))
    with open(os.path.join(out_dir, "prelu_slopes.dat"), "w") as f:
        f.write("\n\n\n".join(blocks) + "\n")
    seeds = len(per_seed)
    title = ("PReLU slopes (one per layer, init %s), %s, %d seed(s), SGD lr %g momentum %g "
             "batch %d" % (args.init, args.data, len(per_seed), args.lr, args.momentum,
                           args.batch_size))
    body = """set multiplot layout 2,1 title "%(title)s"
set grid
set lmargin 10
set rmargin 3
set key outside top center horizontal
set xrange [0:%(epochs)d]
set ylabel 'learned slope'
set style fill transparent solid 0.2 noborder
plot 'prelu_slopes.dat' index 0 using 1:($2-$3):($2+$3) with filledcurves lc rgb '#1f77b4' title 'act1 (784->1000) mean +- std', \\
     '' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' notitle, \\
     for [i=1:%(seeds)d] 'prelu_slopes.dat' index i using 1:2 with lines lw 0.5 lc rgb '#1f77b4' notitle, \\
     'prelu_slopes.dat' index 0 using 1:($4-$5):($4+$5) with filledcurves lc rgb '#d62728' title 'act2 (1000->100) mean +- std', \\
     '' index 0 using 1:4 with lines lw 2 lc rgb '#d62728' notitle, \\
     for [i=1:%(seeds)d] 'prelu_slopes.dat' index i using 1:3 with lines lw 0.5 lc rgb '#d62728' notitle, \\
     0 with lines lc rgb 'black' dt 3 notitle
set xlabel 'epoch'
set ylabel 'loss'
set logscale y
plot 'prelu_slopes.dat' index 0 using 1:6:7 every ::1 with yerrorlines pt 7 ps 0.5 lc rgb '#2ca02c' title 'train loss (mean +- std)', \\
     '' index 0 using 1:8:9 every ::1 with yerrorlines pt 7 ps 0.5 lc rgb '#9467bd' title 'test loss (mean +- std)'
unset multiplot""" % {"title": title, "epochs": args.epochs, "seeds": seeds}
    lib.run_gnuplot(os.path.join(out_dir, "prelu_slopes.gp"),
                    lib.both_terminals("prelu_slopes", body, size=(900, 800)), out_dir)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now()
    nabla, out_dir, runner = lib.prepare(args, EXPERIMENT)

    results = []  # TrainResult per seed
    for seed in range(args.seeds):
        print("seed %d" % seed, flush=True)
        results.append(runner.train(
            args.model, args.data, args.epochs,
            os.path.join(out_dir, "runs", "seed_%d.csv" % seed), seed=seed,
            sets=["%s.init=%s" % (n, args.init) for n in NODES],
            track=["%s.slope" % n for n in NODES], options=lib.sgd_options(args)))

    nan = float("nan")
    trajectories, per_seed, finals = [], [], []
    for seed, r in enumerate(results):
        rows = [[0, args.init_value, args.init_value]]
        trajectories.append([seed, 0, args.init_value, args.init_value, None, None, None])
        for e in r.rows:
            slopes = [e["%s.slope" % n] for n in NODES]
            rows.append([e["epoch"]] + slopes)
            trajectories.append([seed, e["epoch"]] + slopes +
                                [e["train_loss"], e["test_loss"], e["test_accuracy"]])
        per_seed.append(rows)
        last = r.final or {}
        finals.append([seed] + [last.get("%s.slope" % n, nan) for n in NODES] +
                      [last.get(k, nan) for k in ("train_loss", "test_loss", "test_accuracy")] +
                      [len(r.rows), r.diverged_at])
    lib.write_csv(os.path.join(out_dir, "trajectories.csv"),
                  ["seed", "epoch", "act1_slope", "act2_slope", "train_loss", "test_loss",
                   "test_accuracy"], trajectories)

    summary = []
    for epoch in range(args.epochs + 1):
        at = [t for t in trajectories if t[1] == epoch]
        if not at:
            break
        row = [epoch]
        for col in (2, 3, 4, 5, 6):
            row += list(lib.mean_std([t[col] for t in at if t[col] is not None]))
        row.append(len(at))
        summary.append(row)
    lib.write_csv(os.path.join(out_dir, "trajectory_summary.csv"),
                  ["epoch", "act1_slope_mean", "act1_slope_std", "act2_slope_mean",
                   "act2_slope_std", "train_loss_mean", "train_loss_std", "test_loss_mean",
                   "test_loss_std", "test_accuracy_mean", "test_accuracy_std", "runs"],
                  summary)

    finished = [f for f in finals if not f[7]]
    stats = [lib.mean_std([f[c] for f in finished]) for c in range(1, 6)]
    lib.write_csv(os.path.join(out_dir, "final.csv"),
                  ["seed", "act1_slope", "act2_slope", "final_train_loss", "test_loss",
                   "test_accuracy", "epochs_done", "diverged_at"],
                  finals + [["mean"] + [s[0] for s in stats] + [None, None],
                            ["std"] + [s[1] for s in stats] + [None, None]])
    for name, (m, s) in zip(["act1 slope", "act2 slope", "final train loss", "test loss",
                             "test accuracy"], stats):
        print("%-17s %.4f +- %.4f" % (name, m, s))

    if not args.no_plot:
        plot(out_dir, per_seed, [r[:9] for r in summary], args)
    lib.write_run_info(out_dir, args, started, {"nabla": nabla})
    print("wrote %s" % out_dir)
    return 0


if __name__ == "__main__":
    lib.main_wrapper(main)
