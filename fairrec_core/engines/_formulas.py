"""Every per-user metric of the audit as one small relational formulation, the single definition
that the SQL back end renders (:mod:`._usersql`) and that the tests evaluate with numpy against
the in-memory engine (:mod:`fairrec_core.metrics`, through :meth:`AuditContext.user_metrics`).

A list is a set of *slots*, one row per listed item within the cutoff ``k``, with columns

- ``hit``: 1 when the item is among the user's test items, else 0;
- ``pos``: the item's position, 1 .. k (the order of the list, not the number written in a
  file: ranks 1, 2, 5 are positions 1, 2, 3, as in :class:`~fairrec_core.ranking.RankedLists`);
- ``pop``: the item's training interactions; ``head``: 1 when the item is in the popularity
  head (:func:`~fairrec_core.metrics.popularity_bands`);
- two slot features that look at the rest of the list: ``hits_so_far`` (hits at positions
  <= pos, itself included: a running sum) and ``same_category`` (listed items sharing this
  item's ILD category, itself included: a count per user and category).

A metric (:class:`UserMetric`) is: per-slot contributions, each aggregated per user by ``sum``
or ``max`` (0 for a user without slots), a ``value`` over those aggregates and the per-user
columns ``n_rel`` (test items), ``m`` (slots) and the constants k and n_users, and a
``defined`` condition (NaN otherwise). Why each equals :mod:`fairrec_core.metrics`:

- precision = sum(hit) / k: ``precision`` divides the row's hits by the number of columns, k
  (lists are padded to k, pads are never hits); recall = sum(hit) / n_rel; hit rate =
  max(hit); all NaN without test items (n_rel = 0).
- ndcg = sum(hit * d(pos)) / IDCG(min(n_rel, k)) with d = ``position_discount(k)`` (the one
  table shared with item exposure) and IDCG(n) = d(1) + ... + d(n) (the cumulative sum ``ndcg``
  indexes); binary relevance.
- mrr = max(hit / pos): 1 / the position of the first hit, 0 without a hit.
- map = sum(hit * hits_so_far / pos) / min(n_rel, k): ``average_precision`` sums precision@r
  (= hits_so_far / r) at the ranks r of the hits and divides by min(n_rel, k).
- ild = 1 - sum(same_category - 1) / (m (m - 1)), defined for m >= 2: sum over slots of
  (same_category - 1) = sum over categories c of n_c (n_c - 1), the numerator of
  ``intra_list_diversity``.
- novelty = sum(-log2(max(pop, 1) / n_users)) / m, arp = sum(pop) / m, aplt = sum(1 - head) /
  m, defined for m >= 1: the row means of ``novelty``, ``average_popularity``,
  ``long_tail_share`` over the listed items.
- calibration_kl (:data:`CALIBRATION`) is over (user, category) cells instead of slots: with
  ``w(item, c)`` the item's share of category c (``category_matrix``: an item's genres weigh
  equally), p(u, c) = sum over the user's distinct history items of w / their number
  (``history_distribution``) and q(u, c) = sum over slots of w / m (``list_distribution``),
  KL = sum over cells with p > 0 of p ln(p / ((1 - a) q + a p)), a = ``CALIBRATION_ALPHA``
  (q = 0 where the list has no item of c), defined with a history and m >= 1
  (``calibration_kl``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core.engines._expr import Expr, col, greatest, least, lit, ln, log2, lookup
from fairrec_core.metrics import CALIBRATION_ALPHA, position_discount

HIT, POS, POP, HEAD = col("hit"), col("pos"), col("pop"), col("head")
HITS_SO_FAR, SAME_CATEGORY = col("hits_so_far"), col("same_category")
N_REL, M = col("n_rel"), col("m")
#: Columns of a (user, category) cell of the calibration formulation.
P, Q = col("p"), col("q")


@dataclass(frozen=True, eq=False)
class Aggregate:
    """A per-slot contribution aggregated per user (``how``: "sum" or "max"; 0 without slots)."""

    name: str
    contribution: Expr
    how: str = "sum"


@dataclass(frozen=True, eq=False)
class UserMetric:
    """One per-user metric: its aggregates, its value over them and when it is defined."""

    name: str
    aggregates: tuple[Aggregate, ...]
    value: Expr
    defined: Expr


@dataclass(frozen=True, eq=False)
class CellMetric:
    """A per-user metric summed over (user, category) cells where ``where`` holds."""

    name: str
    contribution: Expr
    where: Expr
    defined: Expr


def discount(k: int, position: Expr = POS) -> Expr:
    """``1 / log2(1 + pos)`` from ``position_discount(k)`` (constants, so both back ends read
    the same float64)."""
    return lookup(position_discount(k), position)


def ideal_dcg(k: int, n: Expr) -> Expr:
    """IDCG(n) = d(1) + ... + d(n) for n in 0 .. k (IDCG(0) = 0)."""
    return lookup(np.concatenate(([0.0], np.cumsum(position_discount(k)))), n + 1)


def user_metrics(k: int, n_users: int) -> tuple[UserMetric, ...]:
    """The slot-based metrics at cutoff ``k`` over ``n_users`` users (novelty's denominator),
    in the order of ``USER_METRICS`` (without calibration_kl, the last: :data:`CALIBRATION`)."""
    K, N_USERS = lit(k), lit(max(int(n_users), 1))  # noqa: N806 - constants of the formulas
    hits = Aggregate("hits", HIT)
    tested = N_REL.gt(0)
    listed = M.gt(0)
    return (
        UserMetric("precision", (hits,), col("hits") / K, tested),
        UserMetric("recall", (hits,), col("hits") / N_REL, tested),
        UserMetric("ndcg", (Aggregate("dcg", HIT * discount(k)),),
                   col("dcg") / ideal_dcg(k, least(N_REL, K)), tested),
        UserMetric("hit_rate", (Aggregate("hit_any", HIT, "max"),), col("hit_any"), tested),
        UserMetric("mrr", (Aggregate("rr", HIT / POS, "max"),), col("rr"), tested),
        UserMetric("map", (Aggregate("ap", HIT * HITS_SO_FAR / POS),),
                   col("ap") / least(N_REL, K), tested),
        UserMetric("ild", (Aggregate("same_pairs", SAME_CATEGORY - 1),),
                   1 - col("same_pairs") / (M * (M - 1)), M.ge(2)),
        UserMetric("novelty", (Aggregate("self_info", -log2(greatest(POP, 1) / N_USERS)),),
                   col("self_info") / M, listed),
        UserMetric("arp", (Aggregate("pop_sum", POP),), col("pop_sum") / M, listed),
        UserMetric("aplt", (Aggregate("tail", 1 - HEAD),), col("tail") / M, listed),
    )


#: Calibration (Steck 2018) over (user, category) cells; ``has_history``: the user has one.
CALIBRATION = CellMetric(
    "calibration_kl",
    contribution=P * ln(P / ((1 - lit(CALIBRATION_ALPHA)) * Q + lit(CALIBRATION_ALPHA) * P)),
    where=P.gt(0),
    defined=col("has_history").gt(0).both(M.gt(0)),
)


def exposure(k: int) -> Expr:
    """The exposure an item gets from one slot (summed per item: ``item_exposure``)."""
    return discount(k)
