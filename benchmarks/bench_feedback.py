"""The feedback loop (issue 12): recommend -> choose -> retrain. Prints figures, asserts no
timing. Parts (``--part``; the default ``speed`` is the only quick one):

(a) ``speed``: 20 rounds of EASE (``--model``) on MovieLens 100K (an ML-100K-size synthetic
    shop, 943 x 1682 x 100,000, when the data is missing) with 3 seeds: wall time (target
    <= 2 minutes on 2 threads) and the overall drift of each metric.
(b) ``mansoury``: Mansoury et al. 2020's direction on MovieLens 100K — user-based kNN (or
    ``--model bpr``), ``--rounds`` (default 10) rounds, ``--seeds`` seeds, ALS oracle truth: does
    women's miscalibration (and popularity) grow faster than men's? The difference in slopes per
    round (F - M) with its t interval over seeds — reported as found, not tuned.
(c) ``null``: demo shops with bias=0 (no planted group signal), shop seed = loop seed, over
    ``--seeds`` (>= 10) seeds, 20 rounds: the gender NDCG gap (F - M) at round 20 with its t
    interval over seeds (significant when it excludes 0).
(d) ``intervention``: EASE on the demo shop (bias 1), no re-ranking against calibrated
    (``calibrated:lambda=0.5``) and popularity (``popularity:lambda=0.5``) re-ranking on the same
    seeds, 20 rounds: the difference in the 20-round drift of miscalibration and popularity with
    its paired t interval, and relative to the plain drift.

Users choose with the default :class:`~fairrec_core.feedback.ChoiceModel` (position bias 1,
temperature 1, budget 1, no-choice utility 0). ``--smoke`` runs every part at tiny sizes (2 rounds, 2 seeds, a small shop) to check the script.

Run: .venv/bin/python benchmarks/bench_feedback.py [--part speed|mansoury|null|intervention]
     [--threads 2] [--data PATH] [--seeds N] [--rounds R] [--model NAME] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.data import SyntheticSpec, generate_shop, load_movielens  # noqa: E402
from fairrec_core.feedback import (  # noqa: E402
    drift_difference,
    generator_truth,
    group_drift_gap,
    oracle_truth,
    simulate,
    t_interval,
)
from fairrec_core.models import limit_threads  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K")
              or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
ML100K_SIZE = SyntheticSpec(users=943, items=1682, interactions=100_000, seed=1)
SMOKE_SHOP = SyntheticSpec(users=150, items=120, interactions=3000, seed=1)
SHOWN = ("ndcg", "utility", "popularity", "gini", "coverage", "miscalibration",
         "list_similarity", "consumed_similarity", "data_gini", "chosen_utility")


def _progress(r) -> None:
    if r.round % 5 == 0:
        print(f"  {r.fraction:4.0%} seed {r.seed} round {r.round}", file=sys.stderr, flush=True)


def _ci(mean, lo, hi) -> str:
    return f"{mean:+.5f} [{lo:+.5f}, {hi:+.5f}]"


def _movielens_or(spec: SyntheticSpec, args):
    """MovieLens 100K with an ALS oracle, or the shop ``spec`` with its own truth."""
    if not args.smoke and (Path(args.data) / "u.data").is_file():
        data = load_movielens(args.data)
        return data, oracle_truth(data, seed=0)
    spec = SMOKE_SHOP if args.smoke else spec
    print(f"(MovieLens 100K not used: a synthetic shop {spec})")
    return generate_shop(spec), generator_truth(spec)


def part_speed(args) -> None:
    data, truth = _movielens_or(ML100K_SIZE, args)
    tick = time.perf_counter()
    result = simulate(data, truth, model=args.model or "ease", rounds=args.rounds or 20,
                      seeds=range(3 if not args.smoke else 2), progress=_progress)
    seconds = time.perf_counter() - tick
    print(f"\nspeed: {result.settings['model']}, {result.settings['rounds']} rounds x "
          f"{len(result.settings['seeds'])} seeds on {data!r}: {seconds:.1f} s "
          "(target <= 120 s)")
    print(truth.assumption)
    for metric in SHOWN:
        print(f"  {metric:<20} change {_ci(*t_interval(result.drift(metric, how='change'))[:3])}")


def part_mansoury(args) -> None:
    data, truth = _movielens_or(ML100K_SIZE, args)
    rounds = args.rounds or (2 if args.smoke else 10)
    result = simulate(data, truth, model=args.model or "userknn", rounds=rounds,
                      seeds=range(args.seeds), attributes=["gender"], progress=_progress)
    print(f"\nmansoury: {result.settings['model']}, {rounds} rounds x {args.seeds} seeds; "
          f"{truth.assumption}")
    for metric in ("miscalibration", "popularity", "ndcg"):
        out = group_drift_gap(result, metric, "gender", "M", "F")
        print(f"  {metric:<15} slope F {out['second']:+.5f}, M {out['first']:+.5f} per round; "
              f"F - M {_ci(out['difference'], out['lo'], out['hi'])} over {out['n_seeds']} seeds")


def part_null(args) -> None:
    rounds = args.rounds or (2 if args.smoke else 20)
    gaps = []
    for seed in range(args.seeds):
        spec = SMOKE_SHOP if args.smoke else SyntheticSpec(seed=seed, bias=0.0)
        spec = SyntheticSpec(**{**vars(spec), "seed": seed, "bias": 0.0})
        result = simulate(generate_shop(spec), generator_truth(spec), model=args.model or "ease",
                          rounds=rounds, seeds=(seed,), attributes=["gender"])
        t = result.table
        at = t[(t["round"] == rounds) & (t["metric"] == "ndcg") & (t["attribute"] == "gender")]
        by = dict(zip(at["group"], at["value"], strict=True))
        gaps.append(by["F"] - by["M"])
        print(f"  shop seed {seed}: NDCG@10 F {by['F']:.4f}, M {by['M']:.4f}, gap "
              f"{gaps[-1]:+.4f}", flush=True)
    mean, lo, hi, n = t_interval(gaps)
    print(f"\nnull (bias=0): gender NDCG gap (F - M) at round {rounds} over {n} shops: "
          f"{_ci(mean, lo, hi)} -> {'significant' if lo > 0 or hi < 0 else 'not significant'}")


def part_intervention(args) -> None:
    spec = SMOKE_SHOP if args.smoke else SyntheticSpec()
    data, truth = generate_shop(spec), generator_truth(spec)
    rounds = args.rounds or (2 if args.smoke else 20)
    seeds = range(2 if args.smoke else min(args.seeds, 5))
    kw = dict(model=args.model or "ease", rounds=rounds, seeds=seeds, progress=_progress)
    plain = simulate(data, truth, **kw)
    for spec_ in ("calibrated:lambda=0.5", "popularity:lambda=0.5"):
        other = simulate(data, truth, **kw, rerank=[spec_])
        print(f"\nintervention {spec_} vs none ({kw['model']}, {rounds} rounds, "
              f"{len(seeds)} seeds):")
        for metric in ("miscalibration", "popularity", "ndcg"):
            d = drift_difference(plain, other, metric, how="change")
            print(f"  {metric:<15} drift none {d['first']:+.5f}, with {d['second']:+.5f}; "
                  f"difference {_ci(d['difference'], d['lo'], d['hi'])} "
                  f"({d['relative']:+.0%} [{d['relative_lo']:+.0%}, {d['relative_hi']:+.0%}])")


PARTS = {"speed": part_speed, "mansoury": part_mansoury, "null": part_null,
         "intervention": part_intervention}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="speed", choices=list(PARTS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=str(ML100K))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--model", default=None)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, every part")
    args = parser.parse_args()
    if args.smoke:
        args.seeds = 2
    parts = list(PARTS) if args.smoke else [args.part]
    with limit_threads(args.threads):
        for part in parts:
            PARTS[part](args)


if __name__ == "__main__":
    main()
