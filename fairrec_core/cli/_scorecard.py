"""``scorecard``: read an ``audit --out`` folder's ``metrics.json`` (no recomputation), judge each
attribute against a policy file and write ``scorecard.json`` and ``scorecard.md`` into that
folder; print the Markdown. Exit 3 (as ``audit --fail-on``) when the policy gates: a red verdict
with ``fail_on_red = true`` or a ``fail_on`` condition met."""

from __future__ import annotations

from pathlib import Path

#: Exit status when the policy's gate fails (the same as ``audit --fail-on``).
EXIT_GATE = 3
#: The files ``scorecard`` writes into the audit folder.
SCORECARD_FILES = ("scorecard.json", "scorecard.md")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "scorecard", help="judge a saved audit against a fairness policy (scorecard.md/.json)",
        description="One verdict per user attribute (green / amber / red) against the thresholds "
                    "in a policy file, from an `audit --out` folder's metrics.json; writes "
                    "scorecard.json and scorecard.md into that folder and prints the Markdown.",
    )
    p.add_argument("--audit", required=True, metavar="OUT_DIR",
                   help="a folder written by `audit --out`")
    p.add_argument("--policy", metavar="FILE",
                   help="policy file (see fairness-policy.toml); default: NDCG gap at most 0.02, "
                        "ratio at least 0.8, significance 0.05, no gate")
    p.add_argument("--previous", metavar="OLD_DIR",
                   help="an older audit folder: show how each gap changed since")
    p.set_defaults(func=run_scorecard)


def _metrics(folder: str, flag: str) -> dict:
    from fairrec_core.data import read_file
    from fairrec_core.errors import DataError

    path = Path(folder) / "metrics.json"
    if not Path(folder).is_dir():
        raise DataError(f"{flag} {folder}: not a folder; expected an `audit --out` folder")
    if not path.exists():
        raise DataError(f"{flag} {folder}: no metrics.json; expected an `audit --out` folder")
    from fairrec_core.scorecard import parse_metrics

    return parse_metrics(read_file(path), str(path))


def scorecard_files(card) -> dict[str, str]:
    """``{"scorecard.json": ..., "scorecard.md": ...}`` of a :class:`Scorecard` (written by
    ``scorecard`` and by ``audit --policy``)."""
    import json

    return {"scorecard.json": json.dumps(card.to_dict(), indent=2, allow_nan=False,
                                         ensure_ascii=False) + "\n",
            "scorecard.md": card.to_markdown()}


def run_scorecard(args) -> int:
    from fairrec_core.outputs import write_atomic
    from fairrec_core.scorecard import Policy, load_policy, scorecard

    metrics = _metrics(args.audit, "--audit")
    previous = _metrics(args.previous, "--previous") if args.previous else None
    policy = load_policy(args.policy) if args.policy else Policy()
    card = scorecard(metrics, policy, previous)
    files = scorecard_files(card)
    for name, text in files.items():
        write_atomic(Path(args.audit) / name, text)
    print(files["scorecard.md"], end="")
    return EXIT_GATE if card.failed else 0
