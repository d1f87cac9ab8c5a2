"""Scoring at scale (issue 16): ALS, BPR and two-tower on a 1,000,000 users x 100,000 items
scale shop, top-10 for every user in batches, with bounded memory.

Each model runs in a child process of its own (so its peak RSS, ``ru_maxrss``, is its own):
build the scale shop (:func:`fairrec_core.data.load_dataset` ``scale:...``), split it (random,
20% held out), fit with modest settings, then rank the top 10 of every user
(:func:`fairrec_core.models.iter_top_n`, 100,000 users a batch), with NDCG@10 on the held-out
items as a check that the model learned something. A dense users x items float32 score matrix
would need ``users * items * 4`` bytes (400 GB here); scoring holds one block of
``chunk_rows(items)`` users at a time.

``--cli`` also times the command line: ``train --lists --test-out`` (the lists of all users as
Parquet, written a batch at a time) then ``audit --engine duckdb --recommendations --test``.

Measured (2-core machine shared with a Spark helper and a test run; load averages printed),
200,000 users x 100,000 items, 2,000,000 drawn (1,813,465 kept) interactions, 2 threads;
settings as SETTINGS below (ALS 32 factors 3 iterations 3 CG steps; BPR 32 factors 1 epoch;
two-tower dim 32 1 epoch; no validation):

    als       fit 1141.4 s | top-10 of 200,000 users  62.8 s = 3,183 users/s | 2,000,000 rows
              to Parquet (12 MiB) | NDCG@10 0.0797 | peak RSS 0.84 GiB | load 2.36 4.73 4.42
    bpr       fit   65.7 s | top-10 of 200,000 users  72.6 s = 2,754 users/s | 12 MiB
              | NDCG@10 0.0531 | peak RSS 0.97 GiB | load 2.80 4.14 4.24
    twotower  fit   79.4 s | top-10 of 200,000 users  59.6 s = 3,356 users/s | 11 MiB
              | NDCG@10 0.0910 | peak RSS 1.25 GiB | load 2.01 3.27 3.90
    (score block 41 users = 63 MiB, against 80 GB for a dense users x items float32 matrix)
    --cli --cli-model bpr (a separate run of the same size):
    cli bpr  train --lists         exit 0  127.3 s  peak RSS 1.01 GiB  lists.parquet 12 MiB
             load 2.00 2.65 3.53
    cli bpr  audit --engine duckdb exit 0    8.0 s  peak RSS 0.96 GiB  (200 bootstrap, 200
             permutations)  load 1.92 2.62 3.51
The ALS fit above was a solver bottleneck since fixed (6.6 s at this size now). 1,000,000
users x 100,000 items (--users 1000000 --interactions 10000000: 9,117,073 kept), same settings:

    als       fit  49.6 s | top-10 of 1,000,000 users 462.2 s = 2,164 users/s | 61 MiB
              | NDCG@10 0.0737 | peak RSS 2.32 GiB | load 2.06 3.02 3.32
    twotower  fit 518.0 s | top-10 of 1,000,000 users 285.6 s = 3,502 users/s | 55 MiB
              | NDCG@10 0.1044 | peak RSS 2.26 GiB | load 2.02 2.07 2.54
    (BPR not run at 1M: stopped for time)

Run: .venv/bin/python benchmarks/bench_scoring_scale.py [--users 1000000] [--items 100000]
     [--interactions 17000000] [--models als,bpr,twotower] [--threads 2] [--cli]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Modest settings that finish on 2 cores (no validation: early stopping would score more users).
SETTINGS = {
    "als": {"factors": 32, "iterations": 3, "cg_steps": 3, "validation": 0.0},
    "bpr": {"factors": 32, "epochs": 1, "negatives": 4, "batch_size": 8192, "validation": 0.0},
    "twotower": {"dim": 32, "epochs": 1, "batch_size": 8192, "validation": 0.0},
}
CUTOFF = 10


def spec(args) -> str:
    return f"scale:users={args.users},items={args.items},interactions={args.interactions}"


def rss_gib() -> float:
    """Peak resident memory of this process so far (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def child(args) -> dict:
    """One model's run (in the child process); the numbers as a dict."""
    import numpy as np

    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
    from fairrec_core.models import MODELS, limit_threads, write_lists
    from fairrec_core.models._base import CELL_BYTES, chunk_rows

    out = {"model": args.child}
    with limit_threads(args.threads):
        t0 = time.perf_counter()
        data = load_dataset(spec(args))
        out["data_s"], out["interactions"] = time.perf_counter() - t0, data.n_interactions
        t0 = time.perf_counter()
        split = split_dataset(data, method="random", test_size=0.2, seed=42)
        out["split_s"], out["rss_data_gib"] = time.perf_counter() - t0, rss_gib()
        del data
        model = MODELS[args.child](**SETTINGS[args.child])
        t0 = time.perf_counter()
        model.fit(split.train)
        out["fit_s"], out["rss_fit_gib"] = time.perf_counter() - t0, rss_gib()
        has_test = split.test.user_counts > 0
        gains, ranked = [], []

        def check(lists):  # NDCG@10 of the batch's users with held-out items
            ranked.append(lists.n_users)
            mine = has_test[lists.users]
            if mine.any():
                part = type(lists)(lists.users[mine], lists.items[mine], lists.scores[mine])
                gains.append(ndcg(hit_matrix(part, split.test), n_relevant(part, split.test)))

        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench_scoring_scale_") as tmp:
            path = f"{tmp}/lists.parquet"
            out["rows"] = write_lists(model, split.train, path, n=CUTOFF, each=check)
            out["parquet_mib"] = os.path.getsize(path) / 2**20
            n_ranked = sum(ranked)
        out["score_s"] = time.perf_counter() - t0
    out["users"], out["items"] = n_ranked, model.n_items_
    out["users_per_s"] = n_ranked / out["score_s"]
    out["ndcg10"] = float(np.nanmean(np.concatenate(gains)))
    out["block_rows"] = chunk_rows(model.n_items_)
    out["block_mib"] = out["block_rows"] * model.n_items_ * CELL_BYTES / 2**20
    out["dense_gb"] = n_ranked * model.n_items_ * 4 / 1e9
    out["peak_rss_gib"] = rss_gib()
    return out


def run_child(cmd: list[str]) -> tuple[int, float, float, str]:
    """``(status, seconds, peak RSS GiB, stdout)`` of a command run as a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - t0, usage.ru_maxrss / 2**20, stdout


def cli(args, name: str) -> None:
    """``train --lists --test-out`` then ``audit --engine duckdb`` of those files."""
    py = [sys.executable, "-m", "fairrec_core"]
    params = [x for k, v in SETTINGS[name].items() for x in ("--param", f"{k}={v}")]
    with tempfile.TemporaryDirectory(prefix="bench_scoring_scale_") as tmp:
        lists, test = f"{tmp}/lists.parquet", f"{tmp}/test.parquet"
        steps = [
            ("train --lists", [*py, "train", "--data", spec(args), "--model", name, *params,
                               "--out", f"{tmp}/model", "--lists", lists, "--test-out", test,
                               "--threads", str(args.threads), "--quiet"]),
            ("audit --engine duckdb", [*py, "audit", "--engine", "duckdb", "--data", spec(args),
                                       "--recommendations", lists, "--test", test, "--out",
                                       f"{tmp}/audit", "--threads", str(args.threads),
                                       "--bootstrap", "200", "--permutations", "200",
                                       "--quiet"]),
        ]
        for label, cmd in steps:
            rc, seconds, peak, stdout = run_child(cmd)
            size = os.path.getsize(lists) / 2**20 if os.path.exists(lists) else 0
            print(f"cli {name:<9} {label:<22} exit {rc}  {seconds:7.1f} s  peak RSS "
                  f"{peak:5.2f} GiB  lists.parquet {size:,.0f} MiB  load "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
            if rc != 0:
                print(stdout)
                return


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=1_000_000)
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--interactions", type=int, default=17_000_000,
                   help="target of the scale shop (repeated draws are dropped: about 15M kept)")
    p.add_argument("--models", default="als,bpr,twotower")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cli", action="store_true", help="also time train --lists + audit duckdb")
    p.add_argument("--cli-model", default="bpr", help="the model of --cli (default bpr: ALS fits slowly)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    print(f"{spec(args)}, {args.threads} threads, load average {os.getloadavg()}", flush=True)
    for name in filter(None, args.models.split(",")):
        cmd = [sys.executable, __file__, "--child", name, "--users", str(args.users), "--items",
               str(args.items), "--interactions", str(args.interactions), "--threads",
               str(args.threads)]
        rc, seconds, peak, stdout = run_child(cmd)
        if rc != 0:
            print(f"{name}: exit {rc} after {seconds:.0f} s (peak RSS {peak:.2f} GiB)", flush=True)
            continue
        r = json.loads(stdout.strip().splitlines()[-1])
        r["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{name:<9} data {r['data_s']:6.1f} s ({r['interactions']:,} interactions) "
              f"split {r['split_s']:5.1f} s | fit {r['fit_s']:7.1f} s | top-{CUTOFF} of "
              f"{r['users']:,} users {r['score_s']:7.1f} s = {r['users_per_s']:,.0f} users/s | "
              f"{r['rows']:,} rows to Parquet ({r['parquet_mib']:,.0f} MiB) | "
              f"NDCG@{CUTOFF} {r['ndcg10']:.4f} | peak RSS {peak:.2f} GiB (after data "
              f"{r['rss_data_gib']:.2f}, after fit {r['rss_fit_gib']:.2f}) | score block "
              f"{r['block_rows']} users = {r['block_mib']:.0f} MiB vs dense users x items "
              f"float32 {r['dense_gb']:,.0f} GB | load {r['load']}", flush=True)
    if args.cli:
        cli(args, args.cli_model)


if __name__ == "__main__":
    main()
