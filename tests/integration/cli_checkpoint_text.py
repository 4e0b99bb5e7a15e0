#!/usr/bin/env python3
"""Reads the text form of a checkpoint (`nabla convert X.ckpt X.ckpt.txt`)
into nested dicts, every field a list, for tests that compare a tool's
output with the checkpoint itself: the text form is written by its own code
(train/checkpoint_text.cc), not by the tools under test.

  load(path) -> {"header": [{...}], "tensors": [{...}, ...]}
"""
import ast


def _value(text):
  if text.startswith('"'):
    return ast.literal_eval(text)
  if text in ("true", "false"):
    return text == "true"
  try:
    return int(text)
  except ValueError:
    return float(text)


def load(path):
  root = {}
  stack = [root]
  with open(path) as f:
    for line in f:
      line = line.strip()
      if not line:
        continue
      if line == "}":
        stack.pop()
      elif line.endswith("{"):
        child = {}
        stack[-1].setdefault(line[:-1].strip(), []).append(child)
        stack.append(child)
      else:
        key, _, value = line.partition(": ")
        stack[-1].setdefault(key, []).append(_value(value))
  assert len(stack) == 1, "unbalanced braces in " + path
  return root


def one(message, field, default=None):
  """The single value of a scalar field (proto3 omits defaults)."""
  values = message.get(field)
  return values[0] if values else default
