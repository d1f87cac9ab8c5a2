"""Cold start on MovieLens 100K (issue 15): 20% of the items held out entirely
(:func:`~fairrec_core.coldstart.cold_start_split`, the other items' interactions split per user
80/20), every model at its default hyperparameters.

(a) New items: TextALS with text embeddings against the same model with a genre one-hot (the
    same ridge map from other features) and plain ALS (no content: its cold items keep the
    factors ALS solves for items without interactions). Cold-item NDCG@10: each user's ranking
    of the held-out items against the ones the user rated. Target: text >= 1.1 x genre; the
    ratio of the means with a 95% paired bootstrap interval over users.
(b) Known items: TwoTower with ``item_text=True`` against the plain TwoTower on the same split.
    Warm-item NDCG@10 (ranking among the warm items against the warm held-out ratings).
    Target: with text not below without; the paired difference with its 95% interval.
(c) Exposure: the new items' share of the top-10 attention over the whole catalogue, per model.

``--ridges 0.1,1,10`` adds a sensitivity table of (a) at other ridge penalties (the headline
uses the default, 1). Reported as found, not tuned. The text embeddings are read from (or, the
first time, computed into) the embedding cache, ``$FAIRREC_CACHE`` or ``~/.cache/fairrec``.

Run: .venv/bin/python benchmarks/bench_coldstart.py [--threads 2] [--seed 42] [--data PATH]
     [--ridges 1] [--resamples 2000] [--skip-twotower]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.coldstart import cold_start_audit, cold_start_split, compare_users  # noqa: E402
from fairrec_core.data import load_movielens  # noqa: E402
from fairrec_core.models import ALS, TextALS, TwoTower, limit_threads  # noqa: E402

ML100K = Path(os.environ.get("FAIRREC_ML100K")
              or Path(__file__).resolve().parents[2] / "shared" / "data" / "ml-100k")
K = 10


def _fit(label: str, model, train):
    t0 = time.perf_counter()
    model.fit(train)
    print(f"  trained {label:<28} {time.perf_counter() - t0:6.1f} s", flush=True)
    return model


def _ci(mean: float, lo: float, hi: float) -> str:
    return f"{mean:.4f} [{lo:.4f}, {hi:.4f}]"


def _pair(name_a, a, name_b, b, metric, resamples, seed):
    out = compare_users(a.users[metric], b.users[metric], n_resamples=resamples, seed=seed)
    print(f"  {metric} {name_a:<14} {_ci(out['first'], out['first_lo'], out['first_hi'])}")
    print(f"  {metric} {name_b:<14} {_ci(out['second'], out['second_lo'], out['second_hi'])}")
    print(f"  difference ({name_b} - {name_a})  "
          f"{_ci(out['difference'], out['difference_lo'], out['difference_hi'])}")
    print(f"  ratio ({name_b} / {name_a})       {_ci(out['ratio'], out['ratio_lo'], out['ratio_hi'])}"
          f"   ({out['n_users']} users, 95% paired bootstrap over users, {resamples} resamples)")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data", default=str(ML100K))
    parser.add_argument("--ridges", default="1")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--skip-twotower", action="store_true")
    args = parser.parse_args()
    if not (Path(args.data) / "u.data").is_file():
        print(f"MovieLens 100K not found at {args.data}: set FAIRREC_ML100K or --data")
        return 2
    data = load_movielens(args.data)
    split = cold_start_split(data, cold_share=0.2, test_size=0.2, seed=args.seed)
    print(f"{data.name}: {len(split.cold_items)} of {data.n_items} items held out "
          f"({split.cold_test.n_interactions:,} ratings, "
          f"{int((split.cold_test.user_counts > 0).sum())} users); train "
          f"{split.train.n_interactions:,}, warm test {split.warm_test.n_interactions:,}; "
          f"seed {args.seed}")
    started = time.perf_counter()
    with limit_threads(args.threads) as threads:
        print(f"(a) new items — {threads} threads")
        text = _fit("textals (text)", TextALS(features="text", random_state=args.seed),
                    split.train)
        genre = _fit("textals (genre one-hot)", TextALS(features="category",
                                                        random_state=args.seed), split.train)
        als = _fit("als", ALS(random_state=args.seed), split.train)
        audits = {name: cold_start_audit(split, m, k=K)
                  for name, m in (("text", text), ("genre", genre), ("als", als))}
        metric = f"cold_ndcg@{K}"
        out = _pair("genre", audits["genre"], "text", audits["text"], metric, args.resamples,
                    args.seed)
        met = out["ratio"] >= 1.1
        print(f"  target text >= 1.1 x genre: {'met' if met else 'NOT met'} (ratio "
              f"{out['ratio']:.3f}; interval lower bound {out['ratio_lo']:.3f}"
              f"{' >= 1.1' if out['ratio_lo'] >= 1.1 else ' < 1.1'})")
        print(f"  plain ALS {metric}: {audits['als'].overall[metric]:.4f}")
        for name, audit in audits.items():
            g = audit.group_table("gender").set_index("group")[metric]
            print(f"  {name:<6} {metric} by gender: " +
                  ", ".join(f"{lab} {v:.4f}" for lab, v in g.items()))
        ridges = [float(r) for r in args.ridges.split(",") if r.strip()]
        if ridges != [1.0]:
            print("  ridge sensitivity (the same split; headline above at ridge 1):")
            for r in ridges:
                t = cold_start_audit(split, TextALS(features="text", ridge=r,
                                                    random_state=args.seed).fit(split.train))
                g = cold_start_audit(split, TextALS(features="category", ridge=r,
                                                    random_state=args.seed).fit(split.train))
                print(f"    ridge {r:g}: text {t.overall[metric]:.4f}, genre "
                      f"{g.overall[metric]:.4f}, ratio {t.overall[metric] / g.overall[metric]:.3f}")
        print("(c) exposure of the new items in the top-10 over the catalogue "
              f"({audits['text'].overall['cold_catalogue_share']:.0%} of the items)")
        for name, audit in audits.items():
            o = audit.overall
            print(f"  {name:<6} cold share of exposure {o[f'cold_exposure_share@{K}']:.4f}, "
                  f"cold items listed at all {o[f'cold_coverage@{K}']:.3f}")
        if not args.skip_twotower:
            print("(b) known items — two-tower with and without item texts")
            plain = _fit("twotower", TwoTower(random_state=args.seed), split.train)
            with_text = _fit("twotower (item_text=True)",
                             TwoTower(item_text=True, random_state=args.seed), split.train)
            a, b = cold_start_audit(split, plain, k=K), cold_start_audit(split, with_text, k=K)
            out = _pair("plain", a, "item_text", b, f"warm_ndcg@{K}", args.resamples, args.seed)
            below = out["difference_hi"] < 0
            print(f"  target with text not below without: "
                  f"{'NOT met (significantly lower)' if below else 'met'} (difference "
                  f"{out['difference']:+.4f}, interval {'excludes' if out['difference_lo'] > 0 or below else 'includes'} 0)")
            print(f"  epochs kept: plain {plain.epochs_}, item_text {with_text.epochs_}; "
                  f"cold NDCG@{K}: plain {a.overall[metric]:.4f}, item_text "
                  f"{b.overall[metric]:.4f}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
