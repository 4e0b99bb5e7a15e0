#!/usr/bin/python3
"""PyTorch side of the nabla-vs-PyTorch benchmark (see bench/README.md).

Runs one workload on Fashion-MNIST and prints one JSON object (with --json)
with the same keys as bazel-bin/bench/nabla_bench:

  model A: 784-1000-100-10, LeakyReLU(0.01) after each hidden Linear
  model B: 784-1024-512-64-10, PReLU(num_parameters=1, init=0.1) after each
           hidden Linear
  --mode train    samples/s of one shuffled training epoch (60000 samples,
                  batch 256, SGD lr 0.01 momentum 0.9, cross-entropy) after
                  --warmup training batches
  --mode infer    samples/s of eval-mode forward passes under torch.no_grad
                  over the test set (10000 samples, batch 256), after
                  --warmup batches
  --mode latency  median and p90 microseconds of single-sample (batch 1)
                  forward passes, after --warmup passes

  --precision bf16  the forward and the loss under
                  torch.autocast('cpu', dtype=torch.bfloat16): PyTorch's
                  one-line mixed precision (bf16 GEMMs through oneDNN,
                  float32 weights and optimiser)

Run it with Debian's /usr/bin/python3 (python3-torch), not a pyenv python.
The script re-executes itself with LD_LIBRARY_PATH pointing at the OpenMP
build of the BLAS that --blas names (openblas, default, or blis; system:
whatever libblas.so.3 resolves to), then reports which BLAS library the
process actually mapped (from /proc/self/maps).
"""

import argparse
import gzip
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

BLAS_OPENMP_DIRS = {
    "openblas": "/usr/lib/x86_64-linux-gnu/openblas-openmp",
    "blis": "/usr/lib/x86_64-linux-gnu/blis-openmp",
}
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
BATCH_SIZE = 256
LEARNING_RATE = 0.01
MOMENTUM = 0.9
NUM_PIXELS = 28 * 28
NUM_CLASSES = 10


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=["A", "B", "C"], required=True)
    p.add_argument("--mode", choices=["train", "infer", "latency"], required=True)
    p.add_argument("--threads", type=int, required=True,
                   help="intra-op threads (torch.set_num_threads)")
    p.add_argument("--data", default=DEFAULT_DATA_DIR,
                   help="directory holding the Fashion-MNIST *-ubyte.gz files")
    p.add_argument("--epochs", type=int, default=None,
                   help="timed passes over the data set "
                        "(train: default 1, infer: default 10)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed warm-up batches (train, infer: default 20) "
                        "or batch-1 passes (latency: default 200)")
    p.add_argument("--samples", type=int, default=None,
                   help="use only the first N samples of the data set "
                        "(for quick smoke tests; default: all)")
    p.add_argument("--latency-iters", type=int, default=2000,
                   help="timed batch-1 forward passes (latency)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout")
    p.add_argument("--blas", choices=["openblas", "blis", "system"],
                   default="openblas",
                   help="BLAS behind torch's float32 GEMMs: the OpenMP build "
                        "of OpenBLAS or BLIS, or whatever libblas.so.3 "
                        "resolves to")
    p.add_argument("--system-blas", action="store_const", const="system",
                   dest="blas", help="same as --blas system")
    p.add_argument("--precision", choices=["float32", "bf16"],
                   default="float32",
                   help="bf16: forward and loss under torch.autocast('cpu', "
                        "dtype=torch.bfloat16)")
    args = p.parse_args()
    if args.threads < 1:
        p.error("--threads must be at least 1")
    if args.epochs is None:
        args.epochs = 10 if args.mode == "infer" else 1
    if args.warmup is None:
        args.warmup = 200 if args.mode == "latency" else 20
    return args


def select_blas_openmp(name):
    """Re-exec this script with that BLAS's OpenMP build first on the library path.

    The dynamic loader reads LD_LIBRARY_PATH only at process start, so it
    cannot be changed from inside the process that imports torch.
    """
    directory = BLAS_OPENMP_DIRS[name]
    if not os.path.isdir(directory):
        return  # Not installed: the BLAS report below will show what loaded.
    path = os.environ.get("LD_LIBRARY_PATH", "")
    if path.split(":")[0] == directory:
        return
    os.environ["LD_LIBRARY_PATH"] = ":".join(
        p for p in [directory, path] if p)
    script = os.path.abspath(__file__)
    os.execv(sys.executable, [sys.executable, script] + sys.argv[1:])


def mapped_blas_libraries():
    """Files of BLAS/LAPACK libraries mapped into this process, in map order."""
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) < 6:
                continue
            path = fields[5].strip()
            name = os.path.basename(path)
            if ("blas" in name or "lapack" in name) and path not in found:
                found.append(path)
    return found


def loaded_blas(libraries):
    """The mapped file behind libblas.so.3 (what libtorch_cpu links against)."""
    for path in libraries:
        if os.path.basename(path).startswith("libblas.so"):
            return path
    for path in libraries:  # Some builds link an OpenBLAS directly.
        if "openblas" in os.path.basename(path) or "blis" in os.path.basename(path):
            return path
    return "none"


# ---------------------------------------------------------------- data

def read_idx(path):
    """Read a gzip'ed IDX file into a NumPy uint8 array of its shape."""
    import numpy as np
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    if magic >> 8 != 0x08:  # 0x08: unsigned byte elements
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = magic & 0xFF
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_split(torch, data_dir, split, limit):
    """Images as float32 [N, 784] in [0, 1] and labels as int64 [N]."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.reshape(len(images), NUM_PIXELS).astype("float32")
    x /= 255.0
    return torch.from_numpy(x), torch.from_numpy(labels.astype("int64"))


# ---------------------------------------------------------------- models

def build_model(nn, name):
    if name == "C":
        # examples/mnist/cnn.pbtxt: images [N, 1, 28, 28].
        return nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, NUM_CLASSES))
    if name == "A":
        sizes = [NUM_PIXELS, 1000, 100, NUM_CLASSES]
        activation = lambda: nn.LeakyReLU(0.01)
    else:
        sizes = [NUM_PIXELS, 1024, 512, 64, NUM_CLASSES]
        activation = lambda: nn.PReLU(num_parameters=1, init=0.1)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def anon_huge_pages_mib():
    """Anonymous memory on transparent huge pages now (None if unknown)."""
    try:
        with open("/proc/self/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- workloads

def autocast_for(torch, args):
    """A context manager: autocast to bf16 with --precision bf16, else nothing."""
    import contextlib
    if args.precision == "bf16":
        return lambda: torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext


def train(torch, model, x, y, args):
    """Samples/s and sample-weighted mean loss over the timed epochs."""
    autocast = autocast_for(torch, args)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE,
                                momentum=MOMENTUM)
    generator = torch.Generator().manual_seed(args.seed)
    n = len(x)
    model.train()

    def run_batches(order):
        total_loss = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            optimizer.zero_grad(set_to_none=True)
            with autocast():
                loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(idx)
        return total_loss

    warmup = torch.randperm(n, generator=generator)[:args.warmup * BATCH_SIZE]
    run_batches(warmup)

    total_loss, samples = 0.0, 0
    start = time.perf_counter()
    for _ in range(args.epochs):
        total_loss += run_batches(torch.randperm(n, generator=generator))
        samples += n
    elapsed = time.perf_counter() - start
    return {"samples_per_s": samples / elapsed, "final_loss": total_loss / samples,
            "timed_samples": samples, "elapsed_s": elapsed}


def infer(torch, model, x, args):
    """Samples/s of batched eval-mode forward passes."""
    model.eval()
    n = len(x)
    with torch.no_grad(), autocast_for(torch, args)():
        for i in range(args.warmup):
            start = (i * BATCH_SIZE) % n
            model(x[start:start + BATCH_SIZE])
        samples = 0
        start_time = time.perf_counter()
        for _ in range(args.epochs):
            for start in range(0, n, BATCH_SIZE):
                model(x[start:start + BATCH_SIZE])
            samples += n
        elapsed = time.perf_counter() - start_time
    return {"samples_per_s": samples / elapsed, "timed_samples": samples,
            "elapsed_s": elapsed}


def latency(torch, model, x, args):
    """Median and p90 (nearest rank) of batch-1 forward passes, in µs."""
    model.eval()
    n = len(x)
    times_ns = []
    with torch.no_grad(), autocast_for(torch, args)():
        for i in range(args.warmup):
            model(x[i % n:i % n + 1])
        for i in range(args.latency_iters):
            sample = x[i % n:i % n + 1]
            t0 = time.perf_counter_ns()
            model(sample)
            times_ns.append(time.perf_counter_ns() - t0)
    times_us = sorted(t / 1000.0 for t in times_ns)
    p90 = times_us[math.ceil(0.9 * len(times_us)) - 1]
    return {"latency_us_median": statistics.median(times_us),
            "latency_us_p90": p90,
            "samples_per_s": len(times_ns) / (sum(times_ns) / 1e9),
            "timed_samples": len(times_ns), "elapsed_s": sum(times_ns) / 1e9}


# ---------------------------------------------------------------- main

def main():
    args = parse_args()
    if args.blas != "system":
        select_blas_openmp(args.blas)
    # Before torch loads libgomp, so its thread pool starts at the right size.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    try:
        import torch
    except ImportError:
        sys.exit("torch_bench: cannot import torch; run with /usr/bin/python3 "
                 "(apt-get install python3-torch)")
    torch.set_num_threads(args.threads)
    if torch.get_num_threads() != args.threads:
        sys.exit(f"torch_bench: asked for {args.threads} threads, "
                 f"torch.get_num_threads() = {torch.get_num_threads()}")
    torch.manual_seed(args.seed)

    split = "train" if args.mode == "train" else "test"
    x, y = load_split(torch, args.data, split, args.samples)
    if args.model == "C":
        x = x.reshape(len(x), 1, 28, 28).contiguous()
    model = build_model(torch.nn, args.model)

    if args.mode == "train":
        result = train(torch, model, x, y, args)
    elif args.mode == "infer":
        result = infer(torch, model, x, args)
    else:
        result = latency(torch, model, x, args)

    # BLAS is certainly loaded and used by now (every Linear ran an sgemm).
    blas_libs = mapped_blas_libraries()
    report = {
        "framework": "pytorch",
        "model": args.model,
        "mode": args.mode,
        "threads": torch.get_num_threads(),
        "precision": args.precision,
        "samples_per_s": result.get("samples_per_s"),
        "latency_us_median": result.get("latency_us_median"),
        "latency_us_p90": result.get("latency_us_p90"),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "anon_huge_pages_mib": anon_huge_pages_mib(),
        "blas": loaded_blas(blas_libs),
        "torch_version": torch.__version__,
        "final_loss": result.get("final_loss"),
        "blas_libs": blas_libs,
        "timed_samples": result["timed_samples"],
        "elapsed_s": result["elapsed_s"],
    }
    print(f"torch_bench: BLAS mapped: {report['blas']} "
          f"(all: {', '.join(blas_libs) or 'none'}); "
          f"threads: {report['threads']}", file=sys.stderr)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            if value is not None and key != "blas_libs":
                print(f"{key:>18}: {value}")


if __name__ == "__main__":
    main()
