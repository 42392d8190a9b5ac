"""The examples run: sbm.py prints alpha, beta and phi_m equal (to 1e-12) to `specl theory --json` on the same
graph; fashion_mnist.py trains a few steps through specl.torch.LambdaLoss."""
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli

EX = os.path.join(ROOT, "python", "examples")
FM = "/usr/share/datasets/fashion-mnist"


def run_example(script, *args, cwd):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), MPLBACKEND="Agg")
    p = subprocess.run([sys.executable, os.path.join(EX, script), *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_sbm_example_matches_cli(tmp_path, specl_bin):
    out = run_example("sbm.py", "--write", str(tmp_path), "--plot", str(tmp_path / "s.png"), cwd=tmp_path)
    got = {k: float(v) for k, v in re.findall(r"^(alpha|beta|phi_m) = (\S+)$", out, re.M)}
    assert set(got) == {"alpha", "beta", "phi_m"}, out
    import json
    rep = json.loads(run_cli(specl_bin, "theory", "--graph", tmp_path / "W.mtx", "--partition", tmp_path / "P.txt",
                             "--json"))
    for k, key in (("alpha", "alpha"), ("beta", "beta_table"), ("phi_m", "phi_m_table")):
        assert abs(got[k] - rep[key]) <= 1e-12 * max(1, abs(rep[key])), (k, got[k], rep[key])
    try:
        import matplotlib  # noqa: F401
        assert (tmp_path / "s.png").stat().st_size > 0
    except ImportError:
        assert "no plot" in out


@pytest.mark.skipif(not os.path.isdir(FM), reason=f"{FM} missing (Debian package dataset-fashion-mnist)")
def test_fashion_mnist_example_smoke(tmp_path):
    out = run_example("fashion_mnist.py", "--n", "1000", "--steps", "10", "--batch", "128", cwd=tmp_path)
    assert "step   10" in out and "linear probe accuracy" in out
