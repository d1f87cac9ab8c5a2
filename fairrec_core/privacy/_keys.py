"""The group keys of a private release: public, declared values, never read off the data.

A single attribute's keys are the audit's group labels for it — the attribute's declared values
(a categorical column's categories, or the values of the users file, taken as public: declare
the attribute as categorical when its values are themselves sensitive). An intersection's keys
are every combination of its parts' keys, also those no user has, so that which combinations
occur is not disclosed (the release adds noise to their zero counts like to any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from fairrec_core.audit import INTERSECTION


@dataclass(frozen=True, eq=False)
class Keys:
    """``labels[codes[u]]`` is user index ``u``'s group; ``uninformative`` flags per label."""

    attribute: str
    labels: tuple[str, ...]
    codes: np.ndarray
    uninformative: np.ndarray

    @property
    def is_intersection(self) -> bool:
        return INTERSECTION in self.attribute


def _product(a: Keys, b: Keys) -> Keys:
    nb = len(b.labels)
    labels = tuple(f"{x}{INTERSECTION}{y}" for x in a.labels for y in b.labels)
    flags = (a.uninformative[:, None] | b.uninformative[None, :]).ravel()
    return Keys(f"{a.attribute}{INTERSECTION}{b.attribute}", labels, a.codes * nb + b.codes,
                flags)


def release_keys(ctx, *, intersections: bool | None = None) -> list[Keys]:
    """The keys of the context's single attributes and, with ``intersections`` (default: when
    the context audits intersections), of every pair of them (the full product)."""
    singles = [Keys(g.attribute, tuple(g.labels), np.asarray(g.codes, dtype=np.int64),
                    np.asarray(g.uninformative, dtype=bool))
               for g in ctx.groupings if not g.is_intersection]
    if intersections is None:
        intersections = any(g.is_intersection for g in ctx.groupings)
    pairs = [_product(a, b) for a, b in combinations(singles, 2)] if intersections else []
    return singles + pairs
