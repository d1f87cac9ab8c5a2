"""``simulate``: the feedback loop — each round the model recommends, simulated users choose
and the model is trained again on what they chose — over several seeds; writes ``rounds.csv``
(one row per arm, seed, round, group and metric), ``feedback.json`` (settings, the truth's
assumption, each metric's drift with its interval, the comparison) and, with ``--report``,
``report.html``.

    python -m fairrec_core simulate --data SPEC --model NAME --rounds 20 --seeds 5
        [--rerank NAME:key=value ...] [--compare | --versus MODEL] --out DIR

Ctrl-C stops after the round in progress and writes the finished rounds (a second Ctrl-C
stops at once, writing nothing).
"""

from __future__ import annotations

import signal
import sys

from fairrec_core.cli._data import add_data_arguments, load_from_args
from fairrec_core.cli._help import MODEL_NAMES

#: Every file the command writes into ``--out`` (what ``--force`` may replace).
SIMULATE_FILES = ("rounds.csv", "feedback.json", "report.html")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "simulate", help="the feedback loop: recommend, choose, retrain over many rounds",
        description="Each round MODEL recommends top-k to every user (optionally re-ranked), "
        "each user chooses 0..budget items by a position-biased logit with a no-choice option, "
        "the choices join the training data and MODEL is trained again. Measured per round, "
        "overall and per user group, against the true utilities (the demo shop's own; on real "
        "data an oracle fitted to all the data): accuracy, popularity, exposure Gini, coverage, "
        "homogenisation, miscalibration against round 0, utility of the chosen items.",
    )
    add_data_arguments(p)
    p.add_argument("--model", required=True, choices=list(MODEL_NAMES), help="model name")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="model hyperparameter for every arm, repeatable")
    p.add_argument("--rounds", type=int, default=20,
                   help="feedback rounds after round 0 (default 20: 21 trainings per seed)")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    p.add_argument("--first-seed", type=int, default=0,
                   help="seeds are FIRST..FIRST+SEEDS-1 (default 0)")
    p.add_argument("--k", type=int, default=10, help="list length (default 10)")
    p.add_argument("--rerank", action="append", default=[], metavar="NAME:key=value,...",
                   help="re-rank each round's top candidates, repeatable (applied in order)")
    p.add_argument("--candidates", type=int, default=100,
                   help="candidates per user for re-ranking (default 100)")
    p.add_argument("--fair-param", action="append", default=[], metavar="KEY=VALUE",
                   help="model hyperparameter of the intervention only (e.g. "
                        "fairness=user_gap), repeatable")
    p.add_argument("--compare", action="store_true",
                   help="also run without the intervention (--rerank, --fair-param) on the "
                        "same seeds and report the difference in each metric's drift")
    p.add_argument("--versus", default=None, choices=list(MODEL_NAMES), metavar="MODEL",
                   help="model against model: also run MODEL (with --versus-param) through the "
                        "same loop, settings and seeds, and compare the two")
    p.add_argument("--versus-param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the --versus model (repeatable)")
    p.add_argument("--position-bias", type=float, default=1.0,
                   help="utility lost per ln(rank): rank r gets r^-BIAS of rank 1's attention at "
                        "temperature 1 (default 1; 0: rank does not matter)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="scale of the choice noise (default 1; 0: deterministic)")
    p.add_argument("--budget", type=int, default=1,
                   help="attention budget: items a user may choose per round (default 1)")
    p.add_argument("--outside", type=float, default=0.0,
                   help="utility of choosing nothing, in standard deviations of the true "
                        "utilities (default 0)")
    p.add_argument("--no-outside", action="store_true",
                   help="no no-choice option: every user takes --budget items")
    p.add_argument("--groups", default=None, metavar="A,B,...",
                   help="user attributes measured per group (default: as the audit)")
    p.add_argument("--oracle", default="als", choices=list(MODEL_NAMES),
                   help="real data: the model fitted to all the data as the truth (default als)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    p.add_argument("--report", action="store_true", help="also write report.html")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("--force", action="store_true", help="replace a previous simulate output")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run_simulate)


class _Interrupt:
    """The first Ctrl-C asks the loop to stop after its round; the second one is the usual."""

    def __init__(self, say):
        self.asked, self.say = False, say

    def __call__(self, signum, frame):
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True
        self.say("stopping after this round (Ctrl-C again to stop at once, writing nothing)")

    def __enter__(self):
        self.before = signal.signal(signal.SIGINT, self)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self.before)


def run_simulate(args) -> int:
    from fairrec_core.audit import user_groupings
    from fairrec_core.errors import DataError
    from fairrec_core.feedback import ChoiceModel, simulate, truth_for
    from fairrec_core.models import MODELS, limit_threads, parse_params
    from fairrec_core.outputs import check_target, data_inputs, staged_folder, write_atomic
    from fairrec_core.reranking import parse_rerank

    def say(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    if args.rounds < 0 or args.seeds < 1 or args.k < 1:
        raise DataError("--rounds must be >= 0, --seeds >= 1 and --k >= 1")
    if args.rerank and args.candidates <= args.k:
        raise DataError(f"--candidates ({args.candidates}) must exceed --k ({args.k})")
    if args.compare and not (args.rerank or args.fair_param):
        raise DataError("--compare needs an intervention: --rerank or --fair-param")
    if args.compare and args.versus:
        raise DataError("--compare and --versus cannot be combined: compare an intervention "
                        "against none, or one model against another")
    if args.versus_param and not args.versus:
        raise DataError("--versus-param needs --versus MODEL")
    choice = ChoiceModel(args.position_bias, args.temperature, args.budget,
                         None if args.no_outside else args.outside).check()
    cls = MODELS[args.model]
    params = parse_params(cls, args.param)
    fair = parse_params(cls, args.fair_param)
    rerank = [parse_rerank(s) for s in args.rerank]
    out = dict(owned=SIMULATE_FILES, force=args.force, flag="--out",
               inputs=data_inputs(args.data))
    check_target(args.out, **out)  # before any work
    data = load_from_args(args)
    user_groupings(data, args.groups, intersections=False)  # an unknown attribute stops here
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    arms = ([(cls, params, {}, [])] if args.compare else []) + [(cls, params, fair, rerank)]
    if args.versus:
        other = MODELS[args.versus]
        arms.append((other, parse_params(other, args.versus_param), fair, rerank))
    with limit_threads(args.threads) as threads, _Interrupt(say) as interrupt:
        truth = truth_for(args.data, data, oracle_model=args.oracle, seed=args.first_seed)
        say(f"truth: {truth.assumption}")
        results = []
        for model, base, extra, chain in arms:
            label = " -> ".join(r.spec() for r in chain) or (
                ",".join(f"{k}={v}" for k, v in extra.items()) or "plain")
            if args.versus:
                label = model.name if label == "plain" else f"{model.name}: {label}"
            say(f"simulating {model.name} ({label}): {args.rounds} rounds x {len(seeds)} seeds "
                f"on {threads} threads")
            results.append(simulate(
                data, truth, model=model, params={**base, **extra}, rounds=args.rounds,
                seeds=seeds, k=args.k, rerank=chain or None, candidates=args.candidates,
                choice=choice, attributes=args.groups, arm=label,
                should_stop=lambda: interrupt.asked,
                progress=lambda r: say(f"  {r.fraction:4.0%} seed {r.seed} round {r.round}")))
            if interrupt.asked:
                break
    files = _files(results, args, data)
    with staged_folder(args.out, **out) as stage:
        for name, text in files.items():
            write_atomic(stage / name, text)
    say(f"wrote {', '.join(files)} to {args.out}" + (" (stopped early)" if interrupt.asked else ""))
    for line in _headline(results):
        print(line)
    return 0


def _files(results, args, data) -> dict[str, str]:
    import json

    import pandas as pd

    from fairrec_core.feedback import DRIFT, METRICS, drift_difference

    table = pd.concat([r.table for r in results], ignore_index=True)
    summary = {"data": args.data, "arms": [r.to_dict() for r in results]}
    if len(results) == 2 and all(len(r.table) for r in results):
        plain, other = results
        groups = other.table[["attribute", "group"]].drop_duplicates().itertuples(index=False)
        groups = list(groups)
        summary["comparison"] = [drift_difference(plain, other, m, a, g, how=how)
                                 for m in METRICS for a, g in groups for how in DRIFT]
    text = json.dumps(_clean(summary), indent=2, allow_nan=False) + "\n"
    files = {"rounds.csv": table.to_csv(index=False), "feedback.json": text}
    if args.report:
        from fairrec_core.report import render_feedback

        files["report.html"] = render_feedback(
            results, title=f"fairrec feedback loop: {args.model} on {data.name}",
            dataset_summary=data.describe(), settings={"data": args.data, **results[0].settings})
    return files


def _clean(value):
    from fairrec_core.mitigation._result import _plain

    return _plain(value)


def _headline(results) -> list[str]:
    """One line per arm: the overall popularity and NDCG drift from round 0 to the last."""
    from fairrec_core.feedback import t_interval

    lines = []
    for r in results:
        if not len(r.table):
            continue
        parts = []
        for metric in ("popularity", "ndcg", "miscalibration", "gini"):
            mean, lo, hi, _ = t_interval(r.drift(metric, how="change"))
            parts.append(f"{metric} {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]")
        lines.append(f"{r.arm}: change from round 0 to the last: " + ", ".join(parts))
    return lines
