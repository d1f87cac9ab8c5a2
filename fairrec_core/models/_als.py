"""Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky
2008, "Collaborative Filtering for Implicit Feedback Datasets"), with user and item biases.

Every (user, item) cell is fitted: preference 1 with confidence ``1 + alpha`` for an
interaction, preference 0 with confidence 1 otherwise; the model is ``x_u . y_i + b_u + b_i``.
Each half-step solves the regularised weighted least squares of all users (or items) at once by
a few warm-started conjugate-gradient steps (Takacs et al. 2011, :mod:`._als_solve`).

Interaction weights (a ``"weight"`` column, :mod:`fairrec_core.rebalance`) are split per user as
``w_ui = wbar_u * v_ui`` (``wbar_u`` the mean of the user's weights): the objective is
``sum_u wbar_u (data term of u + reg |x_u|^2)`` with an interaction's confidence ``1 + alpha v_ui``.
So a user's own half-step sees only the relative weights among the user's interactions, and the
user's weight ``wbar_u`` multiplies every cell of the user's row in the item step — rebalancing
the user groups changes what the items learn (as duplicating rows would), not how closely each
user is fitted. (Scaling the confidence by ``w`` itself would give an up-weighted group a larger
effective ``alpha``: on shops with no planted gap that alone created significant group gaps.)

In-processing fairness (issue 11): ``fairness="user_gap"`` or ``"item_exposure"`` with weight
``fairness_weight`` (see :mod:`._als_fair`), and ``leakage_attr``: after training the user factors are projected onto the orthogonal complement of the attribute's
linear directions and the items are fitted again to the projected users (:mod:`._als_leak`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from fairrec_core.errors import ModelError
from fairrec_core.models._als_fair import damp, exposure_shift, user_gap_scale, user_losses
from fairrec_core.models._als_leak import remove_attribute
from fairrec_core.models._als_solve import solve_side
from fairrec_core.models._base import Progress, Recommender, binary_matrix
from fairrec_core.models._validation import (
    EarlyStopping,
    check_fraction,
    holdout,
    report_stop,
    validation_ndcg,
)
from fairrec_core.models._weights import weight_matrix

#: The half-step under its former name (tests/models/test_models_known_answers.py imports it).
_solve_side = solve_side


def _positive_int(name: str, key: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ModelError(f"{name}: {key} must be a positive integer, got {value!r}")


@dataclass
class _Terms:
    """What one fit's alternations need besides the two matrices: the extra confidence of each
    interaction in either orientation (None: the constant ``alpha``), the fairness groups and
    the leakage labels."""

    extra: np.ndarray | None = None
    extra_t: np.ndarray | None = None
    user_codes: np.ndarray | None = None
    item_codes: np.ndarray | None = None
    leak_labels: np.ndarray | None = None
    user_scale: np.ndarray | None = None
    user_weight: np.ndarray | None = None  # wbar_u of interaction weights (the item step's)

    def item_scale(self) -> np.ndarray | None:
        """The users' factors in the item step: interaction weights times the user_gap's."""
        if self.user_weight is None:
            return self.user_scale
        if self.user_scale is None:
            return self.user_weight
        return (self.user_weight * self.user_scale).astype(np.float32)


class ALS(Recommender):
    """Implicit ALS with biases. ``factors``: latent dimensions; ``reg``: L2 penalty;
    ``alpha``: extra confidence of an interaction; ``iterations``: at most this many
    alternations, stopped early when validation NDCG@10 has not improved for ``patience``
    iterations (``validation`` is the held-out fraction of the training interactions; 0 turns
    early stopping off). After early stopping one last alternation uses all interactions.

    ``fairness`` (one of :attr:`FAIRNESS`) with weight ``fairness_weight`` >= 0 adds a penalty
    on the gap between groups of ``fairness_attr`` (a user attribute for ``"user_gap"``, an item
    attribute for ``"item_exposure"``); ``leakage_attr`` (a user attribute, "" for none) removes
    that attribute's linear directions (at most ``leakage_rounds``) from the user factors after
    training and refits the items to them. ``"none"`` or weight 0 and no ``leakage_attr`` train exactly the plain model."""

    name = "als"
    _arrays = ("user_factors_", "item_factors_", "user_bias_", "item_bias_")
    _array_shapes = {
        "user_factors_": (("users", "factors"), "float32", None),
        "item_factors_": (("items", "factors"), "float32", None),
        "user_bias_": (("users",), "float32", None),
        "item_bias_": (("items",), "float32", None),
    }
    _scalars = ("iterations_",)
    takes_weights = True
    FAIRNESS: ClassVar[tuple[str, ...]] = ("none", "user_gap", "item_exposure")
    #: ``fairness_weight`` at full strength of the Mitigation sweep, chosen by the scans of
    #: benchmarks/bench_fair_als.py: user_gap 10 all but closes the gender gap in training loss
    #: per interaction on MovieLens 100K (beyond it the reweighting destabilises training);
    #: item_exposure 10 brings the small brands' mean score to the large ones' on the demo shop
    #: (more changes nothing: the groups' mean scores are then equal).
    FAIRNESS_FULL: ClassVar[dict[str, float]] = {"user_gap": 10.0, "item_exposure": 10.0}

    def __init__(
        self,
        factors: int = 64,
        reg: float = 40.0,
        alpha: float = 5.0,
        iterations: int = 15,
        cg_steps: int = 3,
        validation: float = 0.05,
        patience: int = 3,
        fairness: str = "none",
        fairness_weight: float = 0.0,
        fairness_attr: str = "gender",
        leakage_attr: str = "",
        leakage_rounds: int = 4,
        random_state: int = 42,
    ):
        self.factors = factors
        self.reg = reg
        self.alpha = alpha
        self.iterations = iterations
        self.cg_steps = cg_steps
        self.validation = validation
        self.patience = patience
        self.fairness = fairness
        self.fairness_weight = fairness_weight
        self.fairness_attr = fairness_attr
        self.leakage_attr = leakage_attr
        self.leakage_rounds = leakage_rounds
        self.random_state = random_state

    def _check_params(self) -> None:
        for key in ("factors", "iterations", "cg_steps", "patience", "leakage_rounds"):
            _positive_int("als", key, getattr(self, key))
        if not float(self.reg) >= 0:
            raise ModelError(f"als: reg must be zero or positive, got {self.reg!r}")
        if not float(self.alpha) > 0:
            raise ModelError(f"als: alpha must be positive, got {self.alpha!r}")
        check_fraction("als", self.validation)
        if self.fairness not in self.FAIRNESS:
            raise ModelError(f"als: fairness must be one of {', '.join(self.FAIRNESS)}, "
                             f"got {self.fairness!r}")
        if not (np.isfinite(float(self.fairness_weight)) and float(self.fairness_weight) >= 0):
            raise ModelError(f"als: fairness_weight must be zero or positive, "
                             f"got {self.fairness_weight!r}")
        for key in ("fairness_attr", "leakage_attr"):
            if not isinstance(getattr(self, key), str):
                raise ModelError(f"als: {key} must be an attribute name (text), "
                                 f"got {getattr(self, key)!r}")

    def _terms(self, train, m: sp.csr_matrix) -> tuple[_Terms, sp.csr_matrix]:
        """The fit's :class:`_Terms` and the item x user matrix (in the order of ``extra_t``)."""
        # imported here: the fairness groups use the audit's label rule and the projection uses
        # scikit-learn, neither needed to load or use a plain model
        from fairrec_core.fairtrain._groups import group_codes

        terms = _Terms()
        w = weight_matrix(train)
        lam = float(self.fairness_weight)
        fair = self.fairness != "none" and lam > 0
        if w is None:
            mt = m.T.tocsr()
            if fair:
                terms.extra = np.full(m.nnz, float(self.alpha), dtype=np.float32)
                terms.extra_t = terms.extra
        else:
            counts = np.diff(w.indptr)
            rows = np.repeat(np.arange(w.shape[0]), counts)
            sums = np.bincount(rows, weights=w.data.astype(np.float64), minlength=w.shape[0])
            wbar = np.ones(w.shape[0], dtype=np.float64)  # 1 for a user without interactions
            wbar[counts > 0] = sums[counts > 0] / counts[counts > 0]
            denom = wbar[rows]
            rel = np.divide(w.data, denom, out=np.zeros(len(rows)), where=denom > 0)
            terms.user_weight = wbar.astype(np.float32)
            terms.extra = (float(self.alpha) * rel).astype(np.float32)
            e = w.copy()
            e.data = terms.extra
            et = e.T.tocsr()
            et.sort_indices()
            terms.extra_t = et.data
            mt = sp.csr_matrix((np.ones(et.nnz, np.float32), et.indices, et.indptr), shape=et.shape)
        if fair and self.fairness == "user_gap":
            terms.user_codes = group_codes(train, self.fairness_attr, "user")[0]
        if fair and self.fairness == "item_exposure":
            terms.item_codes = group_codes(train, self.fairness_attr, "item")[0]
        if self.leakage_attr:
            group_codes(train, self.leakage_attr, "user")  # a clear error for a wrong name
            terms.leak_labels = train.user_groups(self.leakage_attr).to_numpy()
        return terms, mt

    def _alternate(self, m: sp.csr_matrix, mt: sp.csr_matrix, terms: _Terms | None = None) -> None:
        """A user half-step then an item half-step; with user_gap, the next IRLS weights."""
        alpha, reg, steps = float(self.alpha), float(self.reg), int(self.cg_steps)
        t = terms or _Terms()
        u = solve_side(
            m, np.hstack([self.user_factors_, self.user_bias_[:, None]]),
            self.item_factors_, self.item_bias_, alpha, reg, steps,
            extra=t.extra, row_scale=t.user_scale,
        )
        self.user_factors_, self.user_bias_ = u[:, :-1].copy(), u[:, -1].copy()
        self._item_step(mt, t)
        if t.user_codes is not None:  # the next alternation's weights (IRLS)
            losses = user_losses(m, t.extra, self.user_factors_, self.user_bias_,
                                 self.item_factors_, self.item_bias_)
            new = user_gap_scale(losses, np.diff(m.indptr), t.user_codes,
                                 float(self.fairness_weight))
            t.user_scale = new if t.user_scale is None else damp(t.user_scale, new)

    def _item_step(self, mt: sp.csr_matrix, t: _Terms) -> None:
        """The item half-step (with the item_exposure bias shift when that is on)."""
        alpha, reg, steps = float(self.alpha), float(self.reg), int(self.cg_steps)
        v = solve_side(
            mt, np.hstack([self.item_factors_, self.item_bias_[:, None]]),
            self.user_factors_, self.user_bias_, alpha, reg, steps,
            extra=t.extra_t, col_scale=t.item_scale(),
        )
        self.item_factors_, self.item_bias_ = v[:, :-1].copy(), v[:, -1].copy()
        if t.item_codes is not None:
            self.item_bias_ = self.item_bias_ + exposure_shift(
                mt, t.extra_t, self.user_factors_, self.user_bias_, self.item_factors_,
                self.item_bias_, reg, t.item_codes, float(self.fairness_weight))

    def _fit(self, train, progress) -> None:
        rng = np.random.default_rng(self.random_state)
        f = int(self.factors)
        self.user_factors_ = (rng.standard_normal((self.n_users_, f)) * 0.01).astype(np.float32)
        self.item_factors_ = (rng.standard_normal((self.n_items_, f)) * 0.01).astype(np.float32)
        self.user_bias_ = np.zeros(self.n_users_, dtype=np.float32)
        self.item_bias_ = np.zeros(self.n_items_, dtype=np.float32)
        fit, val = holdout(train, check_fraction("als", self.validation), int(self.random_state))
        m = binary_matrix(fit)
        terms, mt = self._terms(fit, m)
        total = int(self.iterations)
        stopper = EarlyStopping(int(self.patience))
        best = best_scale = None
        for it in range(1, total + 1):
            self._alternate(m, mt, terms)
            score = None
            if val is not None:
                score = validation_ndcg(self._scores, fit, val)
                if stopper.update(it, score):
                    best, best_scale = self._state(), terms.user_scale
            if progress is not None:
                progress(Progress(it, total, None, score, f"iteration {it}/{total}"))
            if val is not None and stopper.stop:
                break
        self.iterations_ = it
        if val is not None:
            self._set_state(best)
            self.iterations_ = stopper.best_epoch + 1
            report_stop(progress, stopper, it, total, "iteration")
            full = binary_matrix(train)
            terms_full, full_t = self._terms(train, full)
            terms_full.user_scale = best_scale  # the user_gap weights that came with it
            self._alternate(full, full_t, terms_full)  # the held-out interactions count too
            terms, mt = terms_full, full_t
        if terms.leak_labels is not None:
            self.user_factors_ = remove_attribute(self.user_factors_, terms.leak_labels,
                                                  int(self.leakage_rounds), int(self.random_state))
            self._item_step(mt, terms)

    def _state(self):
        return tuple(getattr(self, a).copy() for a in self._arrays)

    def _set_state(self, state) -> None:
        for a, v in zip(self._arrays, state, strict=True):
            setattr(self, a, v)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return (
            self.user_factors_[users] @ self.item_factors_.T
            + self.user_bias_[users][:, None]
            + self.item_bias_[None, :]
        )

    def _pair_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots = np.einsum("ij,ij->i", self.user_factors_[users], self.item_factors_[items])
        return (dots + self.user_bias_[users] + self.item_bias_[items]).astype(np.float32)
