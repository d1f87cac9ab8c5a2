"""The recommender contract: scikit-learn style parameters, ``fit``, batch ``recommend``, ``score``.

A model keeps everything it needs at recommend time as arrays (the seen-item matrix, neighbour
tables, factors), so a model loaded from disk recommends identically without the dataset.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from fairrec_core.errors import ModelError
from fairrec_core.limits import check_dense, current
from fairrec_core.rebalance import WEIGHT_COLUMN

#: Scores are computed for at most this many (user, item) cells at once.
CHUNK_CELLS = 1 << 22
#: Bytes a score cell costs while a block is ranked (the float32 block and top-k temporaries).
CELL_BYTES = 16

NOT_FITTED = "{name}: the model is not trained yet; call fit(train) first"


@dataclass(frozen=True)
class Progress:
    """One training step, passed to the ``progress`` callable of :meth:`Recommender.fit`."""

    step: int
    total: int
    loss: float | None = None
    val_ndcg: float | None = None
    message: str = ""


ProgressCallback = Callable[[Progress], None]


class Recommender:
    """Base class of every model.

    Subclasses list their hyperparameters as keyword arguments of ``__init__`` and store them
    unchanged; they implement ``_fit(train, progress)`` and ``_scores(users)`` (a dense
    ``float32 [len(users), n_items]`` block), and name their learned arrays in ``_arrays``.
    """

    #: Registry name, also written to ``params.json``.
    name: ClassVar[str] = ""
    #: Learned attributes saved as arrays (besides the seen-item matrix).
    _arrays: ClassVar[tuple[str, ...]] = ()
    #: Learned scalar attributes saved in ``params.json``.
    _scalars: ClassVar[tuple[str, ...]] = ()
    #: Saved form of each learned array, checked on load: ``name -> (shape, dtype, bound)``;
    #: a shape entry ``"users"``/``"items"`` is ``n_users_``/``n_items_``, another name is a
    #: size shared by every array that names it; ``bound`` (or None) names the exclusive upper
    #: bound of the values of an index array.
    _array_shapes: ClassVar[dict[str, tuple[tuple[str, ...], str, str | None]]] = {}
    #: Hyperparameters that size a PyTorch network (checked against the saved weights on load).
    _module_params: ClassVar[tuple[str, ...]] = ()
    #: Whether ``fit`` uses interaction weights (a ``"weight"`` column of the training
    #: interactions, see :mod:`fairrec_core.rebalance`); a model that cannot refuses such data.
    takes_weights: ClassVar[bool] = False

    # ---- parameters ------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """The hyperparameters, as passed to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> Recommender:
        """Set hyperparameters by name; an unknown name is a :class:`ModelError`."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ModelError(
                    f"{self.name}: unknown parameter {key!r}; expected one of {', '.join(valid)}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ---- training --------------------------------------------------------------------------
    def fit(self, train, *, progress: ProgressCallback | None = None) -> Recommender:
        """Learn from ``train`` (a Dataset); returns ``self``."""
        if train.n_interactions == 0:
            raise ModelError(f"{self.name}: the training data has no interactions")
        self._check_params()
        self._check_weights(train)
        vars(self).pop("fingerprint_", None)  # a failed re-fit leaves the model unfitted
        self.n_users_ = int(train.n_users)
        self.n_items_ = int(train.n_items)
        seen = binary_matrix(train)
        self.seen_indptr_ = seen.indptr.astype(np.int64)
        self.seen_indices_ = seen.indices.astype(np.int32)
        self._fit(train, progress)
        self.fingerprint_ = str(train.fingerprint)
        return self

    @classmethod
    def size_problem(cls, data) -> str | None:
        """Why this model would not fit ``data`` (a Dataset) within :mod:`fairrec_core.limits`,
        as a short phrase ("needs 149.0 GiB for 100,000 items ..."), or None when it fits. Cheap:
        nothing is allocated; ``fit`` raises the same limit's :class:`LimitError`."""
        return None

    def _check_params(self) -> None:
        """Raise :class:`ModelError` for a hyperparameter out of range (subclasses extend)."""

    def _check_weights(self, train) -> None:
        """Rebalanced data (a ``"weight"`` interaction column) needs a model that takes weights,
        and weights that are finite, non-negative and not all zero."""
        if WEIGHT_COLUMN not in train.interactions.columns:
            return
        if not self.takes_weights:
            raise ModelError(
                f"{self.name}: cannot use interaction weights (rebalanced training data); train "
                "it on the data without rebalancing, or choose a model that takes weights"
            )
        w = train.interactions[WEIGHT_COLUMN].to_numpy()
        if not np.issubdtype(w.dtype, np.number) or not np.isfinite(w).all() or (w < 0).any():
            raise ModelError(f"{self.name}: interaction weights must be finite numbers >= 0")
        if not w.sum() > 0:
            raise ModelError(f"{self.name}: interaction weights are all zero")

    def _fit(self, train, progress: ProgressCallback | None) -> None:
        raise NotImplementedError

    def _scores(self, users: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _check_loaded(self) -> str | None:
        """After loading: what is inconsistent between the learned arrays, or None."""
        return None

    # ---- state -----------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "fingerprint_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise ModelError(NOT_FITTED.format(name=self.name or type(self).__name__))

    def seen_matrix(self) -> sp.csr_matrix:
        """The binary user x item matrix of the training interactions."""
        self._check_fitted()
        data = np.ones(len(self.seen_indices_), dtype=np.float32)
        return sp.csr_matrix(
            (data, self.seen_indices_, self.seen_indptr_), shape=(self.n_users_, self.n_items_)
        )

    def _check_users(self, users) -> np.ndarray:
        users = np.asarray(users)
        if users.ndim == 0:
            users = users.reshape(1)
        if users.ndim != 1 or (users.size and not np.issubdtype(users.dtype, np.integer)):
            raise ModelError(f"{self.name}: users must be a 1-d array of user indices")
        users = users.astype(np.int64)
        bad = users[(users < 0) | (users >= self.n_users_)]
        if bad.size:
            raise ModelError(
                f"{self.name}: unknown user index {int(bad[0])}; the model knows user indices "
                f"0..{self.n_users_ - 1}"
            )
        return users

    # ---- prediction ------------------------------------------------------------------------
    def recommend(self, users, k: int, *, exclude_seen: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` items for each user: ``(items int64 [n, k], scores float32 [n, k])``.

        Users are processed in chunks so memory stays bounded. With ``exclude_seen`` the
        training items are masked to ``-inf`` before the top-k; when fewer than ``k`` items
        remain the row is padded with item ``-1`` and score ``-inf``. Ties are broken by the
        lower item index.
        """
        self._check_fitted()
        users = self._check_users(users)
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ModelError(f"{self.name}: k must be a positive integer, got {k!r}")
        k = int(k)
        if k > self.n_items_:
            raise ModelError(
                f"{self.name}: k={k} is larger than the catalogue ({self.n_items_} items)"
            )
        items = np.empty((len(users), k), dtype=np.int64)
        scores = np.empty((len(users), k), dtype=np.float32)
        step = chunk_rows(self.n_items_)
        for start in range(0, len(users), step):
            chunk = users[start : start + step]
            block = np.array(self._scores(chunk), dtype=np.float32)
            block[~np.isfinite(block)] = np.float32(np.finfo(np.float32).min)
            if exclude_seen:
                self._mask_seen(chunk, block)
            items[start : start + step], scores[start : start + step] = top_k(block, k)
        return items, scores

    def _seen_cells(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row in ``users``, item) of every training interaction of ``users``."""
        indptr, indices = self.seen_indptr_, self.seen_indices_
        starts, ends = indptr[users], indptr[users + 1]
        lengths = ends - starts
        rows = np.repeat(np.arange(len(users)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return rows, indices[np.repeat(starts, lengths) + offsets]

    def _mask_seen(self, users: np.ndarray, block: np.ndarray) -> None:
        rows, cols = self._seen_cells(users)
        block[rows, cols] = -np.inf

    def _history(self, users: np.ndarray) -> np.ndarray:
        """Dense 0/1 rows of the training matrix for ``users`` (float32)."""
        out = np.zeros((len(users), self.n_items_), dtype=np.float32)
        rows, cols = self._seen_cells(users)
        out[rows, cols] = 1.0
        return out

    def score(self, users, items) -> np.ndarray:
        """Scores of the given (user, item) pairs (equal-length arrays), float32."""
        self._check_fitted()
        users = self._check_users(users)
        items = np.asarray(items)
        if items.ndim == 0:
            items = items.reshape(1)
        if items.shape != users.shape or (items.size and not np.issubdtype(items.dtype, np.integer)):
            raise ModelError(f"{self.name}: score needs equal-length arrays of user and item indices")
        items = items.astype(np.int64)
        bad = items[(items < 0) | (items >= self.n_items_)]
        if bad.size:
            raise ModelError(
                f"{self.name}: unknown item index {int(bad[0])}; the model knows item indices "
                f"0..{self.n_items_ - 1}"
            )
        return self._pair_scores(users, items)

    def _pair_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        out = np.empty(len(users), dtype=np.float32)
        uniq, inverse = np.unique(users, return_inverse=True)
        step = chunk_rows(self.n_items_)
        for start in range(0, len(uniq), step):
            block = self._scores(uniq[start : start + step])
            sel = (inverse >= start) & (inverse < start + step)
            out[sel] = block[inverse[sel] - start, items[sel]]
        return out


def chunk_rows(n_cols: int) -> int:
    """Rows of an ``n_cols``-wide score block computed at once: at most :data:`CHUNK_CELLS`
    cells and within ``FAIRREC_MAX_DENSE_BYTES`` (a single row that does not fit is refused)."""
    budget = current().max_dense_bytes // CELL_BYTES
    check_dense((1, n_cols), np.float32, what="one row of scores")
    return max(1, min(CHUNK_CELLS, budget) // max(1, int(n_cols)))


def top_k(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-``k`` of a score block, best first, ties to the lower item index; ``-inf``
    cells come back as item ``-1``."""
    n, m = block.shape
    if k < m:
        part = np.argpartition(block, m - k, axis=1)[:, m - k :]
        vals = np.take_along_axis(block, part, axis=1)
        # rows where the k-th value is tied with cells left out: take the lowest indices
        thresh = vals.min(axis=1)
        tied = np.flatnonzero((block >= thresh[:, None]).sum(axis=1) > k)
        if len(tied):
            sub, th = block[tied], thresh[tied][:, None]
            eq = sub == th
            need = k - (sub > th).sum(axis=1)
            take = (sub > th) | (eq & (np.cumsum(eq, axis=1) <= need[:, None]))
            part[tied] = np.nonzero(take)[1].reshape(len(tied), k)
            vals[tied] = np.take_along_axis(sub, part[tied], axis=1)
    else:
        part = np.broadcast_to(np.arange(m), (n, m)).copy()
        vals = block.copy()
    order = np.lexsort((part, -vals), axis=1)
    items = np.take_along_axis(part, order, axis=1).astype(np.int64)
    scores = np.take_along_axis(vals, order, axis=1).astype(np.float32)
    items[np.isneginf(scores)] = -1
    return items, scores


def binary_matrix(data) -> sp.csr_matrix:
    """The user x item 0/1 matrix of a dataset's interactions (every interaction a positive)."""
    m = data.matrix
    out = sp.csr_matrix(
        (np.ones(len(m.indices), dtype=np.float32), m.indices.copy(), m.indptr.copy()),
        shape=m.shape,
    )
    out.sort_indices()
    return out
