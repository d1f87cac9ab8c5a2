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
    import json

    from fairrec_core.data import read_file
    from fairrec_core.errors import DataError

    path = Path(folder) / "metrics.json"
    if not Path(folder).is_dir():
        raise DataError(f"{flag} {folder}: not a folder; expected an `audit --out` folder")
    if not path.exists():
        raise DataError(f"{flag} {folder}: no metrics.json; expected an `audit --out` folder")
    try:
        data = json.loads(read_file(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("gaps"), dict) \
            or not isinstance(data.get("k"), int):
        raise DataError(f"{path}: expected an audit's metrics.json with 'k' and 'gaps'")
    return data


def run_scorecard(args) -> int:
    import json

    from fairrec_core.outputs import write_atomic
    from fairrec_core.scorecard import Policy, load_policy, scorecard

    metrics = _metrics(args.audit, "--audit")
    previous = _metrics(args.previous, "--previous") if args.previous else None
    policy = load_policy(args.policy) if args.policy else Policy()
    card = scorecard(metrics, policy, previous)
    markdown = card.to_markdown()
    out = Path(args.audit)
    write_atomic(out / "scorecard.json",
                 json.dumps(card.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n")
    write_atomic(out / "scorecard.md", markdown)
    print(markdown, end="")
    return EXIT_GATE if card.failed else 0
