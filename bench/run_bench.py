#!/usr/bin/python3
"""Benchmark nabla against PyTorch on the same workloads (see bench/README.md).

One command, from the repository root:

    bench/run_bench.py [--quick] [--reps N] [--out FILE] [--no-build]
                       [--nabla-bin PATH] [--data DIR]
                       [--models A,B,C] [--modes train,infer,latency]
                       [--precisions float32,bf16] [--threads 1,2]

The last four select a subset of the workloads (default: all of them).

It installs the Debian packages it needs if they are missing, builds
//bench:nabla_bench, then runs every workload with nabla (C++ API and
graph-file paths) and PyTorch in alternation, repetition by repetition, and
prints a Markdown table of medians with nabla/PyTorch ratios. The order of
the four runners rotates from one repetition to the next.

PyTorch runs twice per workload, on the OpenMP builds of OpenBLAS and of
BLIS, and nabla is compared with whichever was faster (the table says
which). bf16 rows run nabla --precision bf16 against PyTorch under
torch.autocast('cpu', dtype=torch.bfloat16). The GEMM bound of each training
workload (bench/gemm_bound.cc: oneDNN's matmul alone on the step's exact
shapes) is measured in the same run, and each framework is shown as a
fraction of it. Ratios are only printed when every PyTorch run mapped the
BLAS it was meant to.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH_BENCH = os.path.join(REPO_ROOT, "bench", "torch_bench.py")
NABLA_TARGET = "//bench:nabla_bench"
BOUND_TARGET = "//bench:gemm_bound"
GAPS_TARGET = "//bench:cpu_gaps"
NABLA_BIN = os.path.join(REPO_ROOT, "bazel-bin", "bench", "nabla_bench")
BOUND_BIN = os.path.join(REPO_ROOT, "bazel-bin", "bench", "gemm_bound")
GAPS_BIN = os.path.join(REPO_ROOT, "bazel-bin", "bench", "cpu_gaps")
# Before every timed run, bench/cpu_gaps.cc spins one thread per CPU for
# this long and records the share of time each CPU was away (the host
# running something else: a 2-thread step waits for its slower CPU at every
# barrier, a best-of-30 GEMM bound does not).
GAPS_SECONDS = 0.5
SYSTEM_PYTHON = "/usr/bin/python3"
BLAS_OPENMP_DIRS = {
    "OpenBLAS": "/usr/lib/x86_64-linux-gnu/openblas-openmp",
    "BLIS": "/usr/lib/x86_64-linux-gnu/blis-openmp",
}
# glibc's malloc on transparent huge pages, for every process of both
# frameworks: it makes PyTorch's training step about 4% faster here (nabla
# already advises its own large buffers, graph/huge_pages.h). Same
# environment on both sides; the report shows the huge pages each used.
MALLOC_TUNABLES = "glibc.malloc.hugetlb=1"
DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
PACKAGES = ["python3-torch", "libopenblas0-openmp", "libblis4-openmp",
            "dataset-fashion-mnist"]
RUN_TIMEOUT_S = 3600
# Other processes (a compiler, say) using more than this many cores during a
# run disturb it: on two cores an OpenMP team of two then loses its second
# core at every barrier, and 2-thread numbers can drop tenfold.
BACKGROUND_LIMIT_CORES = 0.2
IDLE_WAIT_S = 300
ATTEMPTS = 3

# Extra flags for --quick: a short epoch and fewer latency samples. Both
# torch_bench.py and nabla_bench accept them (bench/README.md).
QUICK_FLAGS = ["--samples", "5120", "--latency-iters", "200"]


class Workload:
    # Model C (the conv net) costs about 74 MFLOP per training sample, 25x
    # model A: its timed epoch is the first CONV_SAMPLES training images
    # (40 batches), not all 60,000. --quick's shorter epoch replaces it.
    CONV_SAMPLES = 10240

    def __init__(self, model, mode, threads, precision="float32"):
        self.model, self.mode, self.threads = model, mode, threads
        self.precision = precision

    @property
    def flags(self):
        flags = ["--model", self.model, "--mode", self.mode,
                 "--threads", str(self.threads), "--precision", self.precision]
        if self.model == "C" and Workload.CONV_SAMPLES:
            flags += ["--samples", str(Workload.CONV_SAMPLES), "--warmup", "5"]
        return flags

    @property
    def label(self):
        what = {"train": "train", "infer": "inference, batch 256",
                "latency": "latency, batch 1"}[self.mode]
        threads = "thread" if self.threads == 1 else "threads"
        precision = " **bf16**" if self.precision == "bf16" else ""
        return f"{self.model} {what}{precision}, {self.threads} {threads}"

    @property
    def metrics(self):
        """(JSON key, unit) pairs reported for this workload's main table rows."""
        if self.mode == "latency":
            return [("latency_us_median", "median µs"), ("latency_us_p90", "p90 µs")]
        return [("samples_per_s", "samples/s")]


WORKLOADS = ([Workload(model, mode, threads)
              for model, mode in [("A", "train"), ("B", "train"),
                                  ("A", "infer"), ("A", "latency")]
              for threads in (1, 2)]
             + [Workload(model, "train", threads, "bf16")
                for model in ("A", "B") for threads in (1, 2)]
             + [Workload("C", "train", threads, precision)
                for precision in ("float32", "bf16") for threads in (1, 2)])
TORCH_RUNNERS = [f"PyTorch ({blas})" for blas in BLAS_OPENMP_DIRS]


class Runner:
    """One framework/path: the command prefix and environment to run it with."""

    def __init__(self, name, command, env):
        self.name, self.command, self.env = name, command, env


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- setup

def ensure_packages():
    missing = [pkg for pkg in PACKAGES if not package_installed(pkg)]
    if not missing:
        return
    log(f"Installing missing packages: {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = sudo + ["apt-get", "install", "-y"] + missing
    if subprocess.run(install, env=env).returncode != 0:
        subprocess.run(sudo + ["apt-get", "update"], env=env)
        if subprocess.run(install, env=env).returncode != 0:
            sys.exit(f"run_bench: could not install {' '.join(missing)}")


def package_installed(package):
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", package],
        capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "installed"


def find_nabla(nabla_bin, skip_build):
    """Path of the nabla_bench binary to run, or None (with the reason logged)."""
    if nabla_bin:
        skip_build = True
    else:
        nabla_bin = NABLA_BIN
    if not skip_build:
        if shutil.which("bazel") is None:
            log("run_bench: bazel not found; not building nabla_bench")
        else:
            log(f"run_bench: bazel build {NABLA_TARGET} {BOUND_TARGET} {GAPS_TARGET}")
            result = subprocess.run(["bazel", "build", NABLA_TARGET, BOUND_TARGET, GAPS_TARGET],
                                    cwd=REPO_ROOT)
            if result.returncode != 0:
                log(f"run_bench: building {NABLA_TARGET} failed; "
                    "benchmarking PyTorch only")
                return None
    if not os.access(nabla_bin, os.X_OK):
        log(f"run_bench: {nabla_bin} is absent; "
            "benchmarking PyTorch only (no ratios)")
        return None
    return os.path.abspath(nabla_bin)


def make_runners(nabla_bin, data_dir, extra_flags):
    common = ["--data", data_dir, "--json"] + extra_flags
    env = dict(os.environ, GLIBC_TUNABLES=MALLOC_TUNABLES)
    runners = []
    if nabla_bin:
        for path in ("api", "graph"):
            runners.append(Runner(f"nabla ({path})",
                                  [nabla_bin, "--path", path] + common, dict(env)))
    # Each BLAS's OpenMP build for its PyTorch process only.
    for blas, directory in BLAS_OPENMP_DIRS.items():
        torch_env = dict(env)
        torch_env["LD_LIBRARY_PATH"] = ":".join(
            p for p in [directory, os.environ.get("LD_LIBRARY_PATH")] if p)
        runners.append(Runner(f"PyTorch ({blas})",
                              [SYSTEM_PYTHON, TORCH_BENCH, "--blas", blas.lower()] + common,
                              torch_env))
    return runners


def run_bounds(reps, wanted):
    """bounds[(model, threads)] -> list of gemm_bound reports, for the
    (model, threads) pairs in `wanted` that gemm_bound knows (A and B)."""
    bounds = {}
    if not os.access(BOUND_BIN, os.X_OK):
        log(f"run_bench: {BOUND_BIN} is absent; no GEMM bound rows")
        return bounds
    for model in ("A", "B"):
        for threads in (1, 2):
            if (model, threads) not in wanted:
                continue
            for _ in range(reps):
                wait_until_idle()
                result = subprocess.run([BOUND_BIN, "--model", model, "--threads", str(threads)],
                                        env=dict(os.environ, OMP_NUM_THREADS=str(threads)),
                                        capture_output=True, text=True, timeout=600)
                report = parse_report(result.stdout)
                if result.returncode == 0 and report:
                    bounds.setdefault((model, threads), []).append(report)
                    log(f"GEMM bound {model}, {threads} thread(s): "
                        f"{report['float32_samples_per_s']:.0f} float32, "
                        f"{report.get('bf16_samples_per_s') or 0:.0f} bf16 samples/s")
    return bounds


# ---------------------------------------------------------------- running

def cpu_seconds():
    """(busy CPU seconds of the whole machine, CPU seconds of our children)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: all but idle and iowait.
    busy = sum(fields[:8]) - fields[3] - fields[4]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (busy / os.sysconf("SC_CLK_TCK"),
            children.ru_utime + children.ru_stime)


def background_cores(before, after, wall_s):
    """Cores used by processes other than our children between two samples."""
    other = (after[0] - before[0]) - (after[1] - before[1])
    return max(other, 0.0) / wall_s if wall_s > 0 else 0.0


def wait_until_idle():
    """Wait (up to IDLE_WAIT_S) until other processes leave the CPUs alone."""
    deadline = time.monotonic() + IDLE_WAIT_S
    waited = False
    while True:
        before = cpu_seconds()
        time.sleep(1.0)
        load = background_cores(before, cpu_seconds(), 1.0)
        if load <= BACKGROUND_LIMIT_CORES or time.monotonic() > deadline:
            break
        if not waited:
            log(f"  waiting for the machine to go idle "
                f"(other processes use {load:.1f} cores)")
            waited = True


def run_one(runner, workload):
    """The run's JSON report, or None if it failed (reason logged).

    A run that other processes disturbed is retried, up to ATTEMPTS times in
    all; the last attempt is kept either way, marked by its background_cores.
    """
    for attempt in range(1, ATTEMPTS + 1):
        report = run_process(runner, workload)
        if report is None or report["background_cores"] <= BACKGROUND_LIMIT_CORES:
            return report
        if attempt < ATTEMPTS:
            log(f"  disturbed (other processes used "
                f"{report['background_cores']:.1f} cores); running it again")
    return report


def cpu_lost_fraction():
    """The largest share of time any CPU was away over GAPS_SECONDS
    (bench/cpu_gaps.cc), or None without the tool."""
    if not os.access(GAPS_BIN, os.X_OK):
        return None
    result = subprocess.run([GAPS_BIN, "--seconds", str(GAPS_SECONDS)],
                            capture_output=True, text=True, timeout=60)
    report = parse_report(result.stdout)
    if result.returncode != 0 or not report or not report.get("cpus"):
        log(f"  cpu_gaps failed: {result.stderr.strip()[:200]}")
        return None
    return max(c["lost_fraction"] for c in report["cpus"])


def run_process(runner, workload):
    env = dict(runner.env, OMP_NUM_THREADS=str(workload.threads))
    wait_until_idle()
    lost = cpu_lost_fraction()
    before, start = cpu_seconds(), time.monotonic()
    try:
        result = subprocess.run(runner.command + workload.flags, env=env,
                                cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        log(f"  {runner.name}: timed out after {RUN_TIMEOUT_S} s")
        return None
    background = background_cores(before, cpu_seconds(), time.monotonic() - start)
    report = parse_report(result.stdout)
    problem = None
    if result.returncode != 0:
        problem = f"exit status {result.returncode}"
    elif report is None:
        problem = "no JSON object on stdout"
    elif report.get("threads") != workload.threads:
        problem = f"ran with {report.get('threads')} threads"
    if problem:
        log(f"  {runner.name}: FAILED ({problem})")
        for line in result.stderr.strip().splitlines()[-10:]:
            log(f"    {line}")
        return None
    report["background_cores"] = background
    report["cpu_lost_before"] = lost
    return report


def parse_report(stdout):
    """The last line of stdout that parses as a JSON object."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            report = json.loads(line)
        except ValueError:
            continue
        if isinstance(report, dict):
            return report
    return None


def run_all(runners, workloads, reps):
    """results[workload index][runner name] -> list of JSON reports."""
    results = [{runner.name: [] for runner in runners} for _ in workloads]
    for rep in range(reps):
        # Each repetition starts the rotation one runner later, so no side
        # always runs first after the previous workload (or after the
        # other framework's process). With a fixed order, nabla (api),
        # always first, was slower than nabla (graph) on 2 threads in all
        # six pairs of one run and faster in a later one (bench/RESULTS.md,
        # 2026-12-01): a place in the order should not be able to decide.
        order = runners[rep % len(runners):] + runners[:rep % len(runners)]
        for i, workload in enumerate(workloads):
            for runner in order:
                log(f"[{rep + 1}/{reps}] {workload.label}: {runner.name}")
                report = run_one(runner, workload)
                if report is not None:
                    results[i][runner.name].append(report)
                    log("  " + summarize(report, workload))
    return results


def summarize(report, workload):
    parts = [f"{report[key]:.1f} {unit}" for key, unit in workload.metrics
             if report.get(key) is not None]
    parts.append(f"peak RSS {report.get('peak_rss_mib', 0):.0f} MiB")
    if report.get("blas"):
        parts.append(f"BLAS {report['blas']}")
    if report.get("cpu_lost_before") is not None:
        parts.append(f"CPU away before it {100 * report['cpu_lost_before']:.1f}%")
    if report["background_cores"] > BACKGROUND_LIMIT_CORES:
        parts.append(f"DISTURBED: other processes used "
                     f"{report['background_cores']:.1f} cores")
    return ", ".join(parts)


# ---------------------------------------------------------------- report

def median_of(reports, key):
    values = [r[key] for r in reports if r.get(key) is not None]
    return statistics.median(values) if values else None


def format_value(value):
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_cell(reports, key):
    values = [r[key] for r in reports if r.get(key) is not None]
    if not values:
        return "failed" if not reports else "—"
    cell = format_value(statistics.median(values))
    if len(values) > 1:
        cell += f" ({format_value(min(values))}–{format_value(max(values))})"
    return cell


def format_ratio(nabla_reports, torch_reports, key):
    nabla, torch = median_of(nabla_reports, key), median_of(torch_reports, key)
    if nabla is None or not torch:
        return "—"
    return f"{nabla / torch:.2f}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def best_torch(workload, by_runner):
    """The PyTorch runner with the better median on this workload, or None."""
    key, unit = workload.metrics[0]
    lower_is_better = workload.mode == "latency"
    best, best_value = None, None
    for name in TORCH_RUNNERS:
        value = median_of(by_runner.get(name, []), key)
        if value is None:
            continue
        if best is None or (value < best_value if lower_is_better else value > best_value):
            best, best_value = name, value
    return best


def build_tables(runners, workloads, results, bounds, show_ratios):
    """Markdown tables: speed, GEMM bound, peak memory, training loss."""
    names = [r.name for r in runners]
    nabla_names = [name for name in names if name not in TORCH_RUNNERS]

    def table(metric_list, with_ratios=True):
        ratio_names = nabla_names if show_ratios and with_ratios else []
        header = (["Workload", "Metric"] + names + ["best PyTorch"]
                  + [f"{name} / best PyTorch" for name in ratio_names])
        rows = []
        for workload, by_runner in zip(workloads, results):
            best = best_torch(workload, by_runner)
            for key, unit in metric_list(workload):
                row = [workload.label, unit]
                row += [format_cell(by_runner[name], key) for name in names]
                row.append(best.replace("PyTorch ", "") if best else "—")
                row += [format_ratio(by_runner[name], by_runner[best], key) if best else "—"
                        for name in ratio_names]
                rows.append(row)
        return markdown_table(header, rows)

    speed = table(lambda w: w.metrics)
    memory = table(lambda w: [("peak_rss_mib", "peak RSS MiB")])
    loss = table(lambda w: [("final_loss", "mean loss")] if w.mode == "train" else [],
                 with_ratios=False)

    # bf16 against PyTorch float32 (the best BLAS), same model and threads.
    vs_float32 = []
    for workload, by_runner in zip(workloads, results):
        if workload.precision != "bf16":
            continue
        for other, other_results in zip(workloads, results):
            if (other.precision, other.model, other.mode, other.threads) == (
                    "float32", workload.model, workload.mode, workload.threads):
                best = best_torch(other, other_results)
                row = [workload.label]
                for name in nabla_names:
                    row.append(format_ratio(by_runner[name], other_results[best], "samples_per_s")
                               if best and show_ratios else "—")
                row.append(format_ratio(by_runner[best_torch(workload, by_runner)],
                                        other_results[best], "samples_per_s")
                           if best and best_torch(workload, by_runner) else "—")
                vs_float32.append(row)
    bf16_table = markdown_table(
        ["Workload"] + [f"{n} bf16 / best PyTorch float32" for n in nabla_names]
        + ["PyTorch autocast bf16 / PyTorch float32"], vs_float32)

    # Each training workload as a fraction of its GEMM bound.
    bound_rows = []
    for workload, by_runner in zip(workloads, results):
        if workload.mode != "train" or (workload.model, workload.threads) not in bounds:
            continue
        key = "bf16_samples_per_s" if workload.precision == "bf16" else "float32_samples_per_s"
        bound = median_of(bounds[(workload.model, workload.threads)], key)
        if not bound:
            continue
        row = [workload.label, format_value(bound)]
        for name in names:
            value = median_of(by_runner[name], "samples_per_s")
            row.append(f"{100 * value / bound:.0f}%" if value else "—")
        bound_rows.append(row)
    bound_table = markdown_table(["Workload", "GEMM bound samples/s"] + names, bound_rows)
    return speed, bf16_table, bound_table, memory, loss


def torch_blas(results):
    """runner name -> every distinct BLAS library its runs reported."""
    return {name: sorted({r.get("blas", "unknown") for by_runner in results
                          for r in by_runner.get(name, [])})
            for name in TORCH_RUNNERS}


def cpu_flags_line():
    """lscpu's model line and the flags that decide the kernels."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "lscpu unavailable"
    # A VM's model name can be as bare as "AMD EPYC"; the family and model
    # numbers tell the generations apart (AMD family 25: Zen 3/4, 26: Zen 5).
    model, family, number, flags = "unknown", "?", "?", []
    for line in out.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
        if line.startswith("CPU family:"):
            family = line.split(":", 1)[1].strip()
        if line.startswith("Model:"):
            number = line.split(":", 1)[1].strip()
        if line.startswith("Flags:"):
            flags = line.split(":", 1)[1].split()
    wanted = ["avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile"]
    present = [f for f in wanted if f in flags]
    absent = [f for f in wanted if f not in flags]
    return (f"lscpu model: {model} (CPU family {family}, model {number}); "
            f"flags present: {' '.join(present) or 'none'}; "
            f"absent: {' '.join(absent) or 'none'}")


def huge_pages_summary(runners, results):
    """AnonHugePages range per framework over all runs, e.g. 'nabla (api) 190–230 MiB'."""
    parts = []
    for runner in runners:
        values = [r["anon_huge_pages_mib"] for by_runner in results
                  for r in by_runner.get(runner.name, [])
                  if r.get("anon_huge_pages_mib") is not None]
        if values:
            parts.append(f"{runner.name} {min(values):.0f}–{max(values):.0f} MiB")
        else:
            parts.append(f"{runner.name} unknown")
    return ", ".join(parts)


def machine_description():
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs, {platform.platform()}"


def write_report(args, runners, workloads, results, bounds):
    blas = torch_blas(results)
    blas_ok = all(runs and all(BLAS_OPENMP_DIRS[name[len("PyTorch ("):-1]] in b for b in runs)
                  for name, runs in blas.items())
    have_nabla = any(r.name not in TORCH_RUNNERS for r in runners)
    show_ratios = blas_ok and have_nabla
    speed, bf16_table, bound_table, memory, loss = build_tables(
        runners, workloads, results, bounds, show_ratios)

    torch_versions = sorted({r.get("torch_version", "?") for by_runner in results
                             for name in TORCH_RUNNERS for r in by_runner.get(name, [])})
    impls = sorted({f"{r.get('float32_impl')} / {r.get('bf16_impl') or 'no bf16'}"
                    for reports in bounds.values() for r in reports})
    notes = [
        f"Date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"Machine: {machine_description()}",
        f"CPU: {cpu_flags_line()}",
        f"PyTorch {', '.join(torch_versions) or '?'}; BLAS mapped: "
        + "; ".join(f"{name}: {', '.join(libs) or 'no successful run'}"
                    for name, libs in blas.items()),
        f"Environment of every run: GLIBC_TUNABLES={MALLOC_TUNABLES}; memory on "
        f"transparent huge pages at the end of a run: {huge_pages_summary(runners, results)}",
        f"GEMM bound kernels (oneDNN float32 / bf16): {', '.join(impls) or 'not measured'}",
        f"Repetitions: {args.reps} per framework, alternating; cells are "
        "medians (min–max)" + (" — QUICK smoke run, not a result" if args.quick else ""),
    ]
    if len(workloads) < len(WORKLOADS):
        notes.append(f"Workloads: a subset ({len(workloads)} of {len(WORKLOADS)}): "
                     f"--models {args.models} --modes {args.modes} "
                     f"--precisions {args.precisions} --threads {args.threads}")
    runs = [r for by_runner in results for reports in by_runner.values()
            for r in reports]
    lost = sorted(r["cpu_lost_before"] for r in runs if r.get("cpu_lost_before") is not None)
    if lost:
        notes.append(f"Time the busiest-away CPU was not running this process, over "
                     f"{GAPS_SECONDS} s before each run (bench/cpu_gaps.cc: gaps over 10 µs "
                     f"between clock reads, one pinned thread per CPU): median "
                     f"{100 * statistics.median(lost):.1f}%, range {100 * lost[0]:.1f}–"
                     f"{100 * lost[-1]:.1f}% over {len(lost)} runs")
    disturbed = sum(r["background_cores"] > BACKGROUND_LIMIT_CORES for r in runs)
    if disturbed:
        notes.append(f"WARNING: during {disturbed} of {len(runs)} runs (after "
                     f"{ATTEMPTS} attempts each) other processes used more than "
                     f"{BACKGROUND_LIMIT_CORES} of a core; rerun on an idle "
                     "machine.")
    if not have_nabla:
        notes.append("nabla_bench was not available: PyTorch only, no ratios.")
    elif not blas_ok:
        notes.append("A PyTorch run did NOT map the OpenMP BLAS it was meant to "
                     f"({blas}): refusing to print nabla/PyTorch ratios.")
    else:
        notes.append("Ratio = nabla / the faster PyTorch (OpenBLAS or BLIS, named per row): "
                     "above 1 is better for samples/s, below 1 is better for µs and MiB.")

    text = "\n".join(
        ["## nabla vs PyTorch", ""] + [f"- {n}" for n in notes]
        + ["", "### Throughput and latency", "", speed,
           "", "### bf16 against float32", "", bf16_table,
           "", "### Training as a fraction of the GEMM bound", "", bound_table,
           "", "### Peak resident memory (ru_maxrss)", "", memory,
           "", "### Training loss over the timed epoch (sanity check)", "", loss,
           ""])
    print(text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
        log(f"run_bench: wrote {args.out}")
    if not blas_ok:
        log(f"run_bench: PyTorch mapped {blas}, not the OpenMP BLAS builds; "
            "its numbers are not comparable")
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 1 repetition, short epochs")
    p.add_argument("--reps", type=int, default=None,
                   help="repetitions per framework (default 3, --quick: 1)")
    p.add_argument("--out", help="also write the Markdown report to FILE")
    p.add_argument("--data", default=DEFAULT_DATA_DIR,
                   help="Fashion-MNIST directory (default: %(default)s)")
    p.add_argument("--no-build", action="store_true",
                   help=f"do not run bazel build {NABLA_TARGET}")
    p.add_argument("--nabla-bin",
                   help="run this nabla_bench binary instead of building "
                        "bazel-bin/bench/nabla_bench")
    p.add_argument("--models", default="A,B,C",
                   help="comma-separated models to run (default: %(default)s)")
    p.add_argument("--modes", default="train,infer,latency",
                   help="comma-separated modes to run (default: %(default)s)")
    p.add_argument("--precisions", default="float32,bf16",
                   help="comma-separated precisions to run (default: %(default)s)")
    p.add_argument("--threads", default="1,2",
                   help="comma-separated thread counts to run (default: %(default)s)")
    args = p.parse_args()
    if args.reps is None:
        args.reps = 1 if args.quick else 3
    models, modes = args.models.split(","), args.modes.split(",")
    precisions, threads = args.precisions.split(","), [int(t) for t in args.threads.split(",")]
    workloads = [w for w in WORKLOADS if w.model in models and w.mode in modes
                 and w.precision in precisions and w.threads in threads]
    if not workloads:
        p.error("no workload matches --models/--modes/--precisions/--threads")

    ensure_packages()
    nabla_bin = find_nabla(args.nabla_bin, args.no_build)
    if args.quick:
        Workload.CONV_SAMPLES = None  # QUICK_FLAGS sets every epoch's length
    runners = make_runners(nabla_bin, args.data, QUICK_FLAGS if args.quick else [])
    wanted_bounds = {(w.model, w.threads) for w in workloads if w.mode == "train"}
    bounds = run_bounds(args.reps, wanted_bounds) if nabla_bin else {}
    results = run_all(runners, workloads, args.reps)
    return write_report(args, runners, workloads, results, bounds)


if __name__ == "__main__":
    sys.exit(main())
