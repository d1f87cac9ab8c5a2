"""``data describe``: sizes and users/interactions per group of a dataset."""

from __future__ import annotations

import argparse
import json

from fairrec_core.cli._help import SPEC_HELP


def add_data_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--data SPEC`` and ``--map SRC=DST`` (shared by every subcommand that loads data;
    ``required=False``: the subcommand checks itself when ``--data`` may be left out)."""
    parser.add_argument("--data", required=required, metavar="SPEC", help=SPEC_HELP)
    parser.add_argument(
        "--map", action="append", default=[], metavar="SRC=DST",
        help="CSV column mapping, repeatable (e.g. --map sex=gender --map customer=user_id)",
    )


def load_from_args(args):
    from fairrec_core.data import load_dataset, parse_mapping

    return load_dataset(args.data, mapping=parse_mapping(args.map))


def add_parser(sub) -> None:
    data = sub.add_parser("data", help="inspect a dataset")
    data_sub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    describe = data_sub.add_parser("describe", help="users, items, interactions and groups")
    add_data_arguments(describe)
    describe.add_argument("--json", action="store_true", help="print JSON instead of text")
    describe.set_defaults(func=run_describe)


def run_describe(args) -> int:
    ds = load_from_args(args)
    info = ds.describe()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"dataset       {info['name']}")
    print(f"users         {info['users']:,}")
    print(f"items         {info['items']:,}")
    print(f"interactions  {info['interactions']:,}")
    print(f"density       {info['density']:.4%}")
    for attr, groups in info["groups"].items():
        print(f"\n{attr:<20} {'users':>8} {'interactions':>13}")
        for g, row in groups.items():
            print(f"  {g:<18} {row['users']:>8,} {row['interactions']:>13,}")
    for w in ds.warnings:
        print(f"warning: {w}")
    return 0
