"""Accuracy of every model with its DEFAULT hyperparameters on MovieLens 100K (issue 3).

Protocol: per-user random 20% holdout (``split_dataset(d, seed=s)``), every rating a positive,
full ranking over the items the user has not rated in training, NDCG@10 with binary relevance
and IDCG over min(|test items|, 10); mean over seeds 0, 1, 2. ``sasrec`` (and, for context,
``popularity`` and ``ease``) under leave-last-one: HR@10 and NDCG@10.

Targets (NDCG@10 at least): ease 0.44, als 0.40, bpr 0.40, itemknn 0.37, twotower 0.38,
popularity about 0.22.

Run: .venv/bin/python benchmarks/bench_models_accuracy.py [--seeds 0,1,2] [--models ease,als]
     [--threads N] [--data PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.data import load_movielens, split_dataset  # noqa: E402
from fairrec_core.metrics import hit_matrix, n_relevant, ndcg  # noqa: E402
from fairrec_core.models import MODELS, limit_threads, top_n  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
#: (target, "at least" or "about") per model, NDCG@10 under the random-holdout protocol.
TARGETS = {
    "popularity": (0.22, "about"),
    "itemknn": (0.37, "at least"),
    "ease": (0.44, "at least"),
    "als": (0.40, "at least"),
    "bpr": (0.40, "at least"),
    "twotower": (0.38, "at least"),
}
SEQUENTIAL = ("sasrec",)
LEAVE_LAST_CONTEXT = ("popularity", "ease")


def evaluate(model, test) -> tuple[float, float]:
    users = np.flatnonzero(test.user_counts)
    lists = top_n(model, users, 10)
    hits = hit_matrix(lists, test)
    return float(np.nanmean(ndcg(hits, n_relevant(lists, test)))), float(hits.any(axis=1).mean())


def run(name: str, split) -> tuple[float, float, float]:
    model = MODELS[name]()
    t0 = time.perf_counter()
    model.fit(split.train)
    seconds = time.perf_counter() - t0
    score, hr = evaluate(model, split.test)
    return score, hr, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ML100K))
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    names = [n for n in args.models.split(",") if n]
    data = load_movielens(args.data)
    with limit_threads(args.threads) as threads:
        print(f"MovieLens 100K, default hyperparameters, seeds {seeds}, {threads} threads\n")
        print("random 20% holdout, NDCG@10")
        print(f"{'model':<11} {'NDCG@10':>8} {'sd':>6} {'per seed':<24} {'train s':>8}  target")
        splits = {s: split_dataset(data, seed=s) for s in seeds}
        for name in names:
            if name in SEQUENTIAL:
                continue
            runs = [run(name, splits[s]) for s in seeds]
            scores = [r[0] for r in runs]
            mean = statistics.fmean(scores)
            sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
            target, kind = TARGETS.get(name, (None, ""))
            if target is None:
                verdict = ""
            elif kind == "about":
                verdict = f"about {target:.2f}: {'OK' if abs(mean - target) <= 0.02 else 'OFF'}"
            else:
                verdict = f">= {target:.2f}: {'OK' if mean >= target else 'MISSES'}"
            per_seed = " ".join(f"{s:.4f}" for s in scores)
            print(f"{name:<11} {mean:>8.4f} {sd:>6.4f} {per_seed:<24} "
                  f"{statistics.fmean(r[2] for r in runs):>8.1f}  {verdict}", flush=True)
        seq = [n for n in names if n in SEQUENTIAL]
        if seq:
            print("\nleave-last-one, full ranking")
            print(f"{'model':<11} {'HR@10':>7} {'NDCG@10':>8} {'train s':>8}")
            leave = {s: split_dataset(data, method="leave_last", seed=s) for s in seeds}
            for name in seq + [n for n in LEAVE_LAST_CONTEXT if n in MODELS]:
                runs = [run(name, leave[s]) for s in seeds]
                print(f"{name:<11} {statistics.fmean(r[1] for r in runs):>7.4f} "
                      f"{statistics.fmean(r[0] for r in runs):>8.4f} "
                      f"{statistics.fmean(r[2] for r in runs):>8.1f}", flush=True)


if __name__ == "__main__":
    main()
