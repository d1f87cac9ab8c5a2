"""Close-a-gap benchmark: how long the search takes on the demo shop and on MovieLens 100K.

    .venv/bin/python benchmarks/bench_close_gap.py [--runs 3]

Setup as the app's: random 80/20 split (seed 42), EASE, top-100 candidates of every test user,
k=10. Target: the gender NDCG@10 gap at most half the model's. Prints the median wall time of the
whole search (every re-ranker's grid, the bisection, the best few's full-audit intervals with 200
resamples), the number of settings evaluated, and what was found. ML-100K is skipped with a note
when the data is missing (set FAIRREC_ML100K).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairrec_core.audit import AuditContext, audited_attributes  # noqa: E402
from fairrec_core.data import load_dataset, load_movielens, split_dataset  # noqa: E402
from fairrec_core.gapsearch import GapTarget, search_gap  # noqa: E402
from fairrec_core.models import EASE, top_n  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or ROOT.parent / "shared" / "data" / "ml-100k")


def bench(name: str, data, runs: int) -> None:
    split = split_dataset(data, method="random", test_size=0.2, seed=42)
    users = np.flatnonzero(split.test.user_counts > 0)
    candidates = top_n(EASE().fit(split.train), users, 100)
    ctx = AuditContext(split.train, split.test, k=10, groups=audited_attributes(split.train))
    model_gap = float(ctx.summarize(candidates.top(10)).gap("gender", "ndcg@10")["difference"])
    target = GapTarget("gender", "ndcg", max_gap=model_gap / 2)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = search_gap(ctx, candidates, target)
        times.append(time.perf_counter() - start)
    print(f"{name}: {data.n_users:,} users, {data.n_items:,} items; model's gender NDCG@10 gap "
          f"{model_gap:.4f}, target <= {model_gap / 2:.4f}")
    print(f"  search: median {statistics.median(times):.2f} s over {runs} runs "
          f"(min {min(times):.2f} s), {len(result.table)} settings evaluated "
          f"({(result.table['source'] == 'refined').sum()} by bisection), "
          f"{len(result.shortlist)} intervals")
    print(f"  found: {result.sentence()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bench("demo shop", load_dataset("demo"), args.runs)
    if (ML100K / "u.data").is_file():
        bench("MovieLens 100K", load_movielens(ML100K), args.runs)
    else:
        print(f"MovieLens 100K: skipped, not found at {ML100K} (set FAIRREC_ML100K)")


if __name__ == "__main__":
    main()
