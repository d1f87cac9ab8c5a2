"""The documented ranges of every number fairrec reads (see ``data/README.md``), and how a
value from a file is shown in a one-line message (quoted, escaped, truncated)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Range:
    """Closed interval ``[lo, hi]`` a column's values must lie in; ``integer`` asks for whole
    numbers. ``text`` is how messages say it."""

    lo: float
    hi: float
    integer: bool = False
    text: str = ""

    def describe(self) -> str:
        if self.text:
            return self.text
        return f"from {_number(self.lo)} to {_number(self.hi)}"


#: Largest finite float32: ratings, values and scores are stored as float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Unix seconds from 1970-01-01 to 2200-01-01 (UTC), whole seconds.
TIMESTAMP_MAX = 7_258_118_400
#: Numeric ids (MovieLens) are whole numbers from 0 to 2^53 - 1 (exact in a float64).
ID_MAX = 2**53 - 1

VALUE = Range(-FLOAT32_MAX, FLOAT32_MAX, text="a finite number within float32 range (|x| <= 3.4e38)")
TIMESTAMP = Range(0, TIMESTAMP_MAX, integer=True,
                  text="whole unix seconds from 0 (1970-01-01) to 7,258,118,400 (2200-01-01)")
ID = Range(0, ID_MAX, integer=True, text="a whole number from 0 to 2^53 - 1")
AGE = Range(0, 150, text="from 0 to 150")
PRICE = Range(0, FLOAT32_MAX, text="a finite number >= 0")
FLAG = Range(0, 1, integer=True, text="0 or 1")
CODE = Range(0, 1_000_000, integer=True, text="a whole number from 0 to 1,000,000")
RANK = Range(1, 2**31 - 1, integer=True, text="a whole number from 1 to 2,147,483,647")

#: Longest piece of a file's content quoted in a message.
SHOWN_CHARS = 40


def shown(value, limit: int = SHOWN_CHARS) -> str:
    """``repr`` of a value from a file, numpy scalars unwrapped, cut to ``limit`` characters so
    a message stays one short line (newlines are escaped by ``repr``)."""
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clipped(text: str, limit: int = 80) -> str:
    """Text from an exception on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown_columns(columns, limit: int = 12) -> str:
    """``'a', 'b', ... (N columns)``: a header listed in a message, never a megabyte of it."""
    cols = [shown(str(c), 30) for c in columns]
    head = ", ".join(cols[:limit])
    return head if len(cols) <= limit else f"{head}, ... ({len(cols):,} columns)"


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e16 else f"{x:.4g}"
