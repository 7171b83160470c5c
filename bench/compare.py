#!/usr/bin/python3
"""Compare aelab with its PyTorch twins (bench/torch_models.py): speed and agreement.

  compare.py speed NAME... [--reps 5] [--epochs 3] [--train-limit N] [--val-limit N]
                           [--aelab-threads 2] [--torch t2,t2p,t1]
  compare.py accuracy NAME [--epochs E] [--aelab-threads 2] [--torch t2p] [--seeds 1]
  compare.py check NAME...   [--train-limit 2000] [--val-limit 1000]
  compare.py trajectory NAME... [--epochs 2] [--train-limit 6000] [--val-limit 1000]

NAME is one of the comparisons below (dense, conv, conv32, vae, handson-vae, seq2seq).

speed: every repetition runs each variant once (aelab, then each torch configuration, the
order rotated from one repetition to the next so drifting machine load hits all alike), each
variant a fresh process training `--epochs` epochs. A variant's time in one repetition is the
median of its epochs after the first (warm-up: arena growth, allocator, thread pools). Both sides
time the same thing per epoch: shuffle, the training batches, and the evaluation pass over the
validation images (aelab's epoch_seconds from run.h5; torch_models.py's epoch_seconds). Ratios
(torch time / aelab time, > 1: aelab faster) are taken within a repetition, then summarised by
median and range over repetitions. Each epoch's CPU time (user + system, all threads) is
recorded too: torch_models.py measures it itself; for aelab it is read from /proc/PID/stat each
time aelab prints an epoch line, so it also holds the previous epoch's run-file save (small).
CPU time depends far less on the machine's load than wall time, but threads that spin while
waiting (OpenBLAS' sched_yield loop) count in it.

Run nothing else from the same session while measuring: Linux's autogroup scheduler shares the
CPU between sessions first, so a job of your own in the same session takes its share from the
process being measured, more from a 1-thread variant than from a 2-thread one. Start
background jobs with setsid.

accuracy: trains aelab and each torch configuration for the given epochs one after another
(per seed) and compares the final validation metrics.

check: aelab trains one epoch; the twin loads aelab's checkpoint and evaluates the same
validation images: equal losses (to float rounding) show that the twin computes the same
function, loss definitions included.

trajectory: both train from aelab's initial parameters on the same batches (no shuffling);
per-epoch losses that agree show that gradients and Adam agree too (deterministic models:
dense, conv, conv32, seq2seq).

Torch configurations: tN = torch.set_num_threads(N); a trailing p adds OMP_WAIT_POLICY=PASSIVE
(threads sleep at barriers instead of spinning, which matters on a loaded machine). Torch always
runs with OPENBLAS_NUM_THREADS=1 (one threading layer: torch's OpenMP pool). aelab runs with
--threads N (OpenBLAS threads).

Writes a Markdown table and the raw numbers (JSON) to bench/out/ and prints the table.
Run with /usr/bin/python3 (Debian's python3-torch, numpy, h5py).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# name -> (experiment file, torch twin (bench/torch_models.py), the experiment's epochs)
COMPARISONS = {
    "dense": ("experiments/keras-blog/dense.yaml", "dense", 50),
    "conv": ("experiments/keras-blog/conv.yaml", "conv", 50),
    "conv32": ("experiments/tf-tutorial/conv32.yaml", "conv32", 5),
    "vae": ("experiments/keras-blog/vae.yaml", "vae", 100),
    "handson-vae": ("experiments/handson/vae.yaml", "handson-vae", 50),
    "seq2seq": ("experiments/keras-blog/seq2seq.yaml", "seq2seq", 10),
}


def default_aelab():
    for cand in (os.environ.get("AELAB"), os.path.join(REPO, "build/src/aelab"), "/tmp/build-bench/src/aelab"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return os.path.join(REPO, "build/src/aelab")


def median(v):
    return statistics.median(v) if v else float("nan")


# ---- running one side ----

def run_aelab(args, name, threads, epochs, seed=None):
    """Runs aelab; returns {"metrics": {series: [per epoch]}, "config": {...}}."""
    yaml = COMPARISONS[name][0]
    tmp = tempfile.mkdtemp(prefix="aelab-compare-")
    run_dir = os.path.join(tmp, "run")
    cmd = [args.aelab, "run", os.path.join(REPO, yaml), "--threads", str(threads),
           "--run-dir", run_dir, "--set", f"train.epochs={epochs}"]
    if args.train_limit:
        cmd += ["--set", f"data.train_limit={args.train_limit}"]
    if args.val_limit:
        cmd += ["--set", f"data.val_limit={args.val_limit}"]
    if seed is not None:
        cmd += ["--set", f"seed={seed}"]
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)  # --threads decides
    try:
        cpu = run_watching_epochs(cmd, env)
        with h5py.File(os.path.join(run_dir, "run.h5"), "r") as f:
            metrics = {}
            f["metrics/main"].visititems(
                lambda k, v: metrics.__setitem__(k, [float(x) for x in v[:]])
                if isinstance(v, h5py.Dataset) else None)
            config = {k: (v.decode() if isinstance(v, bytes) else
                          v.item() if hasattr(v, "item") else v) for k, v in f.attrs.items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    metrics["cpu_seconds"] = cpu
    return {"metrics": metrics, "config": config, "command": " ".join(cmd)}


EPOCH_LINE = re.compile(r"^\S+ epoch (\d+)/(\d+): ")


def process_cpu_seconds(pid):
    """user + system CPU time of a running process, all its threads (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_watching_epochs(cmd, env):
    """Runs aelab, reading its per-epoch progress lines on stderr; returns the process' CPU
    seconds between consecutive epoch lines (the first: from the start), so epoch k's CPU time
    covers its training and evaluation plus the run-file save of epoch k − 1."""
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    cpu, last, tail = [], 0.0, []
    for line in proc.stderr:
        tail = (tail + [line])[-20:]
        if EPOCH_LINE.match(line):
            now = process_cpu_seconds(proc.pid)
            cpu.append(now - last)
            last = now
    if proc.wait() != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{''.join(tail)}")
    return cpu


def torch_env(variant):
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env.pop("OMP_NUM_THREADS", None)
    if variant.endswith("p"):
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    else:
        env.pop("OMP_WAIT_POLICY", None)
    return env


def torch_threads(variant):
    return int(variant[1:].rstrip("p"))


def run_torch(args, name, variant, epochs, seed=None):
    model = COMPARISONS[name][1]
    cmd = [sys.executable, os.path.join(HERE, "torch_models.py"), model, "--epochs", str(epochs),
           "--threads", str(torch_threads(variant))]
    if args.train_limit:
        cmd += ["--train-limit", str(args.train_limit)]
    if args.val_limit:
        cmd += ["--val-limit", str(args.val_limit)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if getattr(args, "adam", None):
        cmd += ["--adam", args.adam]
    out = subprocess.run(cmd, check=True, env=torch_env(variant), capture_output=True, text=True)
    res = json.loads(out.stdout)
    env_note = "OPENBLAS_NUM_THREADS=1" + (" OMP_WAIT_POLICY=PASSIVE" if variant.endswith("p") else "")
    res["command"] = env_note + " " + " ".join(cmd)
    return res


def variants(args):
    vs = [("aelab", t) for t in args.aelab_threads]
    vs += [("torch", v) for v in args.torch]
    return vs


def label(kind, v):
    if kind == "aelab":
        return f"aelab --threads {v}"
    return f"torch {torch_threads(v)} thr" + (" passive" if v.endswith("p") else "")


# ---- speed ----

def speed(args, name):
    yaml = COMPARISONS[name][0]
    vs = variants(args)
    runs = {label(*v): [] for v in vs}
    loads = []
    train_images = args.train_limit or None
    for rep in range(args.reps):
        order = vs[rep % len(vs):] + vs[:rep % len(vs)]
        for kind, v in order:
            loads.append(os.getloadavg()[0])
            t0 = time.time()
            if kind == "aelab":
                r = run_aelab(args, name, v, args.epochs)
            else:
                r = run_torch(args, name, v, args.epochs)
                train_images = r["train_images"]
            secs = r["metrics"]["epoch_seconds"][args.skip:]
            rec = {"epoch_seconds": r["metrics"]["epoch_seconds"], "median": median(secs),
                   "wall": time.time() - t0, "command": r["command"], "config": r["config"]}
            cpu = r["metrics"].get("cpu_seconds", [])
            rec["cpu_seconds"] = cpu
            rec["cpu_median"] = median(cpu[args.skip:])
            if kind == "torch":
                rec["train_seconds"] = r["metrics"]["train_seconds"]
            runs[label(kind, v)].append(rec)
            print(f"  {name} rep {rep + 1}/{args.reps} {label(kind, v)}: "
                  f"{rec['median']:.3f} s/epoch (epochs {['%.2f' % s for s in rec['epoch_seconds']]}), "
                  f"CPU {rec['cpu_median']:.3f} s/epoch "
                  f"load {loads[-1]:.1f}", file=sys.stderr, flush=True)
    base = label(*vs[0])
    rows = []
    for lab, recs in runs.items():
        meds = [r["median"] for r in recs]
        ratios = [r["median"] / b["median"] for r, b in zip(recs, runs[base])]
        cpus = [r["cpu_median"] for r in recs]
        cpu_ratios = [r["cpu_median"] / b["cpu_median"] for r, b in zip(recs, runs[base])]
        rows.append({"variant": lab, "median": median(meds), "min": min(meds), "max": max(meds),
                     "ratio": median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
                     "per_rep": meds, "cpu": median(cpus), "cpu_ratio": median(cpu_ratios),
                     "cpu_ratio_min": min(cpu_ratios), "cpu_ratio_max": max(cpu_ratios)})
    return {"name": name, "experiment": yaml, "reps": args.reps, "epochs": args.epochs,
            "skip": args.skip, "train_limit": args.train_limit, "val_limit": args.val_limit,
            "train_images": train_images, "base": base, "rows": rows, "runs": runs,
            "load_avg": {"min": min(loads), "median": median(loads), "max": max(loads)}}


def speed_table(res):
    n = res["train_images"]
    lines = [f"### {res['name']}: `{res['experiment']}`", "",
             f"{n} training images, {res['val_limit'] or 'all 10000'} validation images per epoch; "
             f"{res['reps']} repetitions interleaved, each a fresh process of {res['epochs']} "
             f"epochs, the median of epochs {res['skip'] + 1}..{res['epochs']} per process; "
             f"1-minute load average during the runs {res['load_avg']['min']:.1f}–"
             f"{res['load_avg']['max']:.1f} (median {res['load_avg']['median']:.1f}).", "",
             "| variant | s/epoch median | min–max over reps | images/s | time ÷ "
             f"{res['base']} (median, min–max) | CPU s/epoch | CPU ÷ {res['base']} |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["rows"]:
        lines.append(f"| {r['variant']} | {r['median']:.3f} | {r['min']:.3f}–{r['max']:.3f} | "
                     f"{n / r['median']:.0f} | {r['ratio']:.2f} ({r['ratio_min']:.2f}–"
                     f"{r['ratio_max']:.2f}) | {r['cpu']:.3f} | {r['cpu_ratio']:.2f} "
                     f"({r['cpu_ratio_min']:.2f}–{r['cpu_ratio_max']:.2f}) |")
    # every torch configuration against every aelab one, ratio per repetition
    aelabs = [k for k in res["runs"] if k.startswith("aelab")]
    torches = [k for k in res["runs"] if k.startswith("torch")]
    if aelabs and torches:
        lines += ["", "Wall-time ratio torch ÷ aelab per repetition (median, min–max; > 1: aelab "
                  "faster):", "", "| | " + " | ".join(aelabs) + " |",
                  "| --- | " + " | ".join("---" for _ in aelabs) + " |"]
        for t in torches:
            cells = []
            for a in aelabs:
                rs = [x["median"] / y["median"] for x, y in zip(res["runs"][t], res["runs"][a])]
                cells.append(f"{median(rs):.2f} ({min(rs):.2f}–{max(rs):.2f})")
            lines.append(f"| {t} | " + " | ".join(cells) + " |")
        # each side at its best in each repetition: the fastest of its configurations
        best = [min(res["runs"][t][i]["median"] for t in torches) /
                min(res["runs"][a][i]["median"] for a in aelabs) for i in range(res["reps"])]
        lines += ["", f"Each side's fastest configuration in each repetition, torch ÷ aelab: "
                  f"median {median(best):.2f} (min–max {min(best):.2f}–{max(best):.2f}; per "
                  f"repetition {', '.join(f'{b:.2f}' for b in best)})."]
    return "\n".join(lines) + "\n"


def speed_table_from_json(path):
    with open(path) as f:
        return speed_table(json.load(f))


# ---- accuracy ----

def accuracy(args, name):
    yaml = COMPARISONS[name][0]
    epochs = args.epochs or COMPARISONS[name][2]
    results = []
    for seed in args.seeds:
        for kind, v in variants(args):
            t0 = time.time()
            r = (run_aelab(args, name, v, epochs, seed) if kind == "aelab"
                 else run_torch(args, name, v, epochs, seed))
            m = r["metrics"]
            final = {k: vals[-1] for k, vals in m.items() if k.startswith("val/")}
            final["train/loss"] = m["train/loss"][-1]
            results.append({"variant": label(kind, v), "seed": seed, "final": final,
                            "epochs_run": len(m["val/loss"]), "metrics": m,
                            "wall": time.time() - t0, "command": r["command"]})
            print(f"  {name} seed {seed} {label(kind, v)}: {final} ({time.time() - t0:.0f} s)",
                  file=sys.stderr, flush=True)
    return {"name": name, "experiment": yaml, "epochs": epochs, "seeds": args.seeds,
            "train_limit": args.train_limit, "val_limit": args.val_limit, "results": results}


def accuracy_table(res):
    keys = sorted({k for r in res["results"] for k in r["final"]},
                  key=lambda k: (k != "val/loss", k != "val/recon", k))
    lines = [f"### {res['name']}: `{res['experiment']}`, {res['epochs']} epochs", "",
             "| variant | seed | " + " | ".join(keys) + " |",
             "| --- | --- | " + " | ".join("---" for _ in keys) + " |"]
    for r in res["results"]:
        lines.append(f"| {r['variant']} | {r['seed']} | " +
                     " | ".join(f"{r['final'].get(k, float('nan')):.6g}" for k in keys) + " |")
    # relative difference of each torch run from the aelab run of the same seed
    lines += ["", "| torch run vs aelab (same seed) | " + " | ".join(keys) + " |",
              "| --- | " + " | ".join("---" for _ in keys) + " |"]
    for seed in res["seeds"]:
        runs = [r for r in res["results"] if r["seed"] == seed]
        base = next((r for r in runs if r["variant"].startswith("aelab")), None)
        for r in runs:
            if base is None or r is base:
                continue
            cells = []
            for k in keys:
                a, b = base["final"].get(k), r["final"].get(k)
                cells.append(f"{(b - a) / abs(a) * 100:+.2f} %" if a and b is not None else "—")
            lines.append(f"| {r['variant']}, seed {seed} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ---- check: the twin computes aelab's function ----

def check(args, name):
    """aelab trains one epoch; the twin, given aelab's checkpoint, must compute the same
    validation losses (evaluation mode: deterministic, a VAE at z = mean)."""
    yaml, model = COMPARISONS[name][0], COMPARISONS[name][1]
    tmp = tempfile.mkdtemp(prefix="aelab-check-")
    run_dir = os.path.join(tmp, "run")
    cmd = [args.aelab, "run", os.path.join(REPO, yaml), "--quiet", "--threads", "1",
           "--run-dir", run_dir, "--set", "train.epochs=1",
           "--set", f"data.train_limit={args.train_limit or 2000}",
           "--set", f"data.val_limit={args.val_limit or 1000}"]
    try:
        subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        run = os.path.join(run_dir, "run.h5")
        with h5py.File(run, "r") as f:
            ours = {}
            f["metrics/main/val"].visititems(
                lambda k, v: ours.__setitem__("val/" + k, float(v[-1]))
                if isinstance(v, h5py.Dataset) else None)
        out = subprocess.run([sys.executable, os.path.join(HERE, "torch_models.py"), model,
                              "--threads", "1", "--val-limit", str(args.val_limit or 1000),
                              "--check-run", run], check=True, capture_output=True, text=True,
                             env=torch_env("t1"))
        theirs = {"val/" + k: v for k, v in json.loads(out.stdout)["val"].items()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [(k, ours[k], theirs.get(k, float("nan"))) for k in sorted(ours)]
    return {"name": name, "experiment": yaml, "command": " ".join(cmd), "rows": rows,
            "max_rel": max(abs(b - a) / max(abs(a), 1e-30) for _, a, b in rows)}


def trajectory(args, name):
    """Same start, same batches: aelab trains one epoch at lr 1e-12, the smallest it accepts
    (Adam then moves a weight by about 1e-12, below float32 resolution for all but zero biases:
    its checkpoint holds its initial parameters), then trains `epochs` epochs without shuffling; the twin starts from
    those parameters and trains as many epochs on the batches in the same order. Per-epoch
    losses then differ only by float rounding (and how training amplifies it). Deterministic
    models only: a VAE's noise streams differ between the two."""
    yaml, model = COMPARISONS[name][0], COMPARISONS[name][1]
    epochs = args.epochs or 2
    tmp = tempfile.mkdtemp(prefix="aelab-traj-")
    limits = ["--set", f"data.train_limit={args.train_limit or 6000}",
              "--set", f"data.val_limit={args.val_limit or 1000}"]
    base = [args.aelab, "run", os.path.join(REPO, yaml), "--quiet", "--threads", "1"] + limits
    try:
        init = os.path.join(tmp, "init")
        subprocess.run(base + ["--run-dir", init, "--set", "train.epochs=1",
                               "--set", "train.optimizer.lr=1e-12"],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        run = os.path.join(tmp, "run")
        cmd = base + ["--run-dir", run, "--set", f"train.epochs={epochs}",
                      "--set", "train.shuffle=false"]
        subprocess.run(cmd, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        with h5py.File(os.path.join(run, "run.h5"), "r") as f:
            ours = {k: [float(x) for x in f["metrics/main/" + k][:]]
                    for k in ("train/loss", "val/loss")}
        out = subprocess.run([sys.executable, os.path.join(HERE, "torch_models.py"), model,
                              "--threads", "1", "--epochs", str(epochs), "--no-shuffle",
                              "--train-limit", str(args.train_limit or 6000),
                              "--val-limit", str(args.val_limit or 1000),
                              "--init-from", os.path.join(init, "run.h5"),
                              "--adam", args.adam or "keras"],  # aelab's Adam
                             check=True, capture_output=True, text=True, env=torch_env("t1"))
        theirs = json.loads(out.stdout)["metrics"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [(e + 1, k, ours[k][e], theirs[k][e]) for e in range(epochs)
            for k in ("train/loss", "val/loss")]
    return {"name": name, "experiment": yaml, "command": " ".join(cmd), "epochs": epochs,
            "rows": rows}


def trajectory_table(res):
    lines = [f"### {res['name']}: `{res['experiment']}`, same initial parameters, batches in "
             "file order", "", "| epoch | metric | aelab | torch twin | relative difference |",
             "| --- | --- | --- | --- | --- |"]
    for e, k, a, b in res["rows"]:
        lines.append(f"| {e} | {k} | {a:.7g} | {b:.7g} | {(b - a) / abs(a):+.1e} |")
    return "\n".join(lines) + "\n"


def check_table(res):
    lines = [f"### {res['name']}: `{res['experiment']}`, the twin on aelab's parameters", "",
             "| metric | aelab | torch twin | relative difference |", "| --- | --- | --- | --- |"]
    for k, a, b in res["rows"]:
        lines.append(f"| {k} | {a:.7g} | {b:.7g} | {(b - a) / abs(a):+.1e} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 2)[2])
    p.add_argument("mode", choices=["speed", "accuracy", "check", "trajectory"])
    p.add_argument("names", nargs="+", choices=sorted(COMPARISONS))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--epochs", type=int, help="speed: 3; accuracy: the experiment's own")
    p.add_argument("--skip", type=int, default=1, help="speed: warm-up epochs left out (1)")
    p.add_argument("--train-limit", type=int, default=0, help="first N training images (0: all)")
    p.add_argument("--val-limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--aelab-threads", default="2", type=lambda s: [int(x) for x in s.split(",")])
    p.add_argument("--torch", default="t2,t2p,t1", type=lambda s: s.split(","),
                   help="torch configurations, comma-separated (default t2,t2p,t1)")
    p.add_argument("--adam", choices=["keras", "foreach", "single"],
                   help="the twin's Adam (torch_models.py --adam; default keras, as aelab)")
    p.add_argument("--seeds", default="1", type=lambda s: [int(x) for x in s.split(",")])
    p.add_argument("--aelab", default=default_aelab(), help="the aelab binary ($AELAB, build/src/aelab)")
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--tag", default="", help="added to the output file names")
    args = p.parse_args()
    if args.mode == "speed" and not args.epochs:
        args.epochs = 3
    if args.epochs is not None and args.epochs <= args.skip and args.mode == "speed":
        p.error("--epochs must exceed --skip")
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    header = (f"aelab: {args.aelab}; torch configurations: {', '.join(args.torch)}; "
              f"host: {os.uname().nodename}, {os.cpu_count()} CPUs; {stamp}\n")
    for name in args.names:
        if args.mode == "speed":
            res = speed(args, name)
            table = speed_table(res)
        elif args.mode == "trajectory":
            res = trajectory(args, name)
            table = trajectory_table(res)
        elif args.mode == "check":
            res = check(args, name)
            table = check_table(res)
        else:
            res = accuracy(args, name)
            table = accuracy_table(res)
        res["header"] = header
        base = f"{name}-{args.mode}{'-' + args.tag if args.tag else ''}-{stamp}"
        with open(os.path.join(args.out, base + ".json"), "w") as f:
            json.dump(res, f, indent=1)
        with open(os.path.join(args.out, base + ".md"), "w") as f:
            f.write(header + "\n" + table)
        print(table, flush=True)


if __name__ == "__main__":
    main()
