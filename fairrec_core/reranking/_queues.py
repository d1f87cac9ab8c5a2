"""Greedy selection over item classes, vectorised across users.

Most re-rankers score a candidate as ``(1 - lam) * relevance + lam * bonus`` where the bonus
depends only on the candidate's *class* (its category profile, popularity band, protected flag,
...) and on what was already selected. Within a class the best candidate is then always the
highest-ranked one not yet taken, so each greedy step only compares one head per class: a
``[users, classes]`` table instead of ``[users, candidates]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core.ranking import PAD_ITEM, RankedLists


@dataclass(frozen=True)
class ClassQueues:
    """Per user, the candidate columns of each class in rank order.

    ``order[u]`` lists user ``u``'s candidate columns grouped by class (rank order within a
    class, padding last); class ``m``'s run is ``order[u, start[u, m]:end[u, m]]``.
    """

    order: np.ndarray  # int64 [n, N + 1], last column = N (sentinel "nothing")
    start: np.ndarray  # int64 [n, M]
    end: np.ndarray  # int64 [n, M]
    relevance: np.ndarray  # float64 [n, N + 1], sentinel column 0

    @classmethod
    def build(
        cls, candidates: RankedLists, item_class: np.ndarray, n_classes: int, relevance: np.ndarray
    ) -> ClassQueues:
        items = candidates.items
        n, depth = items.shape
        valid = items != PAD_ITEM
        key = np.where(valid, item_class[np.where(valid, items, 0)], n_classes)
        order = np.argsort(key, axis=1, kind="stable")
        counts = np.bincount(
            (np.arange(n)[:, None] * (n_classes + 1) + key).ravel(),
            minlength=n * (n_classes + 1),
        ).reshape(n, n_classes + 1)
        start = np.zeros_like(counts)
        np.cumsum(counts[:, :-1], axis=1, out=start[:, 1:])
        order = np.concatenate([order, np.full((n, 1), depth)], axis=1)
        rel = np.concatenate([np.nan_to_num(relevance, nan=0.0), np.zeros((n, 1))], axis=1)
        return cls(order, start[:, :n_classes], start[:, :n_classes] + counts[:, :n_classes], rel)

    @property
    def n_classes(self) -> int:
        return self.start.shape[1]

    def cursor(self) -> Cursor:
        return Cursor(self)


class Cursor:
    """The heads of a user's class queues during one greedy pass."""

    def __init__(self, queues: ClassQueues):
        self.q = queues
        self.rows = np.arange(queues.order.shape[0])
        self.depth = queues.order.shape[1] - 1
        # contiguous tables: ``take`` writes through their flat views
        self.head = np.ascontiguousarray(queues.start).copy()
        self.alive = np.ascontiguousarray(self.head < queues.end)
        depth = queues.order.shape[1] - 1
        idx = np.minimum(self.head, depth)
        #: candidate column at each head (``depth`` when the class is used up)
        self.cols = np.ascontiguousarray(
            np.where(self.alive, np.take_along_axis(queues.order, idx, axis=1), depth)
        )
        #: relevance of each head (0 when used up; check ``alive``)
        self.best = np.ascontiguousarray(np.take_along_axis(queues.relevance, self.cols, axis=1))

    def take(self, classes: np.ndarray) -> np.ndarray:
        """Take the head of class ``classes[u]`` for every user; returns the candidate columns
        (``depth`` where that class was used up)."""
        n_cls = self.head.shape[1]
        flat = self.rows * n_cls + classes  # flat indices into the [n, M] tables
        cols, alive, head = self.cols.ravel(), self.alive.ravel(), self.head.ravel()
        chosen = cols[flat]
        ok = alive[flat]
        h = head[flat] + ok
        head[flat] = h
        still = h < self.q.end.ravel()[flat]
        alive[flat] = still
        width = self.depth + 1
        col = np.where(
            still, self.q.order.ravel()[self.rows * width + np.minimum(h, self.depth)], self.depth
        )
        cols[flat] = col
        self.best.ravel()[flat] = self.q.relevance.ravel()[self.rows * width + col]
        return np.where(ok, chosen, self.depth)


def greedy(queues: ClassQueues, k: int, lam: float, bonus) -> np.ndarray:
    """Greedy list building: at each of the ``k`` positions every user takes the class head
    maximising ``(1 - lam) * relevance + lam * bonus.step(t)``, then
    ``bonus.update(classes, taken)`` (``taken`` is False where a user had nothing left).

    Relevance keeps a tiny weight at ``lam = 1`` so that ties in the bonus go to the better
    candidate. Returns candidate columns [n, k] (``depth`` = padding).
    """
    cur = queues.cursor()
    n = cur.rows.shape[0]
    out = np.empty((n, k), dtype=np.int64)
    w_rel = max(1.0 - lam, 1e-9)
    for t in range(k):
        obj = w_rel * cur.best
        obj += lam * bonus.step(t)
        obj[~cur.alive] = -np.inf
        classes = np.argmax(obj, axis=1)
        out[:, t] = cur.take(classes)
        bonus.update(classes, out[:, t] < cur.depth)
    return out
