"""Early stopping for the iterative models: a seeded holdout from the *training* interactions and
NDCG@10 on it (computed with :mod:`fairrec_core.metrics`)."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
from fairrec_core.models._base import binary_matrix, chunk_rows, top_k
from fairrec_core.ranking import RankedLists

#: Only users with at least this many training interactions give validation items.
MIN_HISTORY = 5
#: Validation NDCG is measured on at most this many users (seeded sample).
MAX_USERS = 2000
#: Cutoff of the validation NDCG.
CUTOFF = 10


def check_fraction(name: str, validation) -> float:
    value = float(validation)
    if not 0.0 <= value < 0.5:
        raise ModelError(f"{name}: validation must be a fraction in [0, 0.5), got {validation!r}")
    return value


def holdout(train, fraction: float, seed: int):
    """``(fit, val)``: ``val`` holds a seeded random ``fraction`` (at least one) of the
    interactions of up to :data:`MAX_USERS` users with :data:`MIN_HISTORY` or more; ``fit`` the
    rest. ``val`` is None when ``fraction`` is 0 or no user qualifies."""
    if fraction <= 0:
        return train, None
    rng = np.random.default_rng([int(seed), 0x5EED])
    inter = train.interactions
    user = inter["user"].to_numpy()
    counts = train.user_counts
    eligible = np.flatnonzero(counts >= MIN_HISTORY)
    if len(eligible) == 0:
        return train, None
    if len(eligible) > MAX_USERS:
        eligible = np.sort(rng.choice(eligible, MAX_USERS, replace=False))
    chosen = np.zeros(train.n_users, dtype=bool)
    chosen[eligible] = True
    order = np.lexsort((rng.random(len(inter)), user))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(len(inter), dtype=np.int64)
    rank[order] = np.arange(len(inter)) - starts[user[order]]
    n_val = np.maximum(1, np.floor(counts * fraction + 0.5)).astype(np.int64)
    is_val = chosen[user] & (rank < n_val[user])
    fit = train.with_interactions(inter[~is_val])
    val = train.with_interactions(inter[is_val])
    return fit, val


def validation_ndcg(scores, fit, val) -> float:
    """Mean NDCG@10 over the validation users; ``scores(users)`` gives a dense score block and
    the ``fit`` interactions are excluded from the ranking."""
    users = np.flatnonzero(val.user_counts)
    seen = binary_matrix(fit)
    k = min(CUTOFF, fit.n_items)
    step = chunk_rows(fit.n_items)
    values = []
    for start in range(0, len(users), step):
        chunk = users[start : start + step]
        block = np.array(scores(chunk), dtype=np.float32)
        sub = seen[chunk]
        block[np.repeat(np.arange(len(chunk)), np.diff(sub.indptr)), sub.indices] = -np.inf
        items, top = top_k(block, k)
        lists = RankedLists(chunk, items, top)
        values.append(ndcg(hit_matrix(lists, val), n_relevant(lists, val)))
    return float(np.nanmean(np.concatenate(values)))


class EarlyStopping:
    """Tracks the best validation value; ``stop`` after ``patience`` epochs without a gain."""

    def __init__(self, patience: int):
        self.patience = int(patience)
        self.best = -np.inf
        self.best_epoch = 0
        self.bad = 0

    def update(self, epoch: int, value: float) -> bool:
        """Record ``value`` for ``epoch``; True when it is the best so far."""
        if value > self.best:
            self.best, self.best_epoch, self.bad = value, epoch, 0
            return True
        self.bad += 1
        return False

    @property
    def stop(self) -> bool:
        return self.bad >= self.patience


def holdout_last(train, fraction: float, seed: int):
    """Like :func:`holdout`, for sequential models: the *latest* interaction of a seeded random
    ``fraction`` of the users with :data:`MIN_HISTORY` or more (at most :data:`MAX_USERS`)."""
    if fraction <= 0:
        return train, None
    rng = np.random.default_rng([int(seed), 0x1A57])
    eligible = np.flatnonzero(train.user_counts >= MIN_HISTORY)
    n_chosen = min(MAX_USERS, int(round(len(eligible) * fraction)))
    if n_chosen == 0:
        return train, None
    chosen = np.zeros(train.n_users, dtype=bool)
    chosen[rng.choice(eligible, n_chosen, replace=False)] = True
    inter = train.interactions.sort_values(["user", "timestamp"], kind="stable")
    user = inter["user"].to_numpy()
    last = np.r_[user[1:] != user[:-1], True]
    is_val = last & chosen[user]
    return (
        train.with_interactions(inter[~is_val]),
        train.with_interactions(inter[is_val]),
    )


def report_stop(progress, stopper: EarlyStopping, last: int, total: int, unit: str) -> None:
    """Tell the progress callback that training ended before ``total`` (bar to 100%)."""
    if progress is not None and last < total:
        from fairrec_core.models._base import Progress

        progress(Progress(total, total, None, float(stopper.best),
                          f"stopped early after {unit} {last}; kept {unit} {stopper.best_epoch}"))
