"""Numbers, intervals and p-values as every page, report and scorecard writes them (pure; no
pandas), so a figure reads the same on the home page and in ``scorecard.md``."""

from __future__ import annotations

import math

#: Why a group is left out of the gap, in words (``gaps.excluded_groups`` reasons).
EXCLUDED_REASONS = {
    "uninformative": "a label such as 'unspecified' that says nothing about the users",
    "small": "too few users for a reliable mean",
    "no values": "no users with a value",
}


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def num(x, digits: int = 3) -> str:
    """A number as the pages write it: ``digits`` decimals, a true minus sign, "n/a" for NaN."""
    if not _finite(x):
        try:  # numpy scalars
            x = float(x)
        except (TypeError, ValueError):
            return "n/a"
        if not math.isfinite(x):
            return "n/a"
    return f"{x:.{digits}f}".replace("-", "\N{MINUS SIGN}")


def interval(lo, hi, digits: int = 3) -> str:
    return f"[{num(lo, digits)}, {num(hi, digits)}]"


def percent(x, digits: int = 0) -> str:
    """``0.114`` -> "11%" (true minus sign, "n/a" for NaN)."""
    text = num(None if x is None else float(x) * 100, digits)
    return text if text == "n/a" else text + "%"


def p_text(p) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p n/a"
    return "p < 0.001" if p < 0.001 + 1e-12 else f"p = {p:.3f}"


def excludes_zero(lo, hi) -> bool:
    return bool(lo > 0 or hi < 0)
