"""``--data SPEC``: one string names a dataset everywhere (command line, app, tests)."""

from __future__ import annotations

import math
from dataclasses import fields

from fairrec_core import limits
from fairrec_core.data._csv import load_csv_dir
from fairrec_core.data._dataset import Dataset
from fairrec_core.data._movielens import load_movielens
from fairrec_core.data._scaleshop import scale_shop
from fairrec_core.data._synthetic import SyntheticSpec, generate_shop
from fairrec_core.data._values import shown
from fairrec_core.errors import DataError

SPEC_HELP = (
    "demo | synthetic:users=N,items=M,interactions=K,seed=S,bias=B | "
    "scale:users=N,items=M,interactions=K,seed=S | movielens:PATH | csv:DIR"
)
#: The keys of a ``scale:`` spec (:func:`fairrec_core.data._scaleshop.scale_shop`).
SCALE_KEYS = ("users", "items", "interactions", "seed")


def parse_synthetic(args: str) -> SyntheticSpec:
    """``users=100,items=50`` -> SyntheticSpec; unknown keys and bad numbers are DataErrors."""
    known = {f.name: f.type for f in fields(SyntheticSpec)}
    values = {}
    for part in filter(None, (p.strip() for p in args.split(","))):
        key, sep, val = part.partition("=")
        key = key.strip()
        if not sep or key not in known:
            raise DataError(
                f"synthetic spec {part[:40]!r}: expected key=value with key in {', '.join(known)}"
            )
        try:
            values[key] = float(val) if key == "bias" else int(val)
        except ValueError:
            raise DataError(f"synthetic spec {part!r}: {key} must be a number") from None
        if key == "bias" and not math.isfinite(values[key]):
            raise DataError(f"synthetic spec {part!r}: bias must be a finite number")
        if key != "bias" and not 0 <= values[key] < 2**63:
            raise DataError(f"synthetic spec {part!r}: {key} must be a whole number from 0 to 2^63 - 1")
    lim = limits.current()
    for key, field in (("users", "max_users"), ("items", "max_items"), ("interactions", "max_rows"),
                       ("brands", "max_items")):
        if values.get(key, 0) > getattr(lim, field):
            raise limits.LimitError(
                f"synthetic spec: {key}={values[key]:,} is over the limit of {getattr(lim, field):,} "
                f"({limits.ENVIRONMENT[field]})"
            )
    return SyntheticSpec(**values)


def parse_scale(args: str) -> dict[str, int]:
    """``users=1000000,items=100000,interactions=15000000`` -> keyword arguments of
    :func:`scale_shop` (users, items and interactions required; seed 7 by default)."""
    values = {"seed": 7}
    for part in filter(None, (p.strip() for p in args.split(","))):
        key, sep, val = (x.strip() for x in part.partition("="))
        if not sep or key not in SCALE_KEYS:
            raise DataError(f"scale spec {part[:40]!r}: expected key=value with key in "
                            f"{', '.join(SCALE_KEYS)}")
        try:
            values[key] = int(val)
        except ValueError:
            raise DataError(f"scale spec {part!r}: {key} must be a whole number") from None
        if not 0 <= values[key] < 2**63:
            raise DataError(f"scale spec {part!r}: {key} must be from 0 to 2^63 - 1")
    missing = [k for k in SCALE_KEYS[:3] if k not in values]
    if missing:
        raise DataError(f"scale spec: {', '.join(missing)} missing (e.g. scale:users=1000000,"
                        "items=100000,interactions=15000000)")
    return values


def load_dataset(spec: str, *, mapping: dict[str, str] | None = None) -> Dataset:
    """Load the dataset a spec names (see ``SPEC_HELP``)."""
    spec = (spec or "").strip()
    kind, _, arg = spec.partition(":")
    if kind == "demo" and not arg:
        return generate_shop()
    if kind == "synthetic":
        return generate_shop(parse_synthetic(arg))
    if kind == "scale":
        return scale_shop(**parse_scale(arg))
    if kind == "movielens" and arg:
        return load_movielens(arg)
    if kind == "csv" and arg:
        return load_csv_dir(arg, mapping)
    raise DataError(f"data spec {shown(spec, 80)}: expected {SPEC_HELP}")
