"""Command line: ``python -m fairrec_core {data,train,audit,scorecard,close-gap,mitigate,simulate,
coldstart,llm-audit} ...``.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``; the parser's
``func`` runs it. A :class:`~fairrec_core.errors.FairrecError` becomes one line on stderr and
exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from fairrec_core import __version__
from fairrec_core.cli import (
    _audit,
    _closegap,
    _coldstart,
    _data,
    _llmaudit,
    _mitigate,
    _scorecard,
    _simulate,
    _train,
)
from fairrec_core.errors import FairrecError

#: The subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = [_data, _train, _audit, _scorecard, _closegap, _mitigate, _simulate, _coldstart,
               _llmaudit]

EXIT_USAGE_OR_DATA = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fairrec_core",
        description="fairrec: assess how well a recommender serves each group of users.",
    )
    parser.add_argument("--version", action="version", version=f"fairrec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except FairrecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE_OR_DATA
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
