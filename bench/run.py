#!/usr/bin/python3
"""Driver of `make bench` (bench/README.md): specl against PyTorch on the CPU, alternately in one run.

  1. `bench_specl gen` draws every workload's batches once (specl's hypercube and patch sources,
     uniform random images), the loss input Z and the graph, into DATA/ (.npy, .mtx, workloads.json).
  2. REPS rounds; each round measures the OpenBLAS sgemm rate (bench_specl sgemm, and torch.mm for
     reference), then every workload on both sides, one process per side and workload (so max RSS
     is that workload's), the side that goes first alternating from round to round.
  3. Medians over the rounds, ratios specl/PyTorch, the targets, bench/results.json and a Markdown table.

Only measured numbers are written. Run it through bench/run.sh, which exports
OMP_WAIT_POLICY=PASSIVE for the specl processes; the PyTorch processes get the environment
without it (PyTorch's own defaults).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# name, description, (warmup, timed steps), target ratio specl/PyTorch
WORKLOADS = [
    ("hc-linear", "hypercube d=64 s=8, linear k=8, batch 512, L_lambda", (50, 2000), 5.0),
    ("hc-relu1", "hypercube d=64 s=8, relu1 k=256, batch 512, L_lambda", (20, 500), 5.0),
    ("mlp-lambda", "mlp 784-1024-1024-128, batch 256, L_lambda", (3, 20), 2.5),
    ("mlp-s2021", "mlp 784-1024-1024-128, batch 256, spectral2021", (3, 20), 2.5),
    ("cnn", "cnn conv32-pool-conv64-pool-dense128, 28x28, batch 256, L_lambda", (2, 8), 1.5),
    ("patch", "patch d=64 s=6, conv1d-circ k=64, batch 512, L_lambda", (5, 60), 5.0),
    ("loss-s2021", "spectral2021 loss alone, value + dL/dZ, B=4096 k=128", (3, 20), 10.0),
    ("py-lambda", "L_lambda from PyTorch: specl.torch.LambdaLoss (C, via ctypes) vs the loss in PyTorch, value + backward, B=4096 k=128", (3, 20), 10.0),
    ("eigs", "bottom 10 eigenpairs, 10^5 vertices, 1.1*10^6 edges: specl ARPACK vs scipy eigsh (no torch in that process)", (0, 1), 1.0),
]
MLP_PEAK_FRACTION = 0.70


def source_state():
    """The commit measured, and the files of src/ and include/ that differ from it (the library built)."""
    root = os.path.dirname(HERE)
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        st = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src", "include"],
                            capture_output=True, text=True).stdout.splitlines()
        return {"commit": head or None, "modified": [x[3:] for x in st]}
    except OSError:
        return {"commit": None, "modified": None}


def cpu_busy_seconds():
    """CPU seconds all processes of the machine have used (user + nice + system + irq, /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def children_cpu_seconds():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Runner:
    def __init__(self, args):
        self.bin = args.bin
        self.data = args.data
        self.py = args.python
        self.torch = os.path.join(HERE, "bench_torch.py")
        self.env_specl = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
        self.env_torch = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
        if args.torch_passive:
            self.env_torch["OMP_WAIT_POLICY"] = "PASSIVE"
        self.log = open(args.log, "w") if args.log else None

    def run(self, side, argv, timeout=900):
        cmd = [self.bin] + argv if side == "specl" else [self.py, self.torch] + argv
        env = self.env_specl if side == "specl" else self.env_torch
        if argv[0] == "pyloss":   # both sides are PyTorch processes with PyTorch's defaults; specl's loads the binding
            cmd = [self.py, self.torch, argv[0], side] + argv[1:]
            env = dict(self.env_torch, PYTHONPATH=os.path.join(os.path.dirname(HERE), "python"),
                       SPECL_LIB=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(self.bin))), "libspecl.so"))
        t0 = time.perf_counter()
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
        if self.log:
            self.log.write(f"$ {' '.join(cmd)}  ({wall:.2f} s, exit {p.returncode})\n{p.stdout}{p.stderr}\n")
            self.log.flush()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed (exit {p.returncode}): {p.stderr.strip()[-500:]}")
        out = json.loads(p.stdout.strip().splitlines()[-1])
        out["process_seconds"] = wall
        return out


def measure_args(name, warmup, steps, data):
    if name == "loss-s2021":
        return ["loss", data, str(warmup), str(steps)]
    if name == "eigs":
        return ["eigs", data]
    if name == "py-lambda":
        return ["pyloss", data, str(warmup), str(steps)]
    return ["step", name, data, str(warmup), str(steps)]


def med(xs):
    return statistics.median(xs) if xs else None


def summarize(name, desc, target, runs):
    """runs: {"specl": [json, ...], "torch": [...]} -> the workload's record."""
    rec = {"name": name, "description": desc, "target_ratio": target}
    for side in ("specl", "torch"):
        rs = runs[side]
        s = {"runs": rs, "maxrss_kb_median": med([r["maxrss_kb"] for r in rs])}
        if name == "eigs":
            s["seconds_median"] = med([r["seconds"] for r in rs])
            s["max_residual"] = max(r["max_residual"] for r in rs) if rs else None
        else:
            s["pairs_per_s_median"] = med([r["pairs_per_s"] for r in rs])
            s["step_ms_median"] = med([r["step_ms"] for r in rs])
            s["gflops_median"] = med([r["gflops"] for r in rs])
            if rs and "phase_ms" in rs[0]:
                s["phase_ms_median"] = {k: med([r["phase_ms"][k] for r in rs]) for k in rs[0]["phase_ms"]}
        rec[side] = s
    sp, to = rec["specl"], rec["torch"]
    if name == "eigs":
        ok = sp["seconds_median"] and to["seconds_median"]
        rec["ratio"] = to["seconds_median"] / sp["seconds_median"] if ok else None
        if runs["specl"] and runs["torch"]:
            a, b = runs["specl"][-1]["nu"], runs["torch"][-1]["nu"]
            rec["max_abs_nu_difference"] = max(abs(x - y) for x, y in zip(a, b))
    else:
        ok = sp["pairs_per_s_median"] and to["pairs_per_s_median"]
        rec["ratio"] = sp["pairs_per_s_median"] / to["pairs_per_s_median"] if ok else None
        if name in ("loss-s2021", "py-lambda") and runs["specl"] and runs["torch"]:
            a, b = runs["specl"][-1], runs["torch"][-1]
            rec["loss_relative_difference"] = abs(a["loss"] - b["loss"]) / abs(b["loss"])
            rec["grad_sumsq_relative_difference"] = abs(a["grad_sumsq"] - b["grad_sumsq"]) / abs(b["grad_sumsq"])
    rec["ratio_met"] = rec["ratio"] is not None and rec["ratio"] >= target
    rec["memory_met"] = (sp["maxrss_kb_median"] is not None and to["maxrss_kb_median"] is not None
                         and sp["maxrss_kb_median"] <= to["maxrss_kb_median"])
    return rec


def fmt(x, nd=3):
    """3 significant digits, with k and M suffixes for large values (1234567 -> 1.23M, 4567 -> 4567)."""
    if x is None:
        return "—"
    if x >= 1e6:
        return f"{x / 1e6:.{nd}g}M"
    if x >= 1e4:
        return f"{x / 1e3:.{nd}g}k"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.{nd}g}"


def table(res):
    sg = res["sgemm"]["specl_gflops_median"]
    lines = [
        f"## specl vs PyTorch, CPU ({res['date']})",
        "",
        f"- CPU: {res['cpu']}, {res['threads']} threads on both sides (OpenBLAS core `{res['openblas_core']}`, "
        f"PyTorch {res['torch_version']} with torch.set_num_threads(2))",
        f"- specl processes run with OMP_WAIT_POLICY={res['omp_wait_policy_specl']} (as the specl CLI sets it); "
        + ("PyTorch with OMP_WAIT_POLICY=PASSIVE as well (--torch-passive)" if res["torch_omp_wait_policy"]
           else "PyTorch with its own defaults (OMP_WAIT_POLICY unset)"),
        f"- OpenBLAS sgemm {res['sgemm']['n']}^3 on 2 threads, this run: **{fmt(sg)} GFLOP/s** "
        f"(median of {res['reps']} rounds; torch.mm of the same size: {fmt(res['sgemm']['torch_gflops_median'])} GFLOP/s)",
        f"- other processes used {100 * res['machine_load']['other_processes_cpu_fraction']:.0f}% of the machine's CPU time "
        f"during the run (load average {res['machine_load']['loadavg_start'][0]:.1f} at the start)"
        if res["machine_load"]["other_processes_cpu_fraction"] is not None else "- machine load: unknown",
        f"- medians of {res['reps']} alternating rounds; one process per side and workload; "
        f"PyTorch's RSS after `import torch` alone: {fmt(res['torch_import_rss_mb'])} MB",
        "",
        "| workload | specl | PyTorch | specl/PyTorch | target | met | specl GFLOP/s (% sgemm) | PyTorch GFLOP/s "
        "| max RSS specl / PyTorch (MB) | memory met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for w in res["workloads"]:
        sp, to = w["specl"], w["torch"]
        mem = f"{fmt(sp['maxrss_kb_median'] / 1024)} / {fmt(to['maxrss_kb_median'] / 1024)}" \
            if sp["maxrss_kb_median"] and to["maxrss_kb_median"] else "—"
        if w["name"] == "eigs":
            a, b, g1, g2 = f"{fmt(sp['seconds_median'])} s", f"{fmt(to['seconds_median'])} s", "—", "—"
        else:
            a, b = f"{fmt(sp['pairs_per_s_median'])} pairs/s", f"{fmt(to['pairs_per_s_median'])} pairs/s"
            g = sp["gflops_median"]
            g1 = f"{fmt(g)} ({100 * g / sg:.0f}%)" if g is not None and sg else "—"
            g2 = fmt(to["gflops_median"])
        ratio = f"{fmt(w['ratio'])}x" if w["ratio"] is not None else "—"
        lines.append(f"| {w['name']}: {w['description']} | {a} | {b} | {ratio} | ≥ {w['target_ratio']:g}x | "
                     f"{'yes' if w['ratio_met'] else '**no**'} | {g1} | {g2} | {mem} | {'yes' if w['memory_met'] else '**no**'} |")
    lines.append("")
    for w in res["workloads"]:
        g = w["specl"].get("gflops_median")
        if w["name"].startswith("mlp") and g is not None and sg:
            lines.append(f"- {w['name']}: specl at {100 * g / sg:.0f}% of the measured sgemm rate "
                         f"(target ≥ {100 * MLP_PEAK_FRACTION:.0f}%: {'met' if w['peak_met'] else '**not met**'})")
    for w in res["workloads"]:
        if w["name"] == "loss-s2021" and "loss_relative_difference" in w:
            lines.append(f"- loss-s2021: both sides agree (relative difference of the value "
                         f"{w['loss_relative_difference']:.1e}, of Σ(dL/dZ)² {w['grad_sumsq_relative_difference']:.1e}); "
                         "GFLOP/s counts each side's own form (specl 8Bk², PyTorch 6B²k)")
        if w["name"] == "eigs" and "max_abs_nu_difference" in w:
            lines.append(f"- eigs: the eigenvalues agree to {w['max_abs_nu_difference']:.1e}; max residual specl "
                         f"{w['specl']['max_residual']:.1e}, scipy {w['torch']['max_residual']:.1e}; times exclude reading the graph")
    lines.append("- GFLOP/s of a training step counts the model's matrix products (forward, weight gradients, input "
                 "gradients of all but the first layer), the same count on both sides; the losses are not counted")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="bench_specl binary")
    ap.add_argument("--data", required=True, help="directory for the generated data")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--reps", type=int, default=7, help="alternating rounds at most (default 7)")
    ap.add_argument("--min-reps", type=int, default=5, help="rounds at least (default 5)")
    ap.add_argument("--budget", type=float, default=660,
                    help="seconds: after --min-reps rounds, stop when another round would end past this (default 660)")
    ap.add_argument("--only", default="", help="comma-separated workloads (default: all)")
    ap.add_argument("--quick", action="store_true", help="1 round, a tenth of the steps (a smoke test; writes --out only if given)")
    ap.add_argument("--out", default=None, help="results JSON (default bench/results.json; none for --quick)")
    ap.add_argument("--log", default=None, help="log every command and its output here")
    ap.add_argument("--torch-passive", action="store_true",
                    help="run the PyTorch processes with OMP_WAIT_POLICY=PASSIVE too (default: PyTorch's own defaults)")
    args = ap.parse_args()
    if args.quick:
        args.reps = args.min_reps = 1
    out_path = args.out or (None if args.quick else os.path.join(HERE, "results.json"))
    only = set(filter(None, args.only.split(",")))
    unknown = only - {w[0] for w in WORKLOADS}
    if unknown:
        sys.exit(f"bench: unknown workload(s) {', '.join(sorted(unknown))} (have: {', '.join(w[0] for w in WORKLOADS)})")
    todo = [w for w in WORKLOADS if not only or w[0] in only]
    if args.log is None:
        args.log = os.path.join(args.data, "bench.log")
    os.makedirs(args.data, exist_ok=True)
    r = Runner(args)
    t_start = time.perf_counter()
    busy0, own0, load0 = cpu_busy_seconds(), children_cpu_seconds(), os.getloadavg()
    print(f"bench: generating data into {args.data}", flush=True)
    subprocess.run([args.bin, "gen", args.data], env=r.env_specl, check=True, capture_output=True)
    base = r.run("torch", ["sgemm", "64", "1"])   # a tiny process: the RSS of python + import torch
    runs = {w[0]: {"specl": [], "torch": []} for w in todo}
    sgemm = {"specl": [], "torch": []}
    errors = []
    rounds = 0
    for rep in range(args.reps):
        elapsed = time.perf_counter() - t_start
        if rep >= max(1, args.min_reps) and elapsed + elapsed / rep > args.budget:
            print(f"bench: stopping after {rep} rounds ({elapsed:.0f} s; another would pass --budget {args.budget:.0f} s)", flush=True)
            break
        rounds += 1
        order = ("specl", "torch") if rep % 2 == 0 else ("torch", "specl")
        for side in order:
            try:
                sgemm[side].append(r.run(side, ["sgemm", "1024", "3" if args.quick else "30"]))
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                errors.append(f"round {rep + 1}, sgemm, {side}: {e}")
                print(f"bench: {errors[-1]}", file=sys.stderr, flush=True)
        for name, desc, (warm, steps), target in todo:
            if args.quick:
                warm, steps = max(1, warm // 10) if warm else 0, max(1, steps // 10)
            for side in order:
                try:
                    runs[name][side].append(r.run(side, measure_args(name, warm, steps, args.data)))
                except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                    errors.append(f"round {rep + 1}, {name}, {side}: {e}")
                    print(f"bench: {errors[-1]}", file=sys.stderr, flush=True)
            done = runs[name]
            msg = " ".join(f"{s} {done[s][-1].get('pairs_per_s', done[s][-1].get('seconds')):.4g}" for s in order if done[s])
            print(f"bench: round {rep + 1}/{args.reps} {name}: {msg}  [{time.perf_counter() - t_start:.0f} s]", flush=True)
    wall, busy1 = time.perf_counter() - t_start, cpu_busy_seconds()
    other = (busy1 - busy0) - (children_cpu_seconds() - own0) if busy0 is not None and busy1 is not None else None
    res = {
        "machine_load": {"loadavg_start": load0, "loadavg_end": os.getloadavg(),
                         "other_processes_cpu_fraction": other / (wall * (os.cpu_count() or 1)) if other is not None else None,
                         "note": "CPU time used by processes other than this benchmark during the run, as a fraction of "
                                 "all cores' time (/proc/stat minus the benchmark's own children)"},
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "threads": 2,
        "omp_wait_policy_specl": sgemm["specl"][0]["omp_wait_policy"] if sgemm["specl"] else None,
        "openblas_core": sgemm["specl"][0]["openblas_core"] if sgemm["specl"] else None,
        "torch_version": base["torch"],
        "torch_omp_wait_policy": r.env_torch.get("OMP_WAIT_POLICY"),
        "scipy_version": next((x["scipy"] for w in todo if w[0] == "eigs" for x in runs["eigs"]["torch"]), None),
        "torch_import_rss_mb": base["maxrss_kb"] / 1024,
        "reps": rounds,
        "source": source_state(),
        "quick": args.quick,
        "data": "pre-drawn batches (4 per workload, used in turn): specl's hypercube and patch sources, uniform "
                "random images with mean 0 and variance 1; the same numbers on both sides; no sampling in a step",
        "sgemm": {"n": 1024, "specl_runs": sgemm["specl"], "torch_runs": sgemm["torch"],
                  "specl_gflops_median": med([s["gflops"] for s in sgemm["specl"]]),
                  "torch_gflops_median": med([s["gflops"] for s in sgemm["torch"]])},
        "workloads": [summarize(name, desc, target, runs[name]) for name, desc, _, target in todo],
        "errors": errors,
        "total_seconds": None,
    }
    sg = res["sgemm"]["specl_gflops_median"]
    for w in res["workloads"]:
        if w["name"].startswith("mlp"):
            g = w["specl"]["gflops_median"]
            w["peak_fraction"] = g / sg if g is not None and sg else None
            w["peak_met"] = w["peak_fraction"] is not None and w["peak_fraction"] >= MLP_PEAK_FRACTION
    res["total_seconds"] = time.perf_counter() - t_start
    print()
    md = table(res)
    res["table_markdown"] = md
    if out_path:
        tmp = out_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        os.replace(tmp, out_path)
    print(md)
    print(f"\nbench: {res['total_seconds']:.0f} s in all" + (f"; results in {out_path}" if out_path else "")
          + f"; commands and outputs in {args.log}")
    if errors:
        print(f"bench: {len(errors)} measurement(s) failed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
