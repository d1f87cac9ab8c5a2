"""BPR-MF (Rendle et al. 2009, "BPR: Bayesian Personalized Ranking from Implicit Feedback"),
trained with PyTorch: each interaction should outrank items the user has not interacted with."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from fairrec_core.models._base import Progress, Recommender
from fairrec_core.models._dpsgd import check_private, fit_private, private_report
from fairrec_core.models._torch import (
    check_positive_float,
    check_positive_int,
    positive_lookup,
    sample_negatives,
    seeded,
)
from fairrec_core.models._torch_fair import (
    FAIRNESS,
    active,
    check_fairness,
    fair_term,
    loss_weights,
    project_users,
)
from fairrec_core.models._validation import (
    EarlyStopping,
    check_fraction,
    holdout,
    report_stop,
    validation_ndcg,
)


class BPR(Recommender):
    """Matrix factorisation ``u . v_i + b_i`` under the pairwise loss
    ``-log sigmoid(s_ui - s_uj)`` with ``negatives`` uniformly sampled items ``j`` per
    interaction, Adam with learning rate ``lr``, L2 penalty ``reg`` on the rows in the batch.
    Training runs at most ``epochs`` epochs and stops when validation NDCG@10 has not improved
    for ``patience`` epochs (``validation``: held-out fraction, 0 turns it off); the best epoch's
    factors are kept.

    Fairness (issue 11, see :mod:`fairrec_core.models._torch_fair`): a ``"weight"`` column
    weighs each interaction's loss (weighted mean); ``fairness`` adds ``fairness_weight`` times a
    penalty to each batch's loss — ``user_gap``: the spread of the user groups' mean pairwise
    loss; ``item_exposure``: the spread of the item groups' mean softmax share per item within
    each interaction's uniformly sampled negatives (a uniform sample of the catalogue, so the
    share an item of the group wins among random items, times their number so that 1 is
    uniform: a rank-sensitive exposure surrogate;
    the mean ``sigmoid(score)`` was tried first and widened the top-10 gap on the demo shop);
    the Yao & Huang kinds on the batch's cells, positives (label 1) and sampled negatives (label
    0), predicted ``sigmoid(score)``. ``leakage_attr`` removes that attribute's linear
    directions from the user factors after training (``leakage_rounds`` rounds).

    Differential privacy (issue 17, :mod:`fairrec_core.models._dpsgd`): ``dp_epsilon > 0``
    trains by DP-SGD with per-user clipping (Opacus; ``dp_delta``, ``dp_clip`` the per-user
    gradient norm, ``dp_sample`` users per expected batch, ``dp_positives`` interactions drawn
    per user and step) for exactly ``epochs`` epochs, without validation; the accountant's ε at
    ``dp_delta`` is ``dp_epsilon_spent_`` (None without DP). Not with fairness penalties,
    interaction weights or the leakage projection. ``dp_epsilon=0`` is the ordinary training."""

    name = "bpr"
    takes_weights: ClassVar[bool] = True
    FAIRNESS: ClassVar[tuple[str, ...]] = FAIRNESS
    #: λ of the Mitigation sweep at strength 1, from benchmarks/bench_fair_torch.py: the largest
    #: λ of the scan (0.01 ... 1 user_gap on ML-100K gender; 0.125 ... 1.25 item_exposure on the
    #: demo shop's brand tiers) whose NDCG@10 loss stays within about 2%: user_gap 0.3 (-2.0%;
    #: λ = 1 cost 17%), item_exposure 0.125 (-1.7%, small brands' shortfall cut 27%).
    FAIRNESS_FULL: ClassVar[dict[str, float]] = {"user_gap": 0.3, "item_exposure": 0.125}
    _arrays = ("user_factors_", "item_factors_", "item_bias_")
    _array_shapes = {
        "user_factors_": (("users", "factors"), "float32", None),
        "item_factors_": (("items", "factors"), "float32", None),
        "item_bias_": (("items",), "float32", None),
    }
    _scalars = ("epochs_", "dp_epsilon_spent_")

    def __init__(
        self,
        factors: int = 64,
        epochs: int = 60,
        lr: float = 0.01,
        reg: float = 0.01,
        negatives: int = 8,
        batch_size: int = 2048,
        validation: float = 0.05,
        patience: int = 10,
        fairness: str = "none",
        fairness_weight: float = 0.0,
        fairness_attr: str = "gender",
        leakage_attr: str = "",
        leakage_rounds: int = 4,
        dp_epsilon: float = 0.0,
        dp_delta: float = 1e-5,
        dp_clip: float = 1.0,
        dp_sample: int = 256,
        dp_positives: int = 16,
        random_state: int = 42,
    ):
        self.factors = factors
        self.epochs = epochs
        self.lr = lr
        self.reg = reg
        self.negatives = negatives
        self.batch_size = batch_size
        self.validation = validation
        self.patience = patience
        self.fairness = fairness
        self.fairness_weight = fairness_weight
        self.fairness_attr = fairness_attr
        self.leakage_attr = leakage_attr
        self.leakage_rounds = leakage_rounds
        self.dp_epsilon = dp_epsilon
        self.dp_delta = dp_delta
        self.dp_clip = dp_clip
        self.dp_sample = dp_sample
        self.dp_positives = dp_positives
        self.random_state = random_state

    def _check_params(self) -> None:
        check_positive_int("factors epochs negatives batch_size patience", self)
        check_positive_float("lr", self)
        check_positive_float("reg", self, allow_zero=True)
        check_fraction(self.name, self.validation)
        check_fairness(self)
        check_private(self)

    def _fit(self, train, progress) -> None:
        import torch

        self.dp_epsilon_spent_ = None
        if float(self.dp_epsilon) > 0:
            self._fit_private(train, progress)
            return
        fit, val = holdout(train, check_fraction(self.name, self.validation), int(self.random_state))
        inter = fit.interactions
        users = inter["user"].to_numpy(np.int64)
        items = inter["item"].to_numpy(np.int64)
        is_positive = positive_lookup(users, items, self.n_users_, self.n_items_)
        weights = loss_weights(fit)
        fair = active(fair_term(self, train))
        rng = np.random.default_rng(self.random_state)
        f, reg, n_neg = int(self.factors), float(self.reg), int(self.negatives)
        with seeded(self.random_state):
            user_emb = torch.nn.Parameter(torch.randn(self.n_users_, f) * 0.01)
            item_emb = torch.nn.Parameter(torch.randn(self.n_items_, f) * 0.01)
            item_bias = torch.nn.Parameter(torch.zeros(self.n_items_))
            params = [user_emb, item_emb, item_bias]
            opt = torch.optim.Adam(params, lr=float(self.lr))
            total = int(self.epochs)
            stopper = EarlyStopping(int(self.patience))
            best = None
            n_batch = int(self.batch_size)
            for epoch in range(1, total + 1):
                order = rng.permutation(len(users))
                negs = sample_negatives(rng, users[order], self.n_items_, is_positive, n_neg)
                epoch_loss = 0.0
                for start in range(0, len(order), n_batch):
                    sel = order[start : start + n_batch]
                    u = torch.from_numpy(users[sel])
                    i = torch.from_numpy(items[sel])
                    j = torch.from_numpy(negs[start : start + len(sel)])
                    eu = user_emb.index_select(0, u)
                    ei = item_emb.index_select(0, i)
                    ej = item_emb.index_select(0, j.reshape(-1)).reshape(len(sel), n_neg, f)
                    pos = (eu * ei).sum(-1) + item_bias.index_select(0, i)
                    neg = (eu[:, None, :] * ej).sum(-1) + item_bias.index_select(0, j.reshape(-1)).reshape(
                        len(sel), n_neg
                    )
                    cells = torch.nn.functional.logsigmoid(pos[:, None] - neg)
                    if weights is None:
                        loss = -cells.mean()
                    else:  # weighted mean of the interactions' losses (weights of mean 1)
                        loss = -(cells * weights.index_select(0, torch.from_numpy(sel))[:, None]).mean()
                    penalty = reg * (eu.pow(2).sum() + ei.pow(2).sum() + ej.pow(2).sum() / n_neg)
                    objective = loss + penalty / len(sel)
                    if fair is not None:
                        objective = objective + fair.penalty(
                            users=u, row_losses=-cells.mean(1), exposure=torch.softmax(neg, 1) * n_neg,
                            exposure_items=j, pos=pos, pos_items=i, neg=neg, neg_items=j,
                        )
                    opt.zero_grad()
                    objective.backward()
                    opt.step()
                    epoch_loss += float(loss.detach()) * len(sel)
                self._take(params)
                score = None
                if val is not None:
                    score = validation_ndcg(self._scores, fit, val)
                    if stopper.update(epoch, score):
                        best = tuple(getattr(self, a) for a in self._arrays)
                if progress is not None:
                    progress(Progress(epoch, total, epoch_loss / len(order), score, f"epoch {epoch}/{total}"))
                if val is not None and stopper.stop:
                    break
        self.epochs_ = epoch
        if val is not None:
            for a, v in zip(self._arrays, best, strict=True):
                setattr(self, a, v)
            self.epochs_ = stopper.best_epoch
            report_stop(progress, stopper, epoch, total, "epoch")
        self.user_factors_ = project_users(self, train, self.user_factors_)

    def _fit_private(self, train, progress) -> None:
        report = private_report(self, train, progress)
        with seeded(self.random_state):
            self.dp_epsilon_spent_ = fit_private(self, train, report)

    def _take(self, params) -> None:
        user_emb, item_emb, item_bias = (p.detach().numpy().copy() for p in params)
        self.user_factors_, self.item_factors_, self.item_bias_ = user_emb, item_emb, item_bias

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self.user_factors_[users] @ self.item_factors_.T + self.item_bias_[None, :]

    def _pair_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots = np.einsum("ij,ij->i", self.user_factors_[users], self.item_factors_[items])
        return (dots + self.item_bias_[items]).astype(np.float32)
