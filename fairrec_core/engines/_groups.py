"""User groupings for the DuckDB engine, by the rules of :mod:`fairrec_core.audit._groups`: the
labels of an attribute are its values present among all users, in the column's category order
(age bands) or sorted, then the rest ("Unknown") sorted; an intersection's groups are the
present pairs of two attributes' groups in the order of ``a * n_b + b`` (``np.unique``).

Per user the table ``fr_ucodes(user, user_id, g0, g1, ..., cell)`` holds the code of every single
attribute and ``cell``, the mixed-radix number of the codes together: every grouping's group
(single, intersection, everyone) is a function of the cell, so sums over users are taken once
per cell and added up per group in numpy (:class:`Plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from fairrec_core.audit._groups import INTERSECTION, Grouping
from fairrec_core.engines._sources import run


@dataclass(frozen=True, eq=False)
class Plan:
    """The audited groupings (singles, then intersections: the in-memory order) and how each
    group follows from the single codes."""

    groupings: tuple[Grouping, ...]
    singles: tuple[Grouping, ...]
    pairs: tuple[tuple[int, int, np.ndarray], ...]  # (single a, single b, present a * n_b + b)
    radix: tuple[int, ...]  # n_groups of each single (cell = sum code_j * stride_j)

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate(([0], np.cumsum([g.n_groups for g in self.groupings]))).astype(
            np.int64)

    def single_codes(self, cells: np.ndarray) -> np.ndarray:
        """``[n, n_singles]`` codes of each single attribute from cell numbers."""
        out = np.zeros((len(cells), len(self.singles)), dtype=np.int64)
        rest = np.asarray(cells, dtype=np.int64)
        for j in reversed(range(len(self.singles))):
            rest, out[:, j] = np.divmod(rest, self.radix[j])
        return out

    def columns(self, singles: np.ndarray) -> np.ndarray:
        """``[n, n_groupings]``: each row's group column (offsets added, as ``GroupIndex``)."""
        out = np.zeros((len(singles), len(self.groupings)), dtype=np.int64)
        out[:, :len(self.singles)] = singles
        for p, (a, b, present) in enumerate(self.pairs):
            combined = singles[:, a] * self.radix[b] + singles[:, b]
            out[:, len(self.singles) + p] = np.searchsorted(present, combined)
        return out + self.offsets[:-1][None, :]

    def with_codes(self, columns: np.ndarray) -> list[Grouping]:
        """The groupings with ``codes`` over the rows of ``columns`` (for ``GroupIndex.build``
        over ``np.arange(n)``)."""
        return [Grouping(g.attribute, g.parts, g.labels, columns[:, j] - self.offsets[j],
                         tuple(bool(x) for x in g.uninformative))
                for j, g in enumerate(self.groupings)]


def _order(present: set, categories) -> list[str]:
    if categories is not None:  # keep the column's order (age bands)
        order = [c for c in categories if c in present]
    else:
        order = sorted(present - {"Unknown"})
    return order + sorted(present - set(order))  # "Unknown" (and anything else) last


def resolve(universe, groups) -> list[str]:
    """The attributes to audit (default: the universe's), as ``user_groupings`` reads them."""
    if groups is None:
        return list(universe.defaults)
    if isinstance(groups, str):
        groups = [a.strip() for a in groups.split(",") if a.strip()]
    groups = list(dict.fromkeys(groups))
    for attribute in groups:
        universe.check_attribute(attribute)
    return groups


def plan(con, universe, groups, *, intersections: bool = True) -> Plan:
    """Build ``fr_ucodes`` and the groupings of ``groups`` (see :func:`resolve`)."""
    attributes = resolve(universe, groups)
    singles, joins, picks = [], [], []
    for j, attribute in enumerate(attributes):
        label = universe.label_sql(attribute)
        present = {r[0] for r in run(con, f"SELECT DISTINCT {label} FROM fr_user_source",
                                     "users").fetchall()}
        order = _order(present, universe.categories.get(attribute))
        singles.append(Grouping(attribute, (attribute,), tuple(order), np.zeros(0, np.int64)))
        con.register(f"fr_labels_{j}", pd.DataFrame({"label": order,
                                                      "code": np.arange(len(order))}))
        joins.append(f"JOIN fr_labels_{j} l{j} ON {universe.label_sql(attribute, 's')} = l{j}.label")
        picks.append(f"CAST(l{j}.code AS INTEGER) AS g{j}")
    radix = tuple(g.n_groups for g in singles)
    strides = [int(np.prod(radix[j + 1:], dtype=np.int64)) for j in range(len(radix))]
    cell = " + ".join(f"CAST(l{j}.code AS BIGINT) * {s}" for j, s in enumerate(strides)) or "0"
    run(con, f"CREATE OR REPLACE TABLE fr_ucodes AS SELECT s.user, i.user_id, "
             f"{', '.join(picks + [''])}{cell} AS cell FROM fr_user_source s JOIN fr_users i ON "
             f"i.user = s.user {' '.join(joins)}", "users")
    for j in range(len(attributes)):
        con.unregister(f"fr_labels_{j}")
    pairs, crossed = [], []
    if intersections:
        for a, b in combinations(range(len(singles)), 2):
            present = np.sort(con.sql(
                f"SELECT DISTINCT CAST(g{a} AS BIGINT) * {radix[b]} + g{b} FROM fr_ucodes"
            ).fetchnumpy().popitem()[1].astype(np.int64))
            ga, gb = singles[a], singles[b]
            labels = tuple(f"{ga.labels[c // radix[b]]}{INTERSECTION}{gb.labels[c % radix[b]]}"
                           for c in present)
            flags = ga.uninformative[present // radix[b]] | gb.uninformative[present % radix[b]]
            crossed.append(Grouping(f"{ga.attribute}{INTERSECTION}{gb.attribute}",
                                    ga.parts + gb.parts, labels, np.zeros(0, np.int64),
                                    tuple(bool(f) for f in flags)))
            pairs.append((a, b, present))
    return Plan(tuple(singles + crossed), tuple(singles), tuple(pairs), radix)
