"""Re-ranking benchmark: speed on the ML-1M-size synthetic shop and the ML-100K trade-offs.

    .venv/bin/python benchmarks/bench_reranking.py [--quick]

Speed (issue 5 targets): 6,040 users x 100 EASE candidates -> top-10; one re-ranker plus the full
metric recomputation (``AuditContext.summarize``) <= 100 ms median (aim 50 ms); an 11-point
sweep <= 2 s. ML-100K (random 80/20 split, seed 42, EASE top-100): calibrated at lambda = 0.8
cuts mean calibration_kl@10 by >= 20%, popularity at lambda = 0.8 raises aplt@10 by >= 0.05,
parity (gender x category) at lambda = 1 at least halves the parity difference, each with the
NDCG@10 it costs. ``--quick`` skips the ML-1M-size part.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairrec_core.audit import AuditContext  # noqa: E402
from fairrec_core.data import load_dataset, load_movielens, split_dataset  # noqa: E402
from fairrec_core.models import MODELS, top_n  # noqa: E402
from fairrec_core.reranking import RERANKERS, sweep  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or ROOT.parent / "shared" / "data" / "ml-100k")
SYNTHETIC = "synthetic:users=6040,items=3706,interactions=1000209"
GROUPS = ("gender", "age_group", "region")
#: Settings per re-ranker for the shop data (strength at its default unless given).
SHOP = {
    "calibrated": {},
    "mmr": {},
    "popularity": {},
    "fair": {"protected": "brand_tier=small"},
    "parity": {"user_attr": "gender", "item_attr": "category"},
    "ugf": {"user_attr": "gender"},
}


def _median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _setup(spec_or_data, seed=42):
    data = load_dataset(spec_or_data) if isinstance(spec_or_data, str) else spec_or_data
    split = split_dataset(data, method="random", test_size=0.2, seed=seed)
    model = MODELS["ease"]().fit(split.train)
    users = (split.test.user_counts > 0).nonzero()[0]
    cand = top_n(model, users, n=100)
    return split, cand


def _overall(summary):
    overall = summary["overall"] if isinstance(summary, dict) else summary.overall
    return dict(overall)


def speed(repeat: int) -> None:
    t = time.perf_counter()
    split, cand = _setup(SYNTHETIC)
    print(
        f"ML-1M-size synthetic: {cand.n_users} users x {cand.depth} EASE candidates "
        f"(setup {time.perf_counter() - t:.1f} s)"
    )
    ctx = AuditContext(split.train, split.test, k=10, groups=GROUPS)
    base_ms = _median_ms(lambda: ctx.summarize(cand.top(10)), repeat)
    print(f"  metrics alone (summarize, top-10): {base_ms:.1f} ms median")
    print(
        f"  {'re-ranker':<11} {'fit ms':>7} {'rerank ms':>10} {'+metrics ms':>12} "
        f"{'sweep11 s':>10}  target"
    )
    for name, params in SHOP.items():
        r = RERANKERS[name](**params)
        t = time.perf_counter()
        r.fit(split.train, cand)
        fit_ms = 1000 * (time.perf_counter() - t)
        rr_ms = _median_ms(lambda r=r: r.rerank(cand, 10), repeat)
        both_ms = _median_ms(lambda r=r: ctx.summarize(r.rerank(cand, 10)), repeat)
        t = time.perf_counter()
        sweep(r, context=ctx, candidates=cand, k=10)
        sweep_s = time.perf_counter() - t
        ok = "ok" if both_ms <= 100 and sweep_s <= 2 else "MISSED"
        print(f"  {name:<11} {fit_ms:7.0f} {rr_ms:10.1f} {both_ms:12.1f} {sweep_s:10.2f}  {ok}")


def ml100k() -> None:
    split, cand = _setup(load_movielens(ML100K))
    ctx = AuditContext(split.train, split.test, k=10, groups=GROUPS)
    before = _overall(ctx.summarize(cand.top(10)))
    print(
        f"ML-100K, EASE top-100 -> top-10, {cand.n_users} users; model NDCG@10 "
        f"{before['ndcg@10']:.4f}"
    )
    cases = [
        ("calibrated:lambda=0.8", RERANKERS["calibrated"](lam=0.8), "calibration_kl@10"),
        (
            "calibrated:lambda=0.8,attribute=categories",
            RERANKERS["calibrated"](lam=0.8, attribute="categories"),
            "calibration_kl@10",
        ),
        ("popularity:lambda=0.8", RERANKERS["popularity"](lam=0.8), "aplt@10"),
        (
            "parity:gender x category, lambda=1",
            RERANKERS["parity"](user_attr="gender", item_attr="category", lam=1.0),
            "parity_difference@10",
        ),
    ]
    for label, r, figure in cases:
        r.fit(split.train, cand)
        out = r.rerank(cand, 10)
        after = _overall(ctx.summarize(out))
        if figure == "parity_difference@10":
            b, a = r.parity_difference(cand.top(10)), r.parity_difference(out)
            change, goal = f"{a / b:.2f}x", a <= b / 2
        elif figure == "aplt@10":
            b, a = before[figure], after[figure]
            change, goal = f"{a - b:+.4f}", a - b >= 0.05
        else:
            b, a = before[figure], after[figure]
            change, goal = f"{(a - b) / b:+.1%}", a <= 0.8 * b
        cost = after["ndcg@10"] - before["ndcg@10"]
        print(
            f"  {label:<44} {figure} {b:.4f} -> {a:.4f} ({change}, "
            f"{'meets' if goal else 'MISSES'} target); NDCG@10 {after['ndcg@10']:.4f} "
            f"({cost:+.4f}, {cost / before['ndcg@10']:+.1%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="ML-100K only")
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    ml100k()
    if not args.quick:
        speed(args.repeat)


if __name__ == "__main__":
    main()
