"""``audit``: train (or load) a model, or import another system's lists, optionally re-rank, assess
every group and write ``metrics.json``, ``recommendations.csv``, ``test.csv``, ``users.csv`` (per-user
metrics), ``groups.csv`` (per-group table) and, with ``--report``, ``report.html``."""

from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path

from fairrec_core.cli import _duckdb, _privacy
from fairrec_core.cli._data import add_data_arguments, load_from_args
from fairrec_core.cli._help import GATE_HELP, MODEL_NAMES
from fairrec_core.cli._scorecard import SCORECARD_FILES, scorecard_files
from fairrec_core.errors import DataError
from fairrec_core.outputs import check_target, data_inputs, staged_folder, write_atomic

#: Exit status when a ``--fail-on`` condition is met.
EXIT_GATE = 3
#: Candidates per user handed to re-rankers.
DEFAULT_CANDIDATES = 100
#: Every file an audit may write into ``--out`` (what ``--force`` may replace).
AUDIT_FILES = ("metrics.json", "recommendations.csv", "test.csv", "users.csv", "groups.csv",
               "report.html", "users.parquet") + SCORECARD_FILES  # last: `scorecard` adds


def add_parser(sub) -> None:
    p = sub.add_parser(
        "audit", help="assess a recommender per user group and write metrics.json",
        description="Assess how well a recommender serves each group of users: accuracy and "
                    "beyond-accuracy metrics per group with bootstrap intervals, gaps with "
                    "permutation tests, parity of what is recommended, exposure, popularity bias.",
    )
    add_data_arguments(p, required=False)  # not with --engine duckdb --users (checked)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="NAME",
                        help=f"train this model on the training split: {', '.join(MODEL_NAMES)}")
    source.add_argument("--load", metavar="DIR", help="a model saved by `train` (same data/split)")
    source.add_argument("--recommendations", metavar="FILE|DIR|GLOB",
                        help="another system's lists (user_id,item_id plus rank or score), CSV "
                             "or Parquet: a file, a folder of them or a glob; needs --test")
    p.add_argument("--test", metavar="FILE|DIR|GLOB", help="held-out interactions "
                   "(user_id,item_id, CSV or Parquet) for --recommendations; the rest of the "
                   "data is the history")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="model hyperparameter, repeatable (e.g. --param l2=200)")
    p.add_argument("--k", type=int, default=10, help="cutoff (default 10)")
    p.add_argument("--split", default="random", help="random | temporal | leave_last")
    p.add_argument("--test-size", type=float, default=0.2, help="held-out share (default 0.2)")
    p.add_argument("--seed", type=int, default=42,
                   help="seed of the split, the model and the resampling (default 42)")
    p.add_argument("--groups", default=None, metavar="A,B,...",
                   help="user attributes (default: gender, age_group, region where present, then the "
                        "data's other groupable user attributes, at most 4 — as the app)")
    p.add_argument("--no-intersections", action="store_true",
                   help="skip intersections of two attributes")
    p.add_argument("--include-unspecified", action="store_true",
                   help="compare groups whose label carries no information (Unknown, "
                        "unspecified, U) too; by default they are shown but left out of gaps "
                        "and tests")
    p.add_argument("--reference", action="append", default=[], metavar="ATTR=GROUP",
                   help="reference group for ratios, repeatable (e.g. gender=M; default: the "
                        "largest compared group)")
    p.add_argument("--rerank", action="append", default=[], metavar="NAME:key=value,...",
                   help="re-rank the top candidates, repeatable (applied in order)")
    p.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES,
                   help=f"candidates per user for re-ranking (default {DEFAULT_CANDIDATES})")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--permutations", type=int, default=1000,
                   help="permutation-test shuffles (default 1000)")
    p.add_argument("--fail-on", action="append", default=[], metavar="ATTR:METRIC:STAT>X",
                   help=f"exit with status {EXIT_GATE} when met, repeatable: {GATE_HELP}")
    p.add_argument("--policy", metavar="FILE",
                   help="a fairness policy (see fairness-policy.toml): its fail_on conditions "
                        "join --fail-on, fail_on_red fails the run on a red verdict, and "
                        "scorecard.json / scorecard.md are written beside metrics.json")
    p.add_argument("--report", action="store_true",
                   help="also write report.html: a self-contained report that opens offline")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (created; written whole or not at all)")
    p.add_argument("--force", action="store_true",
                   help="replace the previous audit in --out (only files an audit writes)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _duckdb.add_arguments(p)
    _privacy.add_arguments(p)
    p.set_defaults(func=run_audit)


class _Progress:
    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f}s] {message}", file=sys.stderr,
                  flush=True)


def _read(path: str):
    """A CSV file's bytes (within FAIRREC_MAX_FILE_BYTES, one-line errors), or the table of a
    Parquet file, a folder or a glob (read by DuckDB)."""
    from fairrec_core.data import read_file
    from fairrec_core.engines import is_csv_file, read_table

    return read_file(Path(path)) if is_csv_file(path) else read_table(path)


def _lists_from_model(args, data, say):
    import numpy as np

    from fairrec_core.data import split_dataset
    from fairrec_core.models import MODELS, load_model, parse_params, top_n

    split = split_dataset(data, method=args.split, test_size=args.test_size, seed=args.seed)
    train, test = split.train, split.test
    say(f"split ({args.split}, test {args.test_size:g}, seed {args.seed}): "
        f"{train.n_interactions:,} training and {test.n_interactions:,} held-out interactions")
    if args.load:
        if args.param:
            raise DataError("--param applies to --model, not to --load")
        model = load_model(args.load, data=train)
        say(f"loaded {model.name} from {args.load}")
    else:
        name = args.model.strip().lower()
        if name not in MODELS:
            raise DataError(f"--model {args.model!r}: unknown model; available: {', '.join(MODELS)}")
        cls = MODELS[name]
        params = parse_params(cls, args.param)
        if "random_state" in inspect.signature(cls.__init__).parameters:
            params.setdefault("random_state", args.seed)
        model = cls(**params)
        say(f"training {model!r}")

        def progress(p) -> None:
            say(f"  {name}: step {p.step}/{p.total}"
                + (f" loss {p.loss:.4f}" if p.loss is not None else "")
                + (f" validation NDCG@10 {p.val_ndcg:.3f}" if p.val_ndcg is not None else ""))

        model.fit(train, progress=progress)
    users = np.flatnonzero(test.user_counts > 0)
    depth = max(args.candidates, args.k) if args.rerank else args.k
    say(f"ranking the top {depth} items for {len(users):,} users with held-out items")
    source = {"model": model.name, "params": _jsonable(model.get_params()),
              "split": {"method": args.split, "test_size": args.test_size, "seed": args.seed}}
    if args.load:
        source["loaded_from"] = str(args.load)
    return train, test, top_n(model, users, depth), source


def _lists_from_files(args, data, say):
    from fairrec_core.external import read_recommendations, read_test

    if not args.test:
        raise DataError("--recommendations needs --test FILE (the held-out interactions)")
    if args.param:
        raise DataError("--param applies to --model, not to --recommendations")
    train, test = read_test(_read(args.test), data, source=args.test)
    imported = read_recommendations(_read(args.recommendations), data,
                                    source=args.recommendations, k=args.k, test=test)
    for w in imported.warnings:
        say(f"warning: {w}")
    say(f"imported lists for {imported.lists.n_users:,} users from {args.recommendations}")
    source = {"model": "imported lists", "recommendations": str(args.recommendations),
              "test": str(args.test), "scores": imported.score_source}
    return train, test, imported.lists, source


def _jsonable(params: dict) -> dict:
    return json.loads(json.dumps(params, default=str))


def _parse_reference(specs) -> dict:
    out = {}
    for spec in specs:
        attribute, sep, group = spec.partition("=")
        if not sep or not attribute.strip() or not group.strip():
            raise DataError(f"--reference {spec!r}: expected ATTR=GROUP, e.g. gender=M")
        out[attribute.strip()] = group.strip()
    return out


def run_audit(args) -> int:
    import pandas as pd

    from fairrec_core.audit import AuditContext, FailCondition, audited_attributes

    say = _Progress(args.quiet)
    if args.k < 1:
        raise DataError(f"--k must be at least 1, got {args.k}")
    if args.test and not args.recommendations:
        raise DataError("--test goes with --recommendations (a model's split makes its own)")
    _duckdb.check_arguments(args)
    _privacy.check_arguments(args)
    policy = _policy(args.policy)
    specs = list(dict.fromkeys([*args.fail_on, *(policy.fail_on if policy else ())]))
    gates = [FailCondition.parse(s) for s in specs]
    rerankers = _parse_rerankers(args.rerank)
    target = dict(owned=AUDIT_FILES, force=args.force, flag="--out",
                  inputs=[*data_inputs(args.data), args.recommendations, args.test, args.load,
                          args.policy, *_duckdb.inputs(args),
                          *_privacy.inputs(args)])
    check_target(args.out, **target)  # before any work: a refused --out costs nothing
    if args.engine in ("duckdb", "spark"):
        result, source, summary, files = _duckdb.audit(
            args, say, lambda attrs, items: _resolve(gates, policy, args.k, attrs, items))
        gates = _resolve(gates, policy, args.k, result.attributes, result.item_attributes)
        return _finish(args, say, result, source, summary, files, gates, policy, target)
    say(f"loading {args.data}")
    data = load_from_args(args)
    say(f"{data.n_users:,} users, {data.n_items:,} items, {data.n_interactions:,} interactions")
    if args.recommendations:
        train, test, candidates, source = _lists_from_files(args, data, say)
    else:
        train, test, candidates, source = _lists_from_model(args, data, say)
    groups = args.groups if args.groups is not None else audited_attributes(train)
    ctx = AuditContext(train, test, k=args.k, groups=groups,
                       intersections=not args.no_intersections,
                       include_uninformative=args.include_unspecified,
                       reference=_parse_reference(args.reference))
    attributes = [g.attribute for g in ctx.groupings]
    gates = _resolve(gates, policy, args.k, attributes, [a.name for a in ctx.item_attributes])
    lists = candidates.top(args.k)
    rerank_effect = rerank_groups = None
    if rerankers:
        chain = _chain(rerankers)
        say(f"re-ranking: {' -> '.join(args.rerank)}")
        chain.fit(train, candidates)
        lists = chain.rerank(candidates, args.k)
        if args.report:
            from fairrec_core.report import rerank_effect as effect_of

            rerank_effect, rerank_groups = effect_of(ctx, candidates.top(args.k), lists)
    if args.dp_epsilon is not None:  # the private release instead of the full audit
        return _privacy.release(args, say, ctx, lists, data, source, target)
    say(f"auditing at k={args.k}: {args.bootstrap} bootstrap resamples, "
        f"{args.permutations} permutations, groups {', '.join(attributes) or 'none'}")
    result = ctx.audit(lists, n_bootstrap=args.bootstrap, n_permutations=args.permutations,
                       seed=args.seed)
    t = test.interactions
    files = {
        "recommendations.csv": lists.to_frame(train).to_csv(index=False),
        "test.csv": pd.DataFrame({"user_id": test.user_vocab.lookup(t["user"].to_numpy()),
                                  "item_id": test.item_vocab.lookup(t["item"].to_numpy())}
                                 ).to_csv(index=False),
        "users.csv": result.users.drop(columns=["user"]).to_csv(index=False),
        "groups.csv": result.groups.to_csv(index=False),
    }
    source = {**source, "engine": "memory", "rerank": list(args.rerank),
              "candidates": args.candidates if rerankers else None}
    return _finish(args, say, result, source, data.describe(), files, gates, policy, target,
                   rerank_effect=rerank_effect, rerank_groups=rerank_groups,
                   title=f"fairrec audit: {source['model']} on {data.name}")


def _resolve(gates, policy, k, attributes, item_attrs):
    """The ``--fail-on`` gates checked against what is audited, and the policy's attributes."""
    from fairrec_core.audit import USER_METRICS

    gates = [g.resolve(k, USER_METRICS, item_attrs, attributes) for g in gates]
    missing = [a for a in (policy.attributes or ()) if a not in attributes] if policy else []
    if missing:
        raise DataError(f"{policy.source}: attributes: {missing[0]!r} is not audited; audited: "
                        f"{', '.join(attributes) or 'none'} (see --groups)")
    return gates


def _finish(args, say, result, source, summary, files, gates, policy, target, *,
            rerank_effect=None, rerank_groups=None, title=None) -> int:
    """metrics.json, the gates, the scorecard and the report; write ``--out`` and exit."""
    attributes = list(result.attributes)
    metrics = result.to_dict()
    metrics["settings"].update({"data": args.data, **source, "groups": attributes})
    verdicts = []
    for gate in gates:
        hit, value = gate.exceeded(result)
        verdicts.append({"condition": gate.spec, "value": None if value != value else value,
                         "failed": bool(hit)})
    if verdicts:
        metrics["fail_on"] = verdicts
    card = None
    if policy is not None:
        from fairrec_core.scorecard import scorecard

        card = scorecard(json.loads(json.dumps(metrics, allow_nan=False)), policy)
    files = {"metrics.json": json.dumps(metrics, indent=2, allow_nan=False) + "\n", **files}
    if args.report:
        from fairrec_core.report import render_report

        files["report.html"] = render_report(
            result, title=title or f"fairrec audit: {source['model']} on {summary['name']}",
            dataset_summary=summary, settings=metrics["settings"],
            rerank_effect=rerank_effect, rerank_groups=rerank_groups, scorecard=card)
    if card is not None:
        files.update(scorecard_files(card))
    with staged_folder(args.out, **target) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
    say(f"wrote {', '.join(files)} to {args.out}")
    _print_summary(result, verdicts)
    failed = [f"{v['condition']} (value {v['value']:.4g})" for v in verdicts if v["failed"]]
    if card is not None and card.policy.fail_on_red:
        red = [c.attribute for c in card.cards if c.verdict == "red"]
        failed += [f"red verdict for {', '.join(red)} (fail_on_red in {card.policy.source})"] \
            if red else []
    if failed:
        print(f"fail-on: {'; '.join(failed)}", file=sys.stderr)
    return EXIT_GATE if failed else 0


def _policy(path):
    """The ``--policy`` file, read before any work (None without ``--policy``)."""
    if not path:
        return None
    from fairrec_core.scorecard import load_policy

    return load_policy(path)


def _parse_rerankers(specs):
    if not specs:
        return []
    try:
        from fairrec_core.reranking import parse_rerank
    except ImportError:  # pragma: no cover - the re-ranking package is part of fairrec
        raise DataError("--rerank: re-ranking is not available in this installation") from None
    return [parse_rerank(s) for s in specs]


def _chain(rerankers):
    from fairrec_core.reranking import RerankChain

    return RerankChain(list(rerankers))


def _print_summary(result, verdicts) -> None:
    print(f"users {result.n_users:,} (with held-out items {result.n_evaluated:,}), k={result.k}")
    for metric, value in result.overall.items():
        print(f"  {metric:<20} {value:.4f}")
    flagged = result.gaps[result.gaps["flag"] | (result.gaps["p_value"] < 0.05)]
    flagged = flagged[~flagged["attribute"].str.contains(" & ", regex=False)]
    if len(flagged):
        print("gaps (ratio < 0.8 or p < 0.05), single attributes:")
        for r in flagged.itertuples():
            print(f"  {r.attribute:<12} {r.metric:<20} difference {r.difference:.4f} "
                  f"ratio {r.ratio:.3f} p {r.p_value:.3g} ({r.max_group} vs {r.min_group})")
    for v in verdicts:
        print(f"fail-on {v['condition']}: {'FAILED' if v['failed'] else 'ok'} (value {v['value']})")
