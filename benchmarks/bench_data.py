"""Load and split times: demo shop, MovieLens 100K, and a synthetic shop of MovieLens-1M size.

Target (issue 2): generating + splitting the ML-1M-size synthetic in <= 3 s.
Run: .venv/bin/python benchmarks/bench_data.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.data import load_dataset, split_dataset  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
ML1M_SIZE = "synthetic:users=6040,items=3706,interactions=1000209"


def timed(fn, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main() -> None:
    rows = []
    for label, spec in (("demo", "demo"), ("ml-100k", f"movielens:{ML100K}"), ("ml-1m-size synthetic", ML1M_SIZE)):
        data, t_load = timed(lambda spec=spec: load_dataset(spec))
        _, t_split = timed(lambda data=data: split_dataset(data, test_size=0.2, seed=42))
        _, t_temporal = timed(lambda data=data: split_dataset(data, method="temporal", seed=42))
        rows.append((label, data, t_load, t_split, t_temporal))
    print(f"{'dataset':<22} {'users':>6} {'items':>6} {'interactions':>12} {'load s':>7} {'split s':>8} {'temporal s':>10} {'load+split s':>12}")
    for label, d, tl, ts, tt in rows:
        print(f"{label:<22} {d.n_users:>6} {d.n_items:>6} {d.n_interactions:>12,} {tl:>7.3f} {ts:>8.3f} {tt:>10.3f} {tl + ts:>12.3f}")
    big = rows[-1]
    verdict = "OK" if big[2] + big[3] <= 3.0 else "OVER TARGET"
    print(f"\nML-1M-size generate + split: {big[2] + big[3]:.2f} s (target <= 3 s): {verdict}")


if __name__ == "__main__":
    main()
