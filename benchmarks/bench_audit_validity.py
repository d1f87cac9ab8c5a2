"""Statistical validity of the audit's gap intervals and tests (issues 4 and 10).

On the demo generator (EASE, random 20% split, k = 10, 1,000 bootstrap resamples and 1,000
permutations, gender / age_group / region audited together), for NDCG@10:

- over >= 40 null seeds (``bias=0``; seeds 1000+, disjoint from the test suite's 0-19 and
  100-104): the headline-pair (best- vs worst-served group) simultaneous interval covers 0 in
  >= 93% of runs for *each* attribute; the interval and the p-value agree (interval excludes 0
  <=> the headline pair's max-T adjusted p < 0.05) in >= 95%; the omnibus p < 0.05 in <= 10%;
- the activity-adjusted gap of the same pair: its interval (the same simultaneous critical value)
  covers 0 as often (shown beside the single-pair Student-t interval, which does not allow for
  picking the pair);
- over >= 20 planted seeds (the generator's default bias; seeds 2000+): the gender gap (F vs M;
  "U", unspecified, is left out as uninformative) is found at p < 0.01 in >= 95%.

The table also shows the plain percentile interval of the headline pair (not adjusted for picking
the pair; what fairrec reported before issue 10) and the agreement of the omnibus p-value with the
interval.

Run: .venv/bin/python benchmarks/bench_audit_validity.py [--null-seeds 40] [--planted-seeds 20]
     [--model ease] [--metric ndcg] [--verbose] [--strict]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairrec_core.audit import AuditContext  # noqa: E402
from fairrec_core.data import SyntheticSpec, generate_shop, split_dataset  # noqa: E402
from fairrec_core.models import MODELS, top_n  # noqa: E402

DEFAULT_BIAS = SyntheticSpec().bias
ATTRIBUTES = ("gender", "age_group", "region")
NULL_FIRST, PLANTED_FIRST = 1000, 2000


def audit_seed(model: str, bias: float, seed: int, metric: str, k: int = 10):
    """Per attribute: the gap row of ``metric@k`` and the F-M pair's row (gender)."""
    data = generate_shop(SyntheticSpec(seed=seed, bias=bias))
    split = split_dataset(data, method="random", test_size=0.2, seed=seed)
    fitted = MODELS[model]().fit(split.train)
    lists = top_n(fitted, np.flatnonzero(split.test.user_counts > 0), k)
    ctx = AuditContext(split.train, split.test, k=k, groups=list(ATTRIBUTES), intersections=False)
    result = ctx.audit(lists, n_bootstrap=1000, n_permutations=1000, seed=seed)
    name = f"{metric}@{k}"
    gaps = {a: result.gap(a, name).copy() for a in ATTRIBUTES}
    adj = result.adjusted.set_index(["attribute", "metric"])
    for a, g in gaps.items():  # the activity-adjusted gap of the same pair (accuracy metrics)
        row = adj.loc[(a, name)] if (a, name) in adj.index else None
        for key in ("ci_lo", "ci_hi", "ci_lo_single", "ci_hi_single"):
            g[f"adjusted_{key}"] = np.nan if row is None else row[key]
    pw = result.pairwise
    fm = pw[(pw["attribute"] == "gender") & (pw["metric"] == name)
            & pw["group_a"].isin(["F", "M"]) & pw["group_b"].isin(["F", "M"])]
    return gaps, (fm.iloc[0] if len(fm) else None)


def _covers(rows, lo: str, hi: str) -> float:
    """Share of the rows with an interval whose interval covers 0 (NaN when none has one)."""
    have = [x for x in rows if np.isfinite(x[lo]) and np.isfinite(x[hi])]
    return np.mean([x[lo] <= 0 <= x[hi] for x in have]) if have else float("nan")


def null_table(rows, attributes) -> tuple[list[str], bool]:
    lines = [f"{'attribute':10s} {'covers 0':>9s} {'(boot-t c)':>10s} {'(percentile)':>12s} "
             f"{'agree':>7s} {'agree(omnibus)':>14s} {'p<0.05':>7s} {'median c':>9s} "
             f"{'median MDE':>10s} {'adj covers 0':>12s} {'(single t)':>10s}"]
    ok = True
    for a in attributes:
        g = [r[a] for r in rows]
        cover = np.mean([x["ci_lo"] <= 0 <= x["ci_hi"] for x in g])
        cover_boot = np.mean([x["statistic_pair"] <= x["critical_value_bootstrap"] for x in g])
        cover_pct = np.mean([x["ci_lo_percentile"] <= 0 <= x["ci_hi_percentile"] for x in g])
        excl = np.array([not (x["ci_lo"] <= 0 <= x["ci_hi"]) for x in g])
        p_pair = np.array([x["p_value_pair"] < 0.05 for x in g])
        p_omni = np.array([x["p_value"] < 0.05 for x in g])
        agree = np.mean(excl == p_pair)
        ok &= cover >= 0.93 and agree >= 0.95 and p_omni.mean() <= 0.10
        lines.append(
            f"{a:10s} {cover:9.1%} {cover_boot:10.1%} {cover_pct:12.1%} {agree:7.1%} "
            f"{np.mean(excl == p_omni):14.1%} {p_omni.mean():7.1%} "
            f"{np.median([x['critical_value'] for x in g]):9.3f} "
            f"{np.median([x['min_detectable_gap'] for x in g]):10.4f} "
            f"{_covers(g, 'adjusted_ci_lo', 'adjusted_ci_hi'):12.1%} "
            f"{_covers(g, 'adjusted_ci_lo_single', 'adjusted_ci_hi_single'):10.1%}")
    lines.append(f"(n = {len(rows)} null seeds. covers 0: the reported simultaneous interval "
                 "(permutation c); boot-t c: the same with the bootstrap-t critical value; "
                 "percentile: the pre-issue-10 interval. agree: interval excludes 0 <=> the "
                 "pair's max-T p < 0.05; agree(omnibus): <=> the headline (omnibus) p < 0.05. "
                 "adj covers 0: the activity-adjusted gap of the same pair (simultaneous); "
                 "single t: its single-pair Student-t interval, not adjusted for picking the pair. "
                 "Targets: covers 0 >= 93%, agree >= 95%, p<0.05 <= 10%)")
    return lines, ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ease", choices=sorted(MODELS))
    parser.add_argument("--null-seeds", type=int, default=40)
    parser.add_argument("--planted-seeds", type=int, default=20)
    parser.add_argument("--metric", default="ndcg")
    parser.add_argument("--bias", type=float, default=DEFAULT_BIAS,
                        help=f"planted bias (default {DEFAULT_BIAS:g}, the generator's default)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed (default: report only)")
    args = parser.parse_args(argv)
    print(f"model {args.model}, {args.metric}@10 gaps of {', '.join(ATTRIBUTES)}; 1000 bootstrap "
          "resamples, 1000 permutations per run")
    t0 = time.perf_counter()
    rows = []
    for seed in range(NULL_FIRST, NULL_FIRST + args.null_seeds):
        gaps, _ = audit_seed(args.model, 0.0, seed, args.metric)
        for g in gaps.values():  # |t| of the headline pair, for the permutation-c agreement
            g["statistic_pair"] = abs(g["difference"]) / g["se"] if g["se"] > 0 else np.inf
        rows.append(gaps)
        if args.verbose:
            print(f"  null seed {seed}: " + "; ".join(
                f"{a} {g['difference']:.4f} [{g['ci_lo']:.4f}, {g['ci_hi']:.4f}] "
                f"p={g['p_value']:.3f} p_pair={g['p_value_pair']:.3f}" for a, g in gaps.items()))
    lines, ok = null_table(rows, ATTRIBUTES)
    print(f"\nbias=0 (null), seeds {NULL_FIRST}-{NULL_FIRST + args.null_seeds - 1} "
          f"({time.perf_counter() - t0:.0f} s):")
    print("\n".join(lines))
    t0 = time.perf_counter()
    planted = []
    for seed in range(PLANTED_FIRST, PLANTED_FIRST + args.planted_seeds):
        gaps, fm = audit_seed(args.model, args.bias, seed, args.metric)
        planted.append((gaps["gender"], fm))
        if args.verbose:
            g = gaps["gender"]
            print(f"  planted seed {seed}: gender {g['max_group']}-{g['min_group']} "
                  f"{g['difference']:.4f} p={g['p_value']:.4f}"
                  + (f", F-M p={fm['p_value']:.4f}" if fm is not None else ""))
    p_head = np.array([g["p_value"] for g, _ in planted])
    p_fm = np.array([fm["p_value"] if fm is not None else np.nan for _, fm in planted])
    head_fm = np.mean([{g["max_group"], g["min_group"]} == {"F", "M"} for g, _ in planted])
    found = np.mean(p_fm < 0.01)
    ok &= found >= 0.95
    print(f"\nbias={args.bias:g} (planted), seeds {PLANTED_FIRST}-"
          f"{PLANTED_FIRST + args.planted_seeds - 1} ({time.perf_counter() - t0:.0f} s):")
    print(f"  gender F vs M found at p < 0.01: {found:.0%} (target >= 95%: "
          f"{'met' if found >= 0.95 else 'NOT MET'}); headline gender p < 0.01: "
          f"{np.mean(p_head < 0.01):.0%}; headline pair is F vs M: {head_fm:.0%}; "
          f"median F-M p {np.nanmedian(p_fm):.4f}")
    print("all targets met" if ok else "some targets NOT MET (see above)")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
