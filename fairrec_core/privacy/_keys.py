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
from fairrec_core.privacy._errors import PrivacyError


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


def release_keys(ctx, *, intersections: bool | None = None, attributes=None) -> list[Keys]:
    """The keys of the context's single attributes and, with ``intersections`` (default: when
    the context audits intersections), of every pair of them (the full product); or only those
    named in ``attributes`` (``"gender"``, ``"gender & region"``), in that order."""
    singles = [Keys(g.attribute, tuple(g.labels), np.asarray(g.codes, dtype=np.int64),
                    np.asarray(g.uninformative, dtype=bool))
               for g in ctx.groupings if not g.is_intersection]
    if attributes is not None:
        by_name = {k.attribute: k for k in singles}
        by_name.update({f"{a.attribute}{INTERSECTION}{b.attribute}": (a, b)
                        for a, b in combinations(singles, 2)})
        out = []
        for name in dict.fromkeys(attributes):
            if name not in by_name:
                raise PrivacyError(f"private release: {name!r} is not audited; audited: "
                                   f"{', '.join(by_name)}")
            key = by_name[name]
            out.append(_product(*key) if isinstance(key, tuple) else key)
        return out
    if intersections is None:
        intersections = any(g.is_intersection for g in ctx.groupings)
    pairs = [_product(a, b) for a, b in combinations(singles, 2)] if intersections else []
    return singles + pairs
