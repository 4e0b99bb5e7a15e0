#!/usr/bin/env bash
# Runs tools/make_mnist_digits.py on a tiny fake mnist package (made here,
# no network) and checks the documented split: counts per label, every
# source image exactly once, pixel rounding, determinism, error messages.
set -euo pipefail

converter="${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/make_mnist_digits.py"
work="${TEST_TMPDIR}/make_mnist_digits"
rm -rf "${work}"
mkdir -p "${work}/pkg/package/src/digits"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Digit d holds COUNTS[d] images (76 in all). Image k of digit d has pixel 0 =
# d/255, pixel 1 = k/255 (so each output image names its source), pixel 2 =
# 0.5 (rounds to 128), pixel 3 = 0.2 (51), pixel 4 = 1 (255).
python3 - "${work}/pkg/package/src/digits" <<'PY'
import json, sys
COUNTS = [4, 4, 5, 6, 7, 8, 9, 10, 11, 12]
for d in range(10):
    data = []
    for k in range(COUNTS[d]):
        image = [0] * 784
        image[0], image[1] = d / 255, k / 255
        image[2], image[3], image[4] = 0.5, 0.2, 1
        data += image
    with open("%s/%d.json" % (sys.argv[1], d), "w") as f:
        json.dump({"data": data}, f)
PY
tar -czf "${work}/fake.tgz" -C "${work}/pkg" package

python3 "${converter}" --package "${work}/pkg" --out "${work}/a" --test 19 \
  --seed 7 >/dev/null || fail "converter failed on the extracted package"
python3 "${converter}" --package "${work}/fake.tgz" --out "${work}/b" \
  --test 19 --seed 7 >/dev/null || fail "converter failed on the tarball"
python3 "${converter}" --package "${work}/pkg" --out "${work}/c" --test 19 \
  --seed 8 >/dev/null || fail "converter failed with seed 8"

# Documented apportionment (largest remainder, ties to the lower digit):
# exact shares COUNTS/4 = 1, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3; the
# 3 seats left after flooring go to .75 (digits 4, 8), then the .5 tie
# (digits 3, 7) to digit 3.
python3 - "${work}/a" <<'PY' || fail "content check"
import gzip, struct, sys
out = sys.argv[1]
def read(prefix):
    images = gzip.open("%s/%s-images-idx3-ubyte.gz" % (out, prefix)).read()
    labels = gzip.open("%s/%s-labels-idx1-ubyte.gz" % (out, prefix)).read()
    magic, n, rows, cols = struct.unpack(">IIII", images[:16])
    assert (magic, rows, cols) == (0x803, 28, 28), (magic, rows, cols)
    assert len(images) == 16 + n * 784, "images payload size"
    lmagic, ln = struct.unpack(">II", labels[:8])
    assert (lmagic, ln, len(labels)) == (0x801, n, 8 + n), "labels header"
    samples = []
    for i in range(n):
        image = images[16 + i * 784:16 + (i + 1) * 784]
        assert image[0] == labels[8 + i], "label matches source digit"
        assert image[2:5] == bytes([128, 51, 255]), list(image[2:5])
        samples.append((image[0], image[1]))
    return samples
train, test = read("train"), read("t10k")
COUNTS = [4, 4, 5, 6, 7, 8, 9, 10, 11, 12]
want_test = [1, 1, 1, 2, 2, 2, 2, 2, 3, 3]
for d in range(10):
    got_test = sum(1 for s in test if s[0] == d)
    got_train = sum(1 for s in train if s[0] == d)
    assert got_test == want_test[d], ("test", d, got_test)
    assert got_train == COUNTS[d] - want_test[d], ("train", d, got_train)
everything = sorted(train + test)
assert everything == sorted((d, k) for d in range(10)
                           for k in range(COUNTS[d])), "each image once"
# The split is shuffled, not grouped by label.
assert [s[0] for s in train] != sorted(s[0] for s in train), "train unshuffled"
readme = open(out + "/README").read()
for line in ("    3       6      4     2", "total      76     57    19"):
    assert line in readme, "README lacks %r:\n%s" % (line, readme)
PY

for name in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
    t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  cmp -s "${work}/a/${name}" "${work}/b/${name}" ||
    fail "${name}: tarball and directory input differ"
done
if cmp -s "${work}/a/train-labels-idx1-ubyte.gz" \
    "${work}/c/train-labels-idx1-ubyte.gz"; then
  fail "seeds 7 and 8 gave the same training order"
fi

# Errors: existing output, malformed JSON.
if python3 "${converter}" --package "${work}/pkg" --out "${work}/a" \
    --test 19 2>"${work}/err"; then
  fail "overwrote an existing output without --force"
fi
grep -q "already exists" "${work}/err" || fail "message: $(cat "${work}/err")"
echo '{"data": [0.5, 2]}' >"${work}/pkg/package/src/digits/4.json"
if python3 "${converter}" --package "${work}/pkg" --out "${work}/d" \
    --test 19 2>"${work}/err"; then
  fail "accepted a malformed digit file"
fi
grep -q "4.json: expected a multiple of 784 values, found 2" "${work}/err" ||
  fail "message: $(cat "${work}/err")"
[[ ! -e "${work}/d" ]] || fail "left a partial output directory"
echo PASS
