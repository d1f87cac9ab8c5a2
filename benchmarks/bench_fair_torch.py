"""Fairness-regularised BPR (and two-tower) on MovieLens 100K (issue 11, in-processing).

Protocol: ``split_dataset(d, method="random", test_size=0.2, seed=42)``; the model with its
default hyperparameters (seed 42) is fitted on the training part at each ``fairness_weight`` λ of
the grid with ``fairness="user_gap"`` (the spread of the gender groups' mean training loss in each
batch); each point's top-10 lists of the test users are measured with the Mitigation sweep's
:func:`fairrec_core.mitigation.measure` (overall NDCG@10, the gender NDCG@10 gap = the audit's
``difference``, its 95% simultaneous bootstrap interval, 200 resamples). Then the leakage option:
the gender probe (:func:`fairrec_core.leakage.probe`, 5-fold CV ROC AUC with its interval) on the
plain user vectors and on those of the model trained with ``leakage_attr="gender"``, with
NDCG@10. Prints whether a setting cuts the gap >= 50% at <= 3% relative NDCG loss, and whether
leakage reaches AUC <= 0.60 at <= 2% loss.

With ``--items`` (item side, the demo shop, same split): ``fairness="item_exposure"`` on
``brand_tier`` at each λ of ``--item-lambdas``; the target is small brands' exposure shortfall in
the top-10 lists (catalogue share - exposure share, the Mitigation sweep's item target, 95%
bootstrap interval over users).

Run: .venv/bin/python benchmarks/bench_fair_torch.py [--models bpr] [--lambdas 0.03,0.1,0.3]
     [--rounds 4] [--items] [--item-lambdas 0.04,0.07,0.125] [--skip-users] [--data PATH]   (the data from --data, else $FAIRREC_ML100K, else
     ../shared/data/ml-100k). About 1.5 min a fit on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.audit import AuditContext  # noqa: E402
from fairrec_core.data import generate_shop, load_movielens, split_dataset  # noqa: E402
from fairrec_core.leakage import probe, user_embeddings  # noqa: E402
from fairrec_core.mitigation import MitigationTarget, measure  # noqa: E402
from fairrec_core.models import MODELS, top_n  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K")
              or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
TARGET = MitigationTarget("gender", "ndcg")
SMALL_BRANDS = MitigationTarget("gender", "ndcg", item_attribute="brand_tier", protected="small")


def _point(cls, params, split, ctx, users, target=TARGET):
    start = time.perf_counter()
    model = cls(**params).fit(split.train)
    seconds = time.perf_counter() - start
    lists = top_n(model, users, 10)
    figures = measure(ctx, lists, target, n_bootstrap=200, n_permutations=0, seed=0)
    return model, figures, seconds


def _row(label, figures, plain, seconds):
    loss = 1 - figures["accuracy"] / plain["accuracy"]
    cut = 1 - abs(figures["gap"]) / abs(plain["gap"])
    groups = "  ".join(f"{k.split('=')[1]} {v:.4f}" for k, v in figures.items()
                       if k.startswith("ndcg@10 gender="))
    print(f"  {label:<22} NDCG@10 {figures['accuracy']:.4f} (loss {loss:+6.1%})  gap "
          f"{figures['gap']:+.4f} [{figures['gap_lo']:+.4f}, {figures['gap_hi']:+.4f}] "
          f"(cut {cut:+6.1%})  {groups}  {seconds:5.0f} s", flush=True)
    return loss, cut


def bench(name, split, lambdas, rounds):
    cls = MODELS[name]
    users = np.flatnonzero(split.test.user_counts > 0)
    ctx = AuditContext(split.train, split.test, k=10, groups=["gender"], intersections=False)
    print(f"{name}: user_gap on gender (λ grid), then leakage_attr=gender ({rounds} rounds)")
    plain_model, plain, seconds = _point(cls, {}, split, ctx, users)
    _row("plain", plain, plain, seconds)
    met = []
    for lam in lambdas:
        _, figures, seconds = _point(
            cls, dict(fairness="user_gap", fairness_weight=lam), split, ctx, users)
        loss, cut = _row(f"user_gap λ={lam:g}", figures, plain, seconds)
        if cut >= 0.5 and loss <= 0.03:
            met.append(lam)
    print(f"  gap cut >= 50% at <= 3% NDCG loss: {'yes, λ = ' + str(met) if met else 'no'}")
    labels = split.train.user_groups("gender").to_numpy()
    fair_model, figures, seconds = _point(
        cls, dict(leakage_attr="gender", leakage_rounds=rounds), split, ctx, users)
    loss, _ = _row(f"leakage_attr ({rounds} r.)", figures, plain, seconds)
    before = probe(user_embeddings(plain_model), labels, seed=0)
    after = probe(user_embeddings(fair_model), labels, seed=0)
    for label, res in (("plain", before), ("leakage_attr", after)):
        print(f"  gender probe AUC, {label:<13} {res.auc:.3f} [{res.low:.3f}, {res.high:.3f}]")
    ok = after.auc <= 0.60 and loss <= 0.02
    print(f"  leakage AUC <= 0.60 at <= 2% NDCG loss: {'yes' if ok else 'no'} "
          f"(AUC {after.auc:.3f}, loss {loss:+.1%})")


def bench_items(name, split, lambdas):
    cls = MODELS[name]
    users = np.flatnonzero(split.test.user_counts > 0)
    ctx = AuditContext(split.train, split.test, k=10, groups=["gender"], intersections=False)
    print(f"{name} on the demo shop: item_exposure on brand_tier (small brands' exposure "
          "shortfall, catalogue share - exposure share)")
    _, plain, seconds = _point(cls, {}, split, ctx, users, SMALL_BRANDS)
    _row("plain", plain, plain, seconds)
    met = []
    for lam in lambdas:
        params = dict(fairness="item_exposure", fairness_weight=lam, fairness_attr="brand_tier")
        _, figures, seconds = _point(cls, params, split, ctx, users, SMALL_BRANDS)
        loss, cut = _row(f"item_exposure λ={lam:g}", figures, plain, seconds)
        if cut >= 0.5 and loss <= 0.03:
            met.append(lam)
    print(f"  shortfall cut >= 50% at <= 3% NDCG loss: {'yes, λ = ' + str(met) if met else 'no'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="bpr")
    parser.add_argument("--lambdas", default="0.03,0.1,0.3")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--items", action="store_true")
    parser.add_argument("--item-lambdas", default="0.04,0.07,0.125")
    parser.add_argument("--skip-users", action="store_true")
    parser.add_argument("--data", default=str(ML100K))
    args = parser.parse_args()
    if not (Path(args.data) / "u.data").is_file():
        print(f"MovieLens 100K not found at {args.data}: set FAIRREC_ML100K or pass --data")
        return 2
    split = split_dataset(load_movielens(args.data), method="random", test_size=0.2, seed=42)
    lambdas = [float(x) for x in args.lambdas.split(",") if x.strip()]
    start = time.perf_counter()
    for name in args.models.split(","):
        if not args.skip_users:
            bench(name, split, lambdas, args.rounds)
        if args.items:
            shop = split_dataset(generate_shop(), method="random", test_size=0.2, seed=42)
            bench_items(name, shop, [float(x) for x in args.item_lambdas.split(",") if x.strip()])
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
