"""Speed of the audit engine (issue 4), from precomputed top-100 EASE candidates.

Targets: the full audit at k = 10 (all metrics, gender / age_group / region plus their pairwise
intersections, 1,000 bootstrap resamples, 1,000 permutations) in <= 1.5 s on the ML-1M-size
synthetic and <= 0.3 s on ML-100K; per-user metrics + the fast summary (the slider path) in
<= 40 ms on the ML-1M-size synthetic. Medians of repeated runs; the context (built once per
split) is timed separately.

Run: .venv/bin/python benchmarks/bench_audit.py [--repeat 7]
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

from fairrec_core.audit import DEFAULT_GROUPS, AuditContext, audited_attributes  # noqa: E402
from fairrec_core.data import load_dataset, load_movielens, split_dataset  # noqa: E402
from fairrec_core.models import MODELS, top_n  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
ML1M_SIZE = "synthetic:users=6040,items=3706,interactions=1000209"


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(name: str, data, repeat: int, audit_target: float, fast_target: float | None):
    split = split_dataset(data, method="random", test_size=0.2, seed=42)
    model = MODELS["ease"]().fit(split.train)
    users = np.flatnonzero(split.test.user_counts > 0)
    candidates = top_n(model, users, 100)
    t0 = time.perf_counter()
    # the targets were set for gender, age group and region with their pairwise intersections
    ctx = AuditContext(split.train, split.test, k=10,
                       groups=[a for a in DEFAULT_GROUPS if a in split.train.user_attributes])
    t_ctx = time.perf_counter() - t0
    groups = sum(g.n_groups for g in ctx.groupings)
    ctx.audit(candidates)  # warm-up
    t_fast = median_time(lambda: (ctx.user_metrics(candidates), ctx.summarize(candidates)),
                         repeat * 3)
    t_summary = median_time(lambda: ctx.summarize(candidates), repeat * 3)
    t_audit = median_time(lambda: ctx.audit(candidates, n_bootstrap=1000, n_permutations=1000),
                          repeat)
    print(f"{name}: {len(users):,} users x top-100 candidates -> k=10, "
          f"{len(ctx.groupings)} groupings ({groups} groups)")
    print(f"  context (once per split)          {t_ctx * 1e3:8.1f} ms")
    fast_note = "" if fast_target is None else (
        f"  [target <= {fast_target * 1e3:.0f} ms: {'met' if t_fast <= fast_target else 'NOT MET'}]")
    print(f"  user_metrics + summarize (median) {t_fast * 1e3:8.1f} ms{fast_note}")
    print(f"  summarize alone (median)          {t_summary * 1e3:8.1f} ms")
    print(f"  full audit, 1000 + 1000 (median)  {t_audit * 1e3:8.1f} ms  [target <= "
          f"{audit_target:g} s: {'met' if t_audit <= audit_target else 'NOT MET'}]")
    default = AuditContext(split.train, split.test, k=10)  # every attribute the app audits
    if len(default.groupings) != len(ctx.groupings):
        t_default = median_time(lambda: default.audit(candidates), max(1, repeat // 2))
        n_default = sum(g.n_groups for g in default.groupings)
        print(f"  full audit of the default attributes ({', '.join(audited_attributes(data))}: "
              f"{len(default.groupings)} groupings, {n_default} groups) {t_default * 1e3:8.1f} ms "
              "(no target)")
    return t_audit <= audit_target and (fast_target is None or t_fast <= fast_target)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed (default: report only)")
    args = parser.parse_args(argv)
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (other processes slow "
          "these figures down)")
    ok = True
    if (ML100K / "u.data").is_file():
        ok &= bench("ML-100K", load_movielens(ML100K), args.repeat, 0.3, None)
    else:
        print(f"ML-100K not found at {ML100K}: skipped")
    ok &= bench("ML-1M-size synthetic", load_dataset(ML1M_SIZE), args.repeat, 1.5, 0.040)
    print("all targets met" if ok else "some targets NOT MET (see above)")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
