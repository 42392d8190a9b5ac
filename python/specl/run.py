"""specl.Run: a run directory of `specl train` (config.ini, metrics.csv, results.json, encoder.safetensors).

Reading files only: the resolved config as a dict, the metrics as a NumPy structured array, the
results as parsed JSON and the encoder's tensors as NumPy arrays (safetensors is 8 bytes of header
length, a JSON header and raw little-endian tensors: read here without the safetensors package).
"""
import json
import os
import struct

import numpy as np

from ._lib import Error

_ST_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8", "U8": "u1", "I8": "i1"}


def _value(s):
    for conv in (int, float):
        try:
            return conv(s)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(s, s)


def read_config(path):
    """The INI file as a flat dict "section.key" -> value (top-level keys bare), numbers and booleans
    converted; ';' and '#' start comments, as in specl's configs."""
    out, section = {}, ""
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            s = line.split(";", 1)[0].split("#", 1)[0].strip()
            if not s:
                continue
            if s.startswith("[") and s.endswith("]"):
                section = s[1:-1].strip()
                continue
            if "=" not in s:
                raise Error(f"{path}:{no}: '{s}' is neither [section] nor key = value")
            k, v = (t.strip() for t in s.split("=", 1))
            out[f"{section}.{k}" if section else k] = _value(v)
    return out


def read_safetensors(path):
    """(tensors, metadata): a dict name -> NumPy array in file order, and the __metadata__ dict."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise Error(f"{path}: {len(blob)} bytes, too short for a safetensors file")
    (hlen,) = struct.unpack("<Q", blob[:8])
    if hlen > len(blob) - 8:
        raise Error(f"{path}: header length {hlen} beyond the file's {len(blob)} bytes")
    try:
        header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Error(f"{path}: the header is not JSON ({e})") from None
    data = memoryview(blob)[8 + hlen:]
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        dt = _ST_DTYPES.get(t.get("dtype"))
        if dt is None:
            raise Error(f"{path}: tensor {name}: dtype {t.get('dtype')!r} is not supported")
        a, b = t["data_offsets"]
        shape = tuple(int(x) for x in t["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        if not (0 <= a <= b <= len(data)) or b - a != count * np.dtype(dt).itemsize:
            raise Error(f"{path}: tensor {name}: data_offsets [{a}, {b}] do not hold shape {list(shape)} of {t['dtype']}")
        tensors[name] = np.frombuffer(data[a:b], dtype=dt).reshape(shape).astype(dt[1:] if dt[0] == "<" else dt)
    return tensors, meta


class Run:
    """A run directory: .config (dict), .metrics (structured array), .results (dict), .weights (dict of arrays),
    .metadata (the safetensors __metadata__). Each file is read when first asked for."""

    def __init__(self, path):
        if not os.path.isdir(path):
            raise Error(f"{path}: not a run directory (no such directory)")
        self.path = path
        self._cache = {}

    def _file(self, name):
        p = os.path.join(self.path, name)
        if not os.path.isfile(p):
            raise Error(f"{p}: missing (is {self.path} a finished `specl train` run?)")
        return p

    def _get(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def config(self):
        return self._get("config", lambda: read_config(self._file("config.ini")))

    @property
    def metrics(self):
        def load():
            p = self._file("metrics.csv")
            a = np.genfromtxt(p, delimiter=",", names=True, dtype=None, encoding="utf-8")
            return np.atleast_1d(a)
        return self._get("metrics", load)

    @property
    def results(self):
        def load():
            with open(self._file("results.json"), encoding="utf-8") as f:
                return json.load(f)
        return self._get("results", load)

    def _st(self):
        return self._get("st", lambda: read_safetensors(self._file("encoder.safetensors")))

    @property
    def weights(self):
        return self._st()[0]

    @property
    def metadata(self):
        return self._st()[1]

    def __repr__(self):
        return f"specl.Run({self.path!r})"
