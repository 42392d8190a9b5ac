#!/usr/bin/env bash
# Regenerate the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/*, a handful of small
# (< 4 KiB; cifar's two-record file 6146 bytes), deterministic files per target: one valid file of
# each variant the parser accepts, and near-misses. The config seeds are read from the key table
# (src/cli/config_keys.c): one file per section with every key at its default. Files named by a
# SHA-1 (npy/, state/) are inputs libFuzzer found and were committed with the targets; they are
# kept, not regenerated. The crash inputs of tests/fuzz/regressions/ are not copied here: `make
# fuzz` passes that directory to libFuzzer as a second seed directory.
# Python 3 standard library only. Run from anywhere: bash tests/fuzz/make-corpus.sh [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec python3 - "${1:-$here/corpus}" "$here/../../src/cli/config_keys.c" <<'PY'
import gzip, io, json, os, re, struct, sys, zlib

root, keys_c = sys.argv[1], sys.argv[2]
def put(target, name, data, limit=4096):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < limit, (target, name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def gz(data):                        # deterministic gzip (no name, mtime 0)
    b = io.BytesIO()
    with gzip.GzipFile(fileobj=b, mode="wb", mtime=0) as g:
        g.write(data)
    return b.getvalue()

# Remove what an earlier run wrote (every file not named by a 40-hex-digit SHA-1).
for t in ("config", "npy", "idx", "cifar", "mtx", "partition", "weights", "state"):
    d = os.path.join(root, t)
    for f in os.listdir(d) if os.path.isdir(d) else []:
        if not re.fullmatch(r"[0-9a-f]{40}", f):
            os.remove(os.path.join(d, f))

# ---- config: INI text for specl_cfg_keys ----
put("config", "top-level.ini", "seed = 7\nthreads = 2\n")
put("config", "sections.ini", "[data]\nkind = clusters\nm = 3\nalpha = 0.1\n[model]\nclass = mlp\ndepth = 2\n"
    "width = 16\n[train]\nlr = 3e-3\nsteps = 1e3\nbatch = 256\n")
put("config", "comments.ini", "\ufeff; a comment\n# another\n  [train]  \n  optimizer = sgd ; trailing\n"
    "  momentum = 0.5 # too\nschedule = constant\r\n\n[eval]\nknn = yes\n")
put("config", "strings.ini", "[data]\nlabels = x1,x2,patterns:4\ntau_set = 0.5,1\nmasses = 1,2,3\nequitable = TRUE\n"
    "[claim]\nid = C01\nlambdas = 0.5,1,2\n")
put("config", "unknown-key.ini", "[data]\nbogus = 1\n")
put("config", "out-of-range.ini", "threads = 0\n[model]\nclass = resnet\n")
put("config", "duplicate.ini", "[train]\nlr = 0.1\nlr = 0.2\n[nosuch]\n")
# Every section of the real key table, each key at its default ("" is the top level).
sections = {}
for sec, key, typ, default in re.findall(r'\{"([a-z_0-9]*)",\s*"([A-Za-z_0-9]+)",\s*SPECL_CFG_(\w+),\s*"([^"]*)"',
                                         open(keys_c).read()):
    sections.setdefault(sec, []).append("%s = %s\n" % (key, default))
assert len(sections) >= 2 and "" in sections, "no keys found in " + keys_c
for sec, lines in sections.items():
    put("config", "defaults-%s.ini" % (sec or "top-level"), ("[%s]\n" % sec if sec else "") + "".join(lines))

# ---- npy: NumPy .npy files ----
def npy(descr, shape, payload, version=1, fortran=False):
    sh = "(" + "".join("%d, " % s for s in shape)[:-2] + ("," if len(shape) == 1 else "") + ")"
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", sh)
    pre = 10 if version == 1 else 12
    h = h + " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    lenf = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + lenf + h.encode("latin1") + payload

put("npy", "f4-2x3.npy", npy("<f4", (2, 3), struct.pack("<6f", *range(6))))
put("npy", "f8-4.npy", npy("<f8", (4,), struct.pack("<4d", 0.5, -1, 2, 1e300)))
put("npy", "i4-2x2x2.npy", npy("<i4", (2, 2, 2), struct.pack("<8i", *range(-4, 4))))
put("npy", "i8-1x1x2x1-v2.npy", npy("<i8", (1, 1, 2, 1), struct.pack("<2q", 7, -7), version=2))
put("npy", "f4-3x0.npy", npy("<f4", (3, 0), b""))
put("npy", "fortran.npy", npy("<f4", (2, 2), struct.pack("<4f", 1, 2, 3, 4), fortran=True))
put("npy", "big-endian.npy", npy(">f8", (2,), struct.pack(">2d", 1, 2)))
put("npy", "truncated.npy", npy("<f8", (10,), struct.pack("<3d", 1, 2, 3)))
# Every dtype the parser accepts (little-endian <f4 <f8 <i4 <i8) in every format version (1.0, 2.0,
# 3.0) and with 1 to 4 dimensions; big-endian and Fortran order are refused (the seeds above).
fmt = {"<f4": "f", "<f8": "d", "<i4": "i", "<i8": "q"}
shapes = [(3,), (2, 2), (1, 2, 2), (2, 1, 1, 2)]
for i, (descr, c) in enumerate(fmt.items()):
    for version in (1, 2, 3):
        shape = shapes[(i + version) % 4]
        n = 1
        for s_ in shape: n *= s_
        put("npy", "%s-v%d-%dd.npy" % (descr[1:], version, len(shape)),
            npy(descr, shape, struct.pack("<%d%s" % (n, c), *range(n)), version=version))
put("npy", "descr-double-quotes.npy", npy("<f4", (1,), struct.pack("<f", 1)).replace(b"'", b'"'))

# ---- idx: images "@LABELS@" labels, or first byte = length of the images file ----
def idx(dims, payload):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)
SEP = b"@LABELS@"
im2 = idx((2, 3, 3), range(18)); lb2 = idx((2,), (1, 0))
put("idx", "2x3x3.idx", im2 + SEP + lb2)
put("idx", "3x4x4-gz.idx", gz(idx((3, 4, 4), range(48))) + SEP + gz(idx((3,), (9, 0, 4))))
im1 = idx((1, 2, 5), range(10))
put("idx", "1x2x5-lenbyte.idx", bytes([len(im1)]) + im1 + idx((1,), (3,)))
put("idx", "count-mismatch.idx", im2 + SEP + idx((3,), (0, 1, 2)))
put("idx", "swapped.idx", lb2 + SEP + im2)
put("idx", "trailing.idx", im2 + b"\x00\x01" + SEP + lb2)
put("idx", "gz-images-plain-labels.idx", gz(idx((2, 3, 3), range(18))) + SEP + lb2)
put("idx", "plain-images-gz-labels.idx", im2 + SEP + gz(lb2))
# "@GZ@" first: the harness gzips both files itself (valid CRC-32), so mutations of the IDX bytes
# reach the parser through zlib.
put("idx", "harness-gz-2x3x3.idx", b"@GZ@" + im2 + SEP + lb2)
put("idx", "harness-gz-1x2x5-lenbyte.idx", b"@GZ@" + bytes([len(im1)]) + im1 + idx((1,), (3,)))
put("idx", "truncated-gz.idx", gz(idx((4, 6, 6), range(144)))[:-12] + SEP + gz(idx((4,), (0, 1, 2, 3))))

# ---- cifar: CIFAR-10 binary records (1 label byte + 3072 pixel bytes) ----
def record(label, seed):
    return bytes([label]) + bytes((seed * 31 + i * 7) & 255 for i in range(3072))
put("cifar", "one-record.bin", record(3, 1))
put("cifar", "label-9.bin", record(9, 2))
put("cifar", "bad-label.bin", record(10, 3))
put("cifar", "cifar100-like.bin", bytes([1, 2]) + record(4, 4)[1:])
put("cifar", "short.bin", record(0, 5)[:100])
put("cifar", "gzip-magic.bin", b"\x1f\x8b\x08\x00" + bytes(96))
put("cifar", "pickle-like.bin", b"\x80\x02}q\x00" + bytes(96))
put("cifar", "two-records.bin", record(0, 6) + record(7, 7), limit=8192)
put("cifar", "second-bad-label.bin", record(1, 8) + record(200, 9), limit=8192)

# ---- mtx: MatrixMarket graphs ----
put("mtx", "path-real-symmetric.mtx", "%%MatrixMarket matrix coordinate real symmetric\n% a path with a loop\n"
    "3 3 3\n2 1 1.5\n3 2 2\n3 3 0.5\n")
put("mtx", "pattern-general.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n")
put("mtx", "cycle-integer-crlf.mtx", "%%MatrixMarket matrix coordinate integer symmetric\r\n\r\n4 4 5\r\n"
    "2 1 1\r\n3 2 2\r\n4 3 1\r\n4 1 3\r\n% dup\r\n4 1 1\r\n")
put("mtx", "general-real.mtx", "%%MatrixMarket Matrix Coordinate Real General\n3 3 4\n1 2 0.25\n2 1 0.25\n"
    "2 3 1e-3\n3 2 1e-3\n")
put("mtx", "asymmetric.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 2 1\n2 1 2\n")
put("mtx", "isolated-vertex.mtx", "%%MatrixMarket matrix coordinate real symmetric\n3 3 1\n2 1 1\n")
put("mtx", "integer-general.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 2 3\n2 1 3\n")
put("mtx", "pattern-symmetric.mtx", "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 2\n")
put("mtx", "double-symmetric.mtx", "%%matrixmarket MATRIX coordinate double SYMMETRIC\n2 2 2\n1 1 1\n2 1 .5\n")
put("mtx", "array-real.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n0\n0\n1\n")
put("mtx", "complex-hermitian.mtx", "%%MatrixMarket matrix coordinate complex hermitian\n1 1 1\n1 1 1 0\n")
put("mtx", "both-orientations.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 2 1\n2 1 1\n")

# ---- partition: n = 8 cluster indices ----
put("partition", "four-pairs.txt", "0\n0\n1\n1\n2\n2\n3\n3\n")
put("partition", "comments.txt", "# clusters of 8 vertices\n0\n1\n\n0\n1\n   # indented\n0\n1\n0\n1\n")
put("partition", "crlf-spaces.txt", " 0 \r\n1\r\n2\r\n3\r\n4\r\n5\r\n6\r\n7")
put("partition", "unused-index.txt", "0\n2\n0\n2\n0\n2\n0\n2\n")
put("partition", "too-few.txt", "0\n1\n")
put("partition", "negative.txt", "0\n-1\n0\n0\n0\n0\n0\n0\n")

# ---- weights: safetensors files as specl_model_save writes them ----
def safetensors(meta, tensors):
    hdr, data = {"__metadata__": {"format": "specl-model-1", **{k: str(v) for k, v in meta.items()}}}, b""
    for name, shape, values in tensors:
        blob = struct.pack("<%df" % len(values), *values)
        hdr[name] = {"shape": list(shape), "data_offsets": [len(data), len(data) + len(blob)], "dtype": "F32"}
        data += blob
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data
def meta(cls, d, k, depth=0, width=0, rows=0, kappa="0", flt=0):
    return {"class": cls, "d": d, "k": k, "depth": depth, "width": width, "table_rows": rows, "kappa": kappa,
            "filter": flt}
def vals(n, s=0.125):
    return [s * (i - n / 2) for i in range(n)]
put("weights", "linear.safetensors", safetensors(meta("linear", 3, 2), [("layer0.weight", (2, 3), vals(6))]))
put("weights", "affine.safetensors", safetensors(meta("affine", 3, 2), [("layer0.weight", (2, 3), vals(6)),
                                                                         ("layer0.bias", (2,), vals(2))]))
put("weights", "relu1.safetensors", safetensors(meta("relu1", 2, 2), [("layer0.weight", (2, 2), vals(4)),
                                                                       ("layer0.bias", (2,), vals(2))]))
put("weights", "mlp.safetensors", safetensors(meta("mlp", 2, 2, depth=1, width=3), [
    ("layer0.weight", (3, 2), vals(6)), ("layer0.bias", (3,), vals(3)),
    ("layer2.weight", (2, 3), vals(6)), ("layer2.bias", (2,), vals(2))]))
put("weights", "lipschitz.safetensors", safetensors(meta("lipschitz", 2, 2, depth=1, width=2, kappa="2"), [
    ("layer0.weight", (2, 2), vals(4, 0.1)), ("layer0.bias", (2,), vals(2)),
    ("layer2.weight", (2, 2), vals(4, 0.1)), ("layer2.bias", (2,), vals(2))]))
put("weights", "table.safetensors", safetensors(meta("table", 2, 2, rows=3), [("layer0.table", (3, 2), vals(6))]))
put("weights", "conv1d-circ.safetensors", safetensors(meta("conv1d-circ", 4, 2, flt=2), [
    ("layer0.weight", (2, 2), vals(4)), ("layer0.bias", (2,), vals(2))]))
put("weights", "missing-tensor.safetensors", safetensors(meta("affine", 3, 2), [("layer0.weight", (2, 3), vals(6))]))
put("weights", "wrong-shape.safetensors", safetensors(meta("linear", 3, 2), [("layer0.weight", (3, 2), vals(6))]))

# ---- state: state.bin for fuzz_state.c's checkpoint (linear d = 3, k = 2: 6 parameters, 10 steps) ----
def state(step=5, total=10, n=6, version=1, rng=(1, 2, 3, 4), t=5, m=None, v=None, crc=True):
    m = vals(n) if m is None else m
    v = [0.5] * n if v is None else v
    b = b"SPECLST1" + struct.pack("<II", version, 80) + struct.pack("<qqQ", step, total, n)
    b += struct.pack("<4Q", *rng) + struct.pack("<q", t)
    b += struct.pack("<%df" % len(m), *m) + struct.pack("<%df" % len(v), *v)
    return b + struct.pack("<I", zlib.crc32(b) if crc else zlib.crc32(b) ^ 1)
put("state", "valid.bin", state())
put("state", "step-0.bin", state(step=0, t=0, rng=(0, 0, 0, 0)))
put("state", "step-10.bin", state(step=10, t=10, m=[0.0] * 6, v=[0.0] * 6))
put("state", "bad-crc.bin", state(crc=False))
put("state", "version-2.bin", state(version=2))
put("state", "other-run.bin", state(total=20))
put("state", "past-the-end.bin", state(step=11))
put("state", "wrong-n.bin", state(n=5, m=vals(5), v=[0.5] * 5))
put("state", "truncated.bin", state()[:60])
PY
