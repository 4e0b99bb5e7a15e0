#!/usr/bin/env python3
"""Writes a tiny MNIST-shaped IDX data set for the CLI tests.

  cli_make_idx.py DIR [--train N] [--test N] [--seed S] [--gzip]

Each split is N images of 28x28 uint8 with labels 0..9: class k lights four
rows starting at row 2k+3 on top of uniform noise, and one label in ten is
replaced by a random class, so a small network learns it in a few epochs
without reaching 100% test accuracy (a loss or accuracy that moves is a
better witness for the tests' equalities than one stuck at 0 or 1).

Same arguments, same bytes: the tests rely on it for bit-identical runs.
"""
import argparse
import gzip
import os
import random
import struct

ROWS = COLS = 28


def make_split(rng, count):
  pixels = bytearray()
  labels = bytearray()
  for _ in range(count):
    label = rng.randrange(10)
    image = bytearray(rng.randbytes(ROWS * COLS))
    for i in range(ROWS * COLS):
      image[i] = image[i] * 5 // 8  # noise in 0..159
    for row in range(2 * label + 3, 2 * label + 7):
      for col in range(4, 24):
        image[row * COLS + col] = min(255, image[row * COLS + col] + 80)
    pixels += image
    labels.append(rng.randrange(10) if rng.random() < 0.1 else label)
  return bytes(pixels), bytes(labels)


def write(path, data, compress):
  if compress:
    with gzip.open(path + ".gz", "wb") as f:
      f.write(data)
  else:
    with open(path, "wb") as f:
      f.write(data)


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("dir")
  parser.add_argument("--train", type=int, default=512)
  parser.add_argument("--test", type=int, default=128)
  parser.add_argument("--seed", type=int, default=1)
  parser.add_argument("--gzip", action="store_true")
  args = parser.parse_args()
  os.makedirs(args.dir, exist_ok=True)
  rng = random.Random(args.seed)
  for prefix, count in (("train", args.train), ("t10k", args.test)):
    pixels, labels = make_split(rng, count)
    write(os.path.join(args.dir, prefix + "-images-idx3-ubyte"),
          struct.pack(">IIII", 0x803, count, ROWS, COLS) + pixels, args.gzip)
    write(os.path.join(args.dir, prefix + "-labels-idx1-ubyte"),
          struct.pack(">II", 0x801, count) + labels, args.gzip)


if __name__ == "__main__":
  main()
