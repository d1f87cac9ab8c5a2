"""How a re-ranker describes its parameters, so that forms and the command line need no special
cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from fairrec_core.errors import DataError

ParamKind = Literal["float", "user_attribute", "item_attribute", "item_value", "item_group"]


@dataclass(frozen=True)
class ParamSpec:
    """One constructor parameter of a re-ranker, described so that a form or the command line can
    offer it without special cases.

    - ``name``: the Python keyword (``lam``); ``key``: the command-line / UI key (``lambda``).
    - ``kind``: ``"float"`` is a slider over ``[low, high]`` with ``step``; the other kinds are
      choices that depend on the data: ``"user_attribute"`` (a user column such as ``gender``),
      ``"item_attribute"`` (an item column such as ``category``, or ``popularity_band``),
      ``"item_value"`` (a value of the chosen item attribute), ``"item_group"``
      (``ATTRIBUTE=VALUE``, e.g. ``brand_tier=small``).
    - ``optional``: ``None`` is allowed (and is the "off" setting).
    - ``fit``: the parameter is used by ``fit``; changing it needs a new ``fit``. Slider
      parameters are applied by ``rerank`` only, so a fitted re-ranker can sweep them.
    """

    name: str
    key: str
    kind: ParamKind
    default: float | str | None
    help: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    optional: bool = False
    fit: bool = False

    @property
    def is_slider(self) -> bool:
        return self.kind == "float"

    def parse(self, text: str, owner: str):
        """The value of ``text`` given on the command line (``none`` for an optional one)."""
        if self.optional and text.strip().lower() in ("", "none"):
            return None
        if self.kind != "float":
            if not text.strip():
                raise DataError(f"{owner}: {self.key} needs a value")
            self.check(text.strip(), owner)
            return text.strip()
        try:
            value = float(text)
        except ValueError:
            raise DataError(f"{owner}: {self.key}={text!r} is not a number") from None
        self.check(value, owner)
        return value

    def check(self, value, owner: str) -> None:
        """Raise DataError when ``value`` is not allowed."""
        if value is None:
            if not self.optional:
                raise DataError(f"{owner}: {self.key} needs a value")
            return
        if self.kind != "float":
            if not isinstance(value, str) or not value:
                raise DataError(f"{owner}: {self.key} must be a non-empty string, got {value!r}")
            if self.kind == "item_group" and "=" not in value:
                raise DataError(
                    f"{owner}: {self.key}={value!r} must be ATTRIBUTE=VALUE, e.g. brand_tier=small"
                )
            return
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise DataError(f"{owner}: {self.key} must be a number, got {value!r}")
        if not np.isfinite(value) or not self.low <= value <= self.high:
            raise DataError(
                f"{owner}: {self.key}={value:g} is outside [{self.low:g}, {self.high:g}]"
            )

    def grid(self, n: int = 11) -> np.ndarray:
        """``n`` evenly spaced values over the range (sliders only)."""
        if not self.is_slider:
            raise DataError(f"{self.key} is not a numeric parameter; it has no grid")
        return np.linspace(self.low, self.high, n)


def strength_spec(name: str = "lam", key: str = "lambda", *, help: str, default=0.5) -> ParamSpec:
    """The usual trade-off slider: 0 keeps the model's ranking, 1 is all re-ranking objective."""
    return ParamSpec(name, key, "float", default, help, low=0.0, high=1.0, step=0.05)
