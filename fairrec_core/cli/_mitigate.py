"""``mitigate``: train a model at several strengths of each lever — rebalanced data (pre),
fairness-regularised training (in), re-ranking (post) — and write ``mitigation.csv`` (one row
per lever and strength, every metric overall and per group), ``mitigation.json`` and
``report.html`` (the trade-off chart and the table).

    python -m fairrec_core mitigate --data SPEC --model NAME --attr gender
        [--item-attr brand_tier --protected small] --levers pre,in,post
        --strengths 0,0.25,0.5,1 --out DIR
"""

from __future__ import annotations

import sys

from fairrec_core.cli._data import add_data_arguments, load_from_args
from fairrec_core.cli._help import MODEL_NAMES, SPLIT_METHODS

#: Every file the command writes into ``--out`` (what ``--force`` may replace).
MITIGATE_FILES = ("mitigation.csv", "mitigation.json", "report.html")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "mitigate", help="compare pre-, in- and post-processing at several strengths",
        description="Train MODEL plain (strength 0) and with each lever at each strength: pre = "
        "interaction weights giving the groups equal weight, in = the model's fairness penalty, "
        "post = a re-ranker (the user-group gap one, or FA*IR for protected items). Every point "
        "is measured like an audit; the gap gets a bootstrap interval.",
    )
    add_data_arguments(p)
    p.add_argument("--model", required=True, choices=list(MODEL_NAMES), help="model name")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="model hyperparameter, repeatable")
    p.add_argument("--attr", default="gender", help="user attribute (default gender)")
    p.add_argument("--item-attr", default=None,
                   help="item attribute: target the protected items' exposure shortfall instead")
    p.add_argument("--protected", default=None, help="the protected value of --item-attr")
    p.add_argument("--levers", default="pre,in,post", help="comma-separated (default pre,in,post)")
    p.add_argument("--strengths", default="0,0.25,0.5,1",
                   help="comma-separated, each in [0, 1] (default 0,0.25,0.5,1)")
    p.add_argument("--metric", default="ndcg", help="per-user metric of the gap (default ndcg)")
    p.add_argument("--k", type=int, default=10, help="cutoff (default 10)")
    p.add_argument("--candidates", type=int, default=100,
                   help="candidates per user for the re-ranker (default 100)")
    p.add_argument("--split", default="random", choices=list(SPLIT_METHODS),
                   help="how to hold out test interactions (default random)")
    p.add_argument("--test-size", type=float, default=0.2, help="held-out share (default 0.2)")
    p.add_argument("--seed", type=int, default=42, help="split and model seed (default 42)")
    p.add_argument("--resamples", type=int, default=200,
                   help="bootstrap resamples for each gap's interval (default 200)")
    p.add_argument("--permutations", type=int, default=0,
                   help="permutations for each user gap's p-value (default 0: none)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--force", action="store_true", help="replace a previous mitigate output")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run_mitigate)


def run_mitigate(args) -> int:
    from fairrec_core.data import split_dataset
    from fairrec_core.errors import DataError
    from fairrec_core.mitigation import MitigationTarget, check_levers, check_strengths, mitigate
    from fairrec_core.models import MODELS, limit_threads, parse_params
    from fairrec_core.outputs import check_target, data_inputs, staged_folder, write_atomic
    from fairrec_core.report import render_mitigation

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    if args.resamples < 0 or args.permutations < 0:
        raise DataError("--resamples and --permutations cannot be negative")
    levers, strengths = check_levers(args.levers), check_strengths(args.strengths)
    target = MitigationTarget(args.attr, args.metric, item_attribute=args.item_attr,
                              protected=args.protected)
    cls = MODELS[args.model]
    params = parse_params(cls, args.param)
    out = dict(owned=MITIGATE_FILES, force=args.force, flag="--out",
               inputs=data_inputs(args.data))
    check_target(args.out, **out)  # before any work
    data = load_from_args(args)
    target.check(data)
    split = split_dataset(data, method=args.split, test_size=args.test_size, seed=args.seed)
    say(f"split ({args.split}, test {args.test_size:g}, seed {args.seed}): "
        f"{split.train.n_interactions:,} training and {split.test.n_interactions:,} held-out "
        "interactions")
    with limit_threads(args.threads) as threads:
        say(f"sweeping {', '.join(levers)} at {', '.join(f'{s:g}' for s in strengths)} "
            f"for {cls.name} on {threads} threads ({target.spec})")
        result = mitigate(split.train, split.test, model=cls, params=params, target=target,
                          levers=levers, strengths=strengths, k=args.k, seed=args.seed,
                          n_bootstrap=args.resamples, n_permutations=args.permutations,
                          candidates=args.candidates,
                          progress=lambda f, text: say(f"  {f:4.0%} {text}"))
    settings = {"data": args.data, "model": cls.name, "params": result.params,
                "split": {"method": args.split, "test_size": args.test_size, "seed": args.seed},
                "target": target.spec, "levers": list(levers), "strengths": list(strengths),
                "k": args.k, "bootstrap_resamples": args.resamples,
                "permutations": args.permutations, "candidates": args.candidates}
    files = result.files()
    files["report.html"] = render_mitigation(
        result, title=f"fairrec mitigation: {cls.name} on {data.name}",
        dataset_summary=data.describe(), settings=settings)
    with staged_folder(args.out, **out) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
    say(f"wrote {', '.join(files)} to {args.out}")
    for lever, note in result.notes.items():
        print(f"  {lever}: {note}")
    best = result.best()
    if best is not None:
        print(f"largest gap cut within 3% accuracy loss: {best['setting']} ({best['lever']}): "
              f"gap {best['gap']:.4f} [{best['gap_lo']:.4f}, {best['gap_hi']:.4f}] "
              f"({best['gap_change']:+.0%}), NDCG@{args.k} {best['accuracy']:.4f} "
              f"({best['accuracy_change']:+.1%})")
    return 0
