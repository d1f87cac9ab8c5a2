"""ALS in-processing fairness (issue 11): the fairness weight against accuracy and the gap.

    .venv/bin/python benchmarks/bench_fair_als.py [--part gap,leakage,exposure,reduction]
        [--bootstrap 300]

Protocol as the other benchmarks: ``split_dataset(d, method="random", test_size=0.2, seed=42)``,
ALS with its defaults plus the fairness parameters, top-10 lists of every test user, the audit
(``AuditContext(...).audit`` with ``--bootstrap`` resamples) for the gaps and their simultaneous
intervals.

- gap (MovieLens 100K): ``fairness="user_gap"`` on gender over a grid of ``fairness_weight``:
  overall NDCG@10, its relative change, the F-M NDCG@10 gap with its interval, the gap's relative
  change, and the groups' training loss per interaction; asks whether some weight cuts the gap
  by >= 50% at <= 3% relative NDCG loss.
- leakage (MovieLens 100K): ``leakage_attr="gender"`` with ``leakage_rounds`` 0 (plain), 4, 8:
  the gender probe's AUC (5-fold CV, interval mean ± t·sd/√k) on the user factors and NDCG@10
  (target: AUC <= 0.60 at <= 2% NDCG loss).
- exposure (demo shop): ``fairness="item_exposure"`` on ``brand_tier`` over a grid of weights:
  NDCG@10, the small brands' share of the top-10 slots against their catalogue and relevant
  shares (the audit's exposure table), and the exposure gap = catalogue share - exposure share
  (and, last column, relevant share - exposure share).
- reduction (MovieLens 100K): fairlearn's ExponentiatedGradient + BoundedGroupLoss around ALS
  (:func:`fairrec_core.fairtrain._reduction.reduction_fit`, max_iter 5, bound = the plain
  model's mean loss): the groups' held-out loss 1 - NDCG@10, plain and the mixture, the mixture's
  weights and the F/M user weights of its most probable model.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairrec_core.audit import AuditContext  # noqa: E402
from fairrec_core.data import load_dataset, load_movielens, split_dataset  # noqa: E402
from fairrec_core.fairtrain import group_codes  # noqa: E402
from fairrec_core.leakage import probe, user_embeddings  # noqa: E402
from fairrec_core.models import ALS, top_n  # noqa: E402
from fairrec_core.models._als_fair import _group_losses, user_losses  # noqa: E402
from fairrec_core.models._base import binary_matrix  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K") or ROOT.parent / "shared" / "data" / "ml-100k")
GAP_WEIGHTS = (0.0, 1.0, 3.0, 10.0, 20.0, 50.0)
EXPOSURE_WEIGHTS = (0.0, 0.1, 1.0, 10.0, 100.0)


def fitted(split, **params):
    start = time.perf_counter()
    model = ALS(**params).fit(split.train)
    users = np.flatnonzero(split.test.user_counts > 0)
    return model, top_n(model, users, 10), time.perf_counter() - start


def gap(split, n_boot: int) -> None:
    ctx = AuditContext(split.train, split.test, k=10, groups=["gender"])
    codes, labels = group_codes(split.train, "gender")
    m = binary_matrix(split.train)
    print("user_gap on MovieLens 100K (gender, NDCG@10; interval: the audit's simultaneous 95%)")
    print(f"{'weight':>6} {'NDCG@10':>8} {'rel':>7} {'gap F-M':>8} {'95% interval':>18} "
          f"{'gap rel':>8} {'loss/inter ' + '/'.join(labels):>18} {'fit s':>6}")
    base = None
    for lam in GAP_WEIGHTS:
        model, lists, secs = fitted(split, fairness="user_gap", fairness_weight=lam)
        result = ctx.audit(lists, n_bootstrap=n_boot, n_permutations=n_boot, seed=0)
        row = result.gap("gender", "ndcg@10")
        ndcg = float(result.overall["ndcg@10"])
        signed = float(row["difference"]) * (1 if row["max_group"] == "M" else -1)
        losses = user_losses(m, np.full(m.nnz, float(model.alpha)), model.user_factors_,
                             model.user_bias_, model.item_factors_, model.item_bias_)
        per = _group_losses(losses, np.diff(m.indptr), codes)[0]
        base = base or (ndcg, signed)
        print(f"{lam:6.1f} {ndcg:8.4f} {ndcg / base[0] - 1:+7.1%} {-signed:+8.4f} "
              f"[{row['ci_lo']:+.4f}, {row['ci_hi']:+.4f}] {signed / base[1] - 1:+8.1%} "
              f"{'/'.join(f'{v:.3f}' for v in per):>18} {secs:6.1f}")
    print("  (the interval is of |F - M|; the sign column shows F - M)")


def leakage(split) -> None:
    labels = split.train.user_groups("gender").to_numpy()
    ctx = AuditContext(split.train, split.test, k=10, groups=["gender"])
    print("leakage_attr on MovieLens 100K (gender probe on the user factors)")
    print(f"{'rounds':>6} {'AUC':>6} {'95% interval':>16} {'NDCG@10':>8} {'rel':>7} {'fit s':>6}")
    base = None
    for rounds in (0, 4, 8):
        params = {"leakage_attr": "gender", "leakage_rounds": rounds} if rounds else {}
        model, lists, secs = fitted(split, **params)
        result = probe(user_embeddings(model), labels, seed=0)
        ndcg = float(ctx.summarize(lists).overall["ndcg@10"])
        base = base or ndcg
        print(f"{rounds:6d} {result.auc:6.3f} [{result.low:.3f}, {result.high:.3f}] "
              f"{ndcg:8.4f} {ndcg / base - 1:+7.1%} {secs:6.1f}")


def exposure(split, n_boot: int) -> None:
    ctx = AuditContext(split.train, split.test, k=10)
    print("item_exposure on the demo shop (brand_tier; small brands' share of top-10 slots)")
    print(f"{'weight':>6} {'NDCG@10':>8} {'rel':>7} {'exposure':>8} {'catalogue':>9} "
          f"{'relevant':>8} {'gap':>7} {'gap rel':>8} {'vs rel':>7} {'fit s':>6}")
    base = None
    for lam in EXPOSURE_WEIGHTS:
        _, lists, secs = fitted(split, fairness="item_exposure", fairness_weight=lam,
                                fairness_attr="brand_tier")
        result = ctx.audit(lists, n_bootstrap=n_boot, n_permutations=n_boot, seed=0)
        table = result.exposure
        small = table[(table["item_attribute"] == "brand_tier") & (table["value"] == "small")]
        row = small.iloc[0]
        ndcg = float(result.overall["ndcg@10"])
        gap_value = float(row["catalogue_share"] - row["exposure_share"])
        base = base or (ndcg, gap_value)
        print(f"{lam:6.1f} {ndcg:8.4f} {ndcg / base[0] - 1:+7.1%} {row['exposure_share']:8.4f} "
              f"{row['catalogue_share']:9.4f} {row['relevant_share']:8.4f} {gap_value:7.4f} "
              f"{gap_value / base[1] - 1:+8.1%} "
              f"{row['relevant_share'] - row['exposure_share']:7.4f} {secs:6.1f}")


def reduction(split) -> None:
    from functools import partial

    from fairrec_core.fairtrain._reduction import reduction_fit

    start = time.perf_counter()
    result = reduction_fit(partial(ALS, validation=0.0, iterations=8), split.train, "gender",
                           max_iter=5)
    secs = time.perf_counter() - start
    best = result.user_weights[int(np.argmax(result.weights))]
    female = (split.train.user_groups("gender") == "F").to_numpy()
    print("fairlearn ExponentiatedGradient + BoundedGroupLoss around ALS on MovieLens 100K "
          f"(gender; loss 1 - NDCG@10 on held-out training items; bound {result.bound:.4f})")
    for label in result.plain_loss.index:
        print(f"  {label}: plain {result.plain_loss[label]:.4f}  mixture "
              f"{result.mixture_loss[label]:.4f}")
    print(f"  mixture weights {np.round(result.weights, 3).tolist()}; user weights of its most "
          f"probable model: F {best[female].mean():.3f}, M {best[~female].mean():.3f}; "
          f"{secs:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="gap,leakage,exposure,reduction")
    parser.add_argument("--bootstrap", type=int, default=300)
    args = parser.parse_args()
    parts = set(args.part.split(","))
    if parts & {"gap", "leakage", "reduction"}:
        if not (ML100K / "u.data").is_file():
            print(f"MovieLens 100K: skipped, not found at {ML100K} (set FAIRREC_ML100K)")
        else:
            split = split_dataset(load_movielens(ML100K), method="random", test_size=0.2, seed=42)
            if "gap" in parts:
                gap(split, args.bootstrap)
            if "leakage" in parts:
                leakage(split)
            if "reduction" in parts:
                reduction(split)
    if "exposure" in parts:
        demo = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
        exposure(demo, args.bootstrap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
