#!/usr/bin/python3
"""Compares two raw float32 logit files of shape [N, C].

  compare_logits.py WHAT EXPECTED.bin ACTUAL.bin C [MAX_REL]

Prints the maximum relative difference, max |a - e| / max |e| over the
whole batch (relative to the largest logit, so logits near zero do not
blow it up), the largest absolute difference and how many predicted
classes agree; exits 1 when the relative difference exceeds MAX_REL
(default 1e-4) or any class differs.
"""
import sys

import numpy as np


def main():
  what, expected_path, actual_path, classes = sys.argv[1:5]
  max_rel = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-4
  expected = np.fromfile(expected_path, dtype="<f4").reshape(-1, int(classes))
  actual = np.fromfile(actual_path, dtype="<f4").reshape(-1, int(classes))
  if expected.shape != actual.shape:
    print(f"FAIL {what}: shapes {expected.shape} and {actual.shape}")
    return 1
  abs_diff = float(np.max(np.abs(actual.astype(np.float64) - expected)))
  rel = abs_diff / max(float(np.max(np.abs(expected))), 1e-30)
  same = int(np.sum(np.argmax(actual, 1) == np.argmax(expected, 1)))
  n = expected.shape[0]
  ok = rel <= max_rel and same == n and np.all(np.isfinite(actual))
  print(f"{'ok' if ok else 'FAIL'} {what}: {n} samples, max rel diff {rel:.3g} "
        f"(max abs {abs_diff:.3g}, largest |logit| {np.max(np.abs(expected)):.3g}), "
        f"classes agree {same}/{n}")
  return 0 if ok else 1


if __name__ == "__main__":
  sys.exit(main())
