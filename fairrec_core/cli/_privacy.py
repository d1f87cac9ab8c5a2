"""The ``audit`` command's private release (``--dp-epsilon``): instead of the full audit, a
differentially private release of the group means (:mod:`fairrec_core.privacy`) written as
``metrics.json`` (only private figures, ``differentially_private: true``) and ``groups.csv``
(the private group table); with ``--dp-ledger`` the dataset's budget ledger is charged first and
refuses a release beyond ``--dp-budget``. Nothing per user (lists, metrics, held-out items) and
no non-private figure is written."""

from __future__ import annotations

import json

from fairrec_core.errors import DataError

#: Options of the full audit that a private release cannot honour (they need non-private figures).
NOT_WITH_DP = {"report": "--report", "fail_on": "--fail-on", "policy": "--policy"}


def add_arguments(p) -> None:
    g = p.add_argument_group("private release (differential privacy)")
    g.add_argument("--dp-epsilon", type=float, default=None, metavar="EPS",
                   help="release the group means with differential privacy at this total "
                        "epsilon instead of the full audit (one user = the unit; Laplace noise)")
    g.add_argument("--dp-delta", type=float, default=0.0, metavar="DELTA",
                   help="with delta > 0: Gaussian noise, zCDP accounting converted to "
                        "(epsilon, delta) (default 0: pure DP)")
    g.add_argument("--dp-metrics", default="ndcg,recall,precision,hit_rate", metavar="M,...",
                   help="accuracy metrics to release, clipped to [0, 1] (default "
                        "ndcg,recall,precision,hit_rate; the budget is split over them)")
    g.add_argument("--dp-budget", default=None, metavar="EPS[,DELTA]",
                   help="the dataset's total epsilon (and delta), for a new --dp-ledger")
    g.add_argument("--dp-ledger", default=None, metavar="FILE",
                   help="the dataset's privacy budget ledger (JSON; created with --dp-budget): "
                        "charged before the release, which is refused beyond the budget")
    g.add_argument("--dp-seed", type=int, default=None, metavar="N",
                   help="repeatable noise (numpy, seeded) for tests; default: OpenDP's sampler")


def check_arguments(args) -> None:
    """Refuse DP options without ``--dp-epsilon`` and full-audit options with it."""
    dp_only = [flag for flag, given in (("--dp-budget", args.dp_budget is not None),
                                        ("--dp-ledger", args.dp_ledger is not None),
                                        ("--dp-seed", args.dp_seed is not None),
                                        ("--dp-delta", args.dp_delta != 0.0)) if given]
    if args.dp_epsilon is None:
        if dp_only:
            raise DataError(f"{dp_only[0]} goes with --dp-epsilon")
        return
    for attr, flag in NOT_WITH_DP.items():
        if getattr(args, attr, None):
            raise DataError(f"{flag} needs the non-private audit; it cannot be used with "
                            f"--dp-epsilon")
    if getattr(args, "engine", "memory") != "memory":
        raise DataError("--dp-epsilon works with --engine memory")
    if args.dp_budget is not None and args.dp_ledger is None:
        raise DataError("--dp-budget goes with --dp-ledger FILE (where the spending is kept)")


def inputs(args) -> list:
    """Paths the audit must not overwrite: the ledger is written in place, never in --out."""
    return [args.dp_ledger] if args.dp_epsilon is not None and args.dp_ledger else []


def release(args, say, ctx, lists, data, source, target) -> int:
    """Release, write ``metrics.json`` and ``groups.csv`` to ``--out`` and print the means."""
    from fairrec_core.outputs import staged_folder, write_atomic
    from fairrec_core.privacy import BudgetLedger, private_release

    ledger = None
    if args.dp_ledger:
        epsilon, delta = parse_budget(args.dp_budget)
        ledger = BudgetLedger(args.dp_ledger, dataset=dataset_name(data), epsilon=epsilon,
                              delta=delta)
    say(f"private release at epsilon {args.dp_epsilon:g}"
        + (f", delta {args.dp_delta:g}" if args.dp_delta else "")
        + f": {args.dp_metrics} by {', '.join(g.attribute for g in ctx.groupings)}")
    result = private_release(ctx, lists, epsilon=args.dp_epsilon, delta=args.dp_delta,
                             metrics=args.dp_metrics, seed=args.dp_seed, ledger=ledger,
                             what=f"audit of {source['model']}")
    metrics = result.to_dict()
    metrics["settings"] = {"data": args.data, "model": source["model"],
                           "split": source.get("split"), "k": args.k, "engine": "memory"}
    if ledger is not None:
        metrics["privacy"]["ledger"] = {"file": str(args.dp_ledger),
                                        "spent": ledger.to_dict()["spent"],
                                        "remaining": ledger.to_dict()["remaining"]}
    files = {"metrics.json": json.dumps(metrics, indent=2, allow_nan=False) + "\n",
             "groups.csv": result.groups.to_csv(index=False)}
    with staged_folder(args.out, **target) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
    say(f"wrote {', '.join(files)} to {args.out}")
    print(f"differentially private release: epsilon {result.epsilon:g}"
          + (f", delta {result.delta:g}" if result.delta else "") + f", k={result.k}")
    for r in result.overall.itertuples():
        print(f"  {r.metric:<20} {r.mean:.4f} [{r.ci_lo:.4f}, {r.ci_hi:.4f}]")
    if ledger is not None:
        left = ledger.remaining[0]
        print(f"budget ledger {args.dp_ledger}: spent {ledger.spent[0]:g}, remaining {left:g} "
              f"of {ledger.epsilon:g}")
    return 0


def parse_budget(spec) -> tuple[float | None, float]:
    """``--dp-budget EPS[,DELTA]`` as ``(epsilon, delta)``; ``(None, 0)`` when not given."""
    if spec is None:
        return None, 0.0
    parts = str(spec).split(",")
    try:
        if len(parts) > 2:
            raise ValueError
        return float(parts[0]), float(parts[1]) if len(parts) == 2 else 0.0
    except ValueError:
        raise DataError(f"--dp-budget {spec!r}: expected EPS or EPS,DELTA, e.g. 10 or "
                        f"10,1e-6") from None


def dataset_name(data) -> str:
    """How the ledger names a dataset: its name and size."""
    return (f"{data.name} ({data.n_users} users, {data.n_items} items, "
            f"{data.n_interactions} interactions)")
