"""specl.Run against the files of a tiny `specl train` run (hypercube, linear, 200 steps), read independently."""
import csv
import json
import os
import struct

import numpy as np
import pytest

import specl
from conftest import run_cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, specl_bin):
    d = tmp_path_factory.mktemp("run")
    ini = d / "hc.ini"
    ini.write_text("seed = 3\n[data]\nkind = hypercube\nd = 8\ns = 2\n[model]\nclass = linear\nk = 3\n"
                   "[train]\nsteps = 200\nbatch = 256\n")
    run_cli(specl_bin, "train", "-c", ini, "--out", d / "run")
    return str(d / "run")


def test_config(run_dir):
    r = specl.Run(run_dir)
    c = r.config
    assert c["seed"] == 3 and c["data.kind"] == "hypercube" and c["data.d"] == 8 and c["model.class"] == "linear"
    assert c["model.k"] == 3 and c["train.steps"] == 200 and c["train.batch"] == 256
    keys = [ln.split("=")[0].strip() for ln in open(os.path.join(run_dir, "config.ini"))
            if "=" in ln.split(";")[0]]
    assert len(c) == len(keys)


def test_metrics(run_dir):
    m = specl.Run(run_dir).metrics
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        rows = list(csv.reader(f))
    assert list(m.dtype.names) == rows[0]
    assert len(m) == len(rows) - 1 == 200
    for name in rows[0]:
        col = [float(r[rows[0].index(name)]) for r in rows[1:]]
        assert np.array_equal(m[name].astype(float), np.array(col))


def test_results(run_dir):
    r = specl.Run(run_dir)
    assert r.results == json.load(open(os.path.join(run_dir, "results.json")))
    assert "loss" in r.results and "probe" in r.results


def test_weights(run_dir):
    r = specl.Run(run_dir)
    w = r.weights
    assert list(w) == ["layer0.weight"] and w["layer0.weight"].shape == (3, 8) and w["layer0.weight"].dtype == np.float32
    assert r.metadata["class"] == "linear" and r.metadata["k"] == "3"
    blob = open(os.path.join(run_dir, "encoder.safetensors"), "rb").read()
    (h,) = struct.unpack("<Q", blob[:8])
    raw = np.frombuffer(blob[8 + h:8 + h + 96], dtype="<f4").reshape(3, 8)
    assert np.array_equal(w["layer0.weight"], raw) and np.all(np.isfinite(raw))


def test_missing_files(tmp_path):
    with pytest.raises(specl.Error, match="not a run directory"):
        specl.Run(str(tmp_path / "nope"))
    r = specl.Run(str(tmp_path))
    with pytest.raises(specl.Error, match="metrics.csv: missing"):
        r.metrics
    (tmp_path / "encoder.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}......")
    with pytest.raises(specl.Error, match="header is not JSON"):
        r.weights
