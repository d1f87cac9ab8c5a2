"""``coldstart``: hold out a share of the items entirely, train a model on the rest and audit
how it serves the new items — accuracy of its ranking of them for the users who turned to them,
of the known items, and the exposure the new items get, per user group and per item group —
writing ``coldstart.json``, ``groups.csv``, ``items.csv`` and ``users.csv``.

    python -m fairrec_core coldstart --data SPEC --model textals --cold-share 0.2 --out DIR
"""

from __future__ import annotations

import sys

from fairrec_core.cli._data import add_data_arguments, load_from_args
from fairrec_core.cli._help import MODEL_NAMES


def add_parser(sub) -> None:
    p = sub.add_parser(
        "coldstart", help="audit how a model serves new items (cold start)",
        description="Hold out a share of the items entirely (every interaction with them is "
        "test data), train MODEL on the rest and measure its ranking of the new items for the "
        "users who turned to them, its ranking of the known items, and the share of attention "
        "the new items get in the top-k, per user group and per item group.",
    )
    add_data_arguments(p)
    p.add_argument("--model", required=True, choices=list(MODEL_NAMES),
                   help="model name (textals serves new items from their text)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="model hyperparameter, repeatable")
    p.add_argument("--cold-share", type=float, default=0.2,
                   help="share of the items held out entirely (default 0.2)")
    p.add_argument("--test-size", type=float, default=0.2,
                   help="held-out share of the other items' interactions (default 0.2)")
    p.add_argument("--seed", type=int, default=42, help="split and model seed (default 42)")
    p.add_argument("--k", type=int, default=10, help="cutoff (default 10)")
    p.add_argument("--groups", default=None,
                   help="comma-separated user attributes (default: gender, age_group, region "
                   "where present)")
    p.add_argument("--item-attr", default=None,
                   help="comma-separated item attributes (default: those with at most 60 values)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--force", action="store_true", help="replace a previous coldstart output")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run_coldstart)


def run_coldstart(args) -> int:
    from fairrec_core.cli._train import ProgressBar
    from fairrec_core.coldstart import COLDSTART_FILES, cold_start_audit, cold_start_split
    from fairrec_core.errors import DataError
    from fairrec_core.models import MODELS, limit_threads, parse_params
    from fairrec_core.outputs import check_target, data_inputs, staged_folder, write_atomic

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    if not 0.0 < args.cold_share < 1.0:
        raise DataError(f"--cold-share {args.cold_share:g}: expected a fraction strictly "
                        "between 0 and 1")
    if args.k < 1:
        raise DataError(f"--k {args.k}: expected a positive integer")
    cls = MODELS[args.model]
    params = parse_params(cls, args.param)
    out = dict(owned=COLDSTART_FILES, force=args.force, flag="--out",
               inputs=data_inputs(args.data))
    check_target(args.out, **out)  # before any work
    data = load_from_args(args)
    split = cold_start_split(data, cold_share=args.cold_share, test_size=args.test_size,
                             seed=args.seed)
    say(f"cold-start split (seed {args.seed}): {len(split.cold_items):,} of {data.n_items:,} "
        f"items held out ({split.cold_test.n_interactions:,} interactions); "
        f"{split.train.n_interactions:,} training, {split.warm_test.n_interactions:,} held-out "
        "warm interactions")
    model = cls(**params)
    bar = None if args.quiet else ProgressBar()
    with limit_threads(args.threads) as threads:
        say(f"training {cls.name} on {threads} threads")
        try:
            model.fit(split.train, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        groups = None if args.groups is None else [g.strip() for g in args.groups.split(",")
                                                   if g.strip()]
        items = None if args.item_attr is None else [a.strip() for a in
                                                     args.item_attr.split(",") if a.strip()]
        result = cold_start_audit(split, model, k=args.k, groups=groups, item_attributes=items)
    settings = {"data": args.data, "model": cls.name, "params": model.get_params(),
                "cold_share": args.cold_share, "test_size": args.test_size, "seed": args.seed,
                "k": args.k, "groups": groups, "item_attributes": items}
    files = result.files(settings=_jsonable(settings))
    with staged_folder(args.out, **out) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
    say(f"wrote {', '.join(files)} to {args.out}")
    o, k = result.overall, args.k
    print(f"cold items    {result.n_cold:,} of {result.n_items:,}")
    print(f"NDCG@{k:<8} new items {o[f'cold_ndcg@{k}']:.4f} (among themselves), known items "
          f"{o[f'warm_ndcg@{k}']:.4f}")
    print(f"exposure      new items get {o[f'cold_exposure_share@{k}']:.2%} of the top-{k} "
          f"attention ({o['cold_catalogue_share']:.0%} of the catalogue)")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value
