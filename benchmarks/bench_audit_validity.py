"""Statistical validity of the audit's permutation test (issue 4).

On the demo generator over 20 seeds: with ``bias=0`` at most 3 of the 20 gender NDCG@10 gaps may
have p < 0.05; with the default bias the planted gaps must be found with p < 0.01 in at least 19
of 20. Each seed: generate the shop, split (random, 20%), fit the model, audit at k = 10 with
1,000 permutations.

Run: .venv/bin/python benchmarks/bench_audit_validity.py [--model ease|popularity] [--seeds 20]
     [--attribute gender] [--metric ndcg] [--bias 1.0] [--verbose]
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


def gap_pvalues(model: str, bias: float, seeds, *, attribute: str, metric: str, k: int = 10):
    """Per seed: (difference, p-value, group means) of ``attribute``'s ``metric@k`` gap."""
    rows = []
    for seed in seeds:
        data = generate_shop(SyntheticSpec(seed=seed, bias=bias))
        split = split_dataset(data, method="random", test_size=0.2, seed=seed)
        fitted = MODELS[model]().fit(split.train)
        users = np.flatnonzero(split.test.user_counts > 0)
        lists = top_n(fitted, users, k)
        ctx = AuditContext(split.train, split.test, k=k, groups=[attribute], intersections=False)
        result = ctx.audit(lists, n_bootstrap=0, n_permutations=1000, seed=seed)
        gap = result.gap(attribute, f"{metric}@{k}")
        means = result.group_table(attribute, f"{metric}@{k}").set_index("group")["mean"]
        rows.append((float(gap["difference"]), float(gap["p_value"]), means.round(4).to_dict()))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ease", choices=sorted(MODELS))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--attribute", default="gender")
    parser.add_argument("--metric", default="ndcg")
    parser.add_argument("--bias", type=float, default=DEFAULT_BIAS,
                        help=f"planted bias of the second run (default {DEFAULT_BIAS:g}, the "
                             "generator's default)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed (default: report only)")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    ok = True
    print(f"model {args.model}, {args.attribute} {args.metric}@10 gap, {args.seeds} seeds, "
          "1000 permutations")
    for bias, rule in ((0.0, "null"), (args.bias, "planted")):
        t0 = time.perf_counter()
        rows = gap_pvalues(args.model, bias, seeds, attribute=args.attribute, metric=args.metric)
        ps = np.array([p for _, p, _ in rows])
        diffs = np.array([d for d, _, _ in rows])
        below05, below01 = int((ps < 0.05).sum()), int((ps < 0.01).sum())
        if rule == "null":
            target, met = f"p < 0.05 in at most 3 of {args.seeds}", below05 <= 3 * args.seeds / 20
        else:
            target, met = (f"p < 0.01 in at least 19 of {args.seeds}",
                           below01 >= 19 * args.seeds / 20)
        ok &= met
        print(f"bias={bias:g}: p < 0.05 in {below05}/{args.seeds}, p < 0.01 in "
              f"{below01}/{args.seeds}; median difference {np.median(diffs):.4f}, median p "
              f"{np.median(ps):.3g}  [target: {target}: {'met' if met else 'NOT MET'}] "
              f"({time.perf_counter() - t0:.0f} s)")
        if args.verbose:
            for seed, (d, p, means) in zip(seeds, rows, strict=True):
                print(f"   seed {seed:2d}: difference {d:.4f} p {p:.4f} {means}")
    print("all targets met" if ok else "some targets NOT MET (see above)")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
