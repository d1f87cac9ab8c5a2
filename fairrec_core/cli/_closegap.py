"""``close-gap``: search every re-ranker and strength for the settings that bring a group gap to
a target at the least accuracy cost; write ``close_gap.csv`` (every setting) and
``close_gap.json`` (target, model, chosen setting, shortlist with intervals).

    python -m fairrec_core close-gap --data SPEC --model NAME --attribute gender --metric ndcg
        --max-gap 0.02 --out DIR
"""

from __future__ import annotations

import json
import sys

from fairrec_core.cli._data import add_data_arguments, load_from_args
from fairrec_core.cli._help import MODEL_NAMES

#: Every file the command writes into ``--out`` (what ``--force`` may replace).
CLOSE_GAP_FILES = ("close_gap.csv", "close_gap.json")
#: Exit status when no setting meets the target.
EXIT_NOT_MET = 4


def add_parser(sub) -> None:
    p = sub.add_parser(
        "close-gap", help="find re-ranking settings that close a group gap",
        description="Train a model, then try every re-ranker over its strength (refined by "
        "bisection) for the settings that bring ATTRIBUTE's METRIC gap to the target at the "
        "least NDCG cost; the best few get the audit's simultaneous interval. Exit status 4 "
        "when no setting meets the target (the closest is reported).",
    )
    add_data_arguments(p)
    p.add_argument("--model", required=True, choices=list(MODEL_NAMES), help="model name")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="model hyperparameter, repeatable")
    p.add_argument("--attribute", required=True, help="user attribute, e.g. gender")
    p.add_argument("--metric", default="ndcg", help="per-user metric (default ndcg)")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--max-gap", type=float, help="largest allowed gap (best - worst group)")
    goal.add_argument("--min-ratio", type=float, help="smallest allowed ratio (worst / best)")
    p.add_argument("--k", type=int, default=10, help="cutoff (default 10)")
    p.add_argument("--candidates", type=int, default=100,
                   help="candidates per user handed to the re-rankers (default 100)")
    p.add_argument("--split", default="random", help="random | temporal | leave_last")
    p.add_argument("--test-size", type=float, default=0.2, help="held-out share (default 0.2)")
    p.add_argument("--seed", type=int, default=42, help="split and model seed (default 42)")
    p.add_argument("--resamples", type=int, default=200,
                   help="bootstrap resamples and permutations for the intervals (default 200)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--force", action="store_true", help="replace a previous close-gap output")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run_close_gap)


def run_close_gap(args) -> int:
    from fairrec_core.audit import AuditContext, audited_attributes
    from fairrec_core.cli._audit import _lists_from_model
    from fairrec_core.errors import DataError
    from fairrec_core.gapsearch import GapTarget, search_gap
    from fairrec_core.outputs import data_inputs, staged_folder, write_atomic

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    if args.k < 1 or args.candidates <= args.k:
        raise DataError(f"--candidates ({args.candidates}) must exceed --k ({args.k}) >= 1")
    target = GapTarget(args.attribute, args.metric, max_gap=args.max_gap,
                       min_ratio=args.min_ratio)
    out = dict(owned=CLOSE_GAP_FILES, force=args.force, flag="--out",
               inputs=data_inputs(args.data))
    from fairrec_core.outputs import check_target

    check_target(args.out, **out)  # before any work
    data = load_from_args(args)
    args.load, args.rerank = None, ["close-gap"]  # what _lists_from_model reads: top-N depth
    train, test, candidates, source = _lists_from_model(args, data, say)
    ctx = AuditContext(train, test, k=args.k, groups=audited_attributes(train))
    result = search_gap(ctx, candidates, target, n_resamples=args.resamples,
                        progress=lambda f, text: say(f"  {f:4.0%} {text}"))
    payload = result.to_dict()
    payload["settings_used"] = {"data": args.data, **source, "candidates": args.candidates}
    files = {"close_gap.csv": result.table.to_csv(index=False),
             "close_gap.json": json.dumps(payload, indent=2, allow_nan=False) + "\n"}
    with staged_folder(args.out, **out) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
    say(f"wrote {', '.join(files)} to {args.out}")
    print(result.sentence())
    for _, row in result.shortlist.iterrows():
        print(f"  {row['setting']}: gap {row['gap']:.4f} [{row['ci_lo']:.4f}, "
              f"{row['ci_hi']:.4f}], NDCG@{args.k} {row['accuracy']:.4f} "
              f"({-row['cost_share']:+.1%}){'  meets' if row['meets'] else ''}")
    return 0 if result.met else EXIT_NOT_MET
