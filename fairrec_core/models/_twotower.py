"""Neural two-tower model (PyTorch): each tower fuses an id embedding with embedded side
features by concatenation and an MLP; the score is the dot product of the two towers.

User features (gender, age group, region by default) and item features (category, brand, price
band) are used where the dataset has them. During training the user id embedding is dropped with
probability ``id_dropout``, so the feature path learns to serve users with few or no
interactions; users without training interactions are served by their features only.

With ``item_text`` the item tower also reads each item's text: its frozen all-MiniLM-L6-v2
embedding (:func:`fairrec_core.text.item_embeddings`, 384 numbers), linearly projected to
``feature_dim`` and fused with the other inputs (feature fusion). The embeddings are a
non-trainable buffer of the network, so they are saved and loaded with its weights.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender
from fairrec_core.models._dpsgd import check_private, private_report
from fairrec_core.models._features import feature_codes
from fairrec_core.models._torch import (
    FULL_SOFTMAX_ITEMS,
    TowerRows,
    check_positive_float,
    check_positive_int,
    positive_lookup,
    sample_negatives,
    seeded,
    softmax_logits,
    softmax_loss,
    tower_vectors,
)
from fairrec_core.models._torch_fair import (
    FAIRNESS,
    YAO_HUANG,
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
from fairrec_core.text import TEXT_DIM

#: Sampled negatives per interaction for the Yao & Huang penalties.
FAIR_NEGATIVES = 4


def _tower_class():
    import torch
    from torch import nn

    class Tower(nn.Module):
        """id embedding ++ feature embeddings [++ projected text] -> Linear -> ReLU -> Linear."""

        def __init__(self, n_ids: int, sizes, dim: int, feature_dim: int, hidden: int,
                     text_dim: int = 0):
            super().__init__()
            self.ids = nn.Embedding(n_ids, dim)
            nn.init.normal_(self.ids.weight, std=0.05)
            self.features = nn.ModuleList(nn.Embedding(int(s), feature_dim) for s in sizes)
            width = dim + feature_dim * len(self.features)
            self.mlp = nn.Sequential(nn.Linear(width + (feature_dim if text_dim else 0), hidden),
                                     nn.ReLU(), nn.Linear(hidden, dim))
            # the frozen text embeddings: a buffer (saved with the weights, never trained)
            self.register_buffer("text", torch.zeros(n_ids, text_dim) if text_dim else None)
            if text_dim:
                self.project = nn.Linear(text_dim, feature_dim)

        def forward(self, ids, codes, keep_id=None):
            e = self.ids(ids)
            if keep_id is not None:
                e = e * keep_id[:, None]
            return self.head(e, ids, codes)

        def head(self, e, ids, codes):
            """The tower's output from the id embeddings ``e`` already looked up (DP-SGD
            passes a user's own row in; ``ids`` index the text embeddings)."""
            parts = [e] + [emb(codes[:, j]) for j, emb in enumerate(self.features)]
            if self.text is not None:
                parts.append(self.project(self.text.index_select(0, ids)))
            return self.mlp(torch.cat(parts, dim=1)) + e

    class TwoTowerNet(nn.Module):
        def __init__(self, n_users, n_items, user_sizes, item_sizes, dim, feature_dim, hidden,
                     text_dim=0):
            super().__init__()
            self.user = Tower(n_users, user_sizes, dim, feature_dim, hidden)
            self.item = Tower(n_items, item_sizes, dim, feature_dim, hidden, text_dim)
            self.item_bias = nn.Parameter(torch.zeros(n_items))

    return TwoTowerNet


class TwoTower(Recommender):
    """Two-tower model trained with a softmax over the catalogue (AdamW, learning rate ``lr``,
    ``weight_decay``), at most ``epochs`` epochs with early stopping on validation NDCG@10
    (``validation``: held-out fraction of the training interactions, 0 turns it off;
    ``patience`` epochs). ``dim``: output and id embedding size; ``feature_dim``: size of each
    feature embedding; ``hidden``: MLP width.

    Fairness (issue 11, see :mod:`fairrec_core.models._torch_fair`): a ``"weight"`` column
    weighs each interaction's cross-entropy (weighted mean); ``fairness`` adds
    ``fairness_weight`` times a penalty to each batch's loss — ``user_gap``: the spread of the
    user groups' mean cross-entropy; ``item_exposure``: the spread of the item groups' mean
    softmax share per item, times the number of items (1 = uniform exposure); the Yao & Huang
    kinds on the batch's positives (label 1) and :data:`FAIR_NEGATIVES` sampled negatives per
    interaction (label 0), predicted
    ``sigmoid(score)``. ``leakage_attr`` removes that attribute's linear directions from the
    user vectors after training (``leakage_rounds`` rounds).

    ``item_text``: also feed each item's text embedding to the item tower (see the module
    docstring); the embeddings come from the cache of :mod:`fairrec_core.text` (folder
    ``$FAIRREC_CACHE``, default ``~/.cache/fairrec``) or are computed once and stored there.

    Differential privacy (issue 17, :mod:`fairrec_core.models._dpsgd_twotower`):
    ``dp_epsilon > 0`` trains by DP-SGD with per-user clipping — each Poisson-sampled user's
    sampled softmax over ``dp_positives`` of their interactions against ``dp_negatives``
    uniform items; every shared parameter (item tower, item biases, the user tower's feature
    embeddings and MLP) clipped to ``dp_clip`` per user and noised; user id rows from their own
    user's loss only (joint DP) — for exactly ``epochs`` epochs without validation, ``dp_delta``
    and ``dp_sample`` as BPR's; the accountant's ε at ``dp_delta`` is ``dp_epsilon_spent_``
    (None without DP). Not with fairness penalties, interaction weights or the leakage
    projection. ``dp_epsilon=0`` is the ordinary training."""

    name = "twotower"
    takes_weights: ClassVar[bool] = True
    FAIRNESS: ClassVar[tuple[str, ...]] = FAIRNESS
    #: λ of the Mitigation sweep at strength 1: item_exposure from a scan on the demo shop's
    #: brand tiers (λ 0.02, 0.04, 0.07, 0.1; benchmarks/bench_fair_torch.py --models twotower
    #: --items): 0.07 cut small brands' top-10 shortfall 0.202 -> 0.062 at -2.9% NDCG@10;
    #: user_gap not scanned for lack of time: BPR's value.
    FAIRNESS_FULL: ClassVar[dict[str, float]] = {"user_gap": 0.3, "item_exposure": 0.07}
    _arrays = (
        "user_vectors_", "item_vectors_", "item_bias_",
        "user_codes_", "item_codes_", "user_sizes_", "item_sizes_",
    )
    _array_shapes = {
        "user_vectors_": (("users", "dim"), "float32", None),
        "item_vectors_": (("items", "dim"), "float32", None),
        "item_bias_": (("items",), "float32", None),
        "user_codes_": (("users", "user_columns"), "int64", None),
        "item_codes_": (("items", "item_columns"), "int64", None),
        "user_sizes_": (("user_columns",), "int64", None),
        "item_sizes_": (("item_columns",), "int64", None),
    }
    _scalars = ("user_features_used_", "item_features_used_", "epochs_", "dp_epsilon_spent_")
    #: Hyperparameters that size the network (checked against the saved weights on load).
    _module_params = ("dim", "feature_dim", "hidden")

    def __init__(
        self,
        dim: int = 32,
        feature_dim: int = 16,
        hidden: int = 128,
        epochs: int = 40,
        lr: float = 0.006,
        weight_decay: float = 1.0,
        batch_size: int = 2048,
        id_dropout: float = 0.1,
        user_features: tuple[str, ...] = ("gender", "age_group", "region"),
        item_features: tuple[str, ...] = ("category", "brand", "price_band"),
        item_text: bool = False,
        validation: float = 0.05,
        patience: int = 5,
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
        dp_negatives: int = 64,
        random_state: int = 42,
    ):
        self.dim = dim
        self.feature_dim = feature_dim
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.id_dropout = id_dropout
        self.user_features = user_features
        self.item_features = item_features
        self.item_text = item_text
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
        self.dp_negatives = dp_negatives
        self.random_state = random_state

    def _check_params(self) -> None:
        check_positive_int("dim feature_dim hidden epochs batch_size patience", self)
        check_positive_float("lr", self)
        check_positive_float("weight_decay", self, allow_zero=True)
        if not 0.0 <= float(self.id_dropout) < 1.0:
            raise ModelError(f"twotower: id_dropout must be in [0, 1), got {self.id_dropout!r}")
        for key in ("user_features", "item_features"):
            value = getattr(self, key)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ModelError(f"twotower: {key} must be a tuple of column names, got {value!r}")
        if not isinstance(self.item_text, bool | np.bool_):
            raise ModelError(f"twotower: item_text must be true or false, got {self.item_text!r}")
        check_fraction(self.name, self.validation)
        check_fairness(self)
        check_private(self)
        check_positive_int("dp_negatives", self)

    def _check_loaded(self) -> str | None:
        """What is inconsistent in loaded arrays (codes outside their feature's size), or None."""
        for side in ("user", "item"):
            codes, sizes = getattr(self, f"{side}_codes_"), getattr(self, f"{side}_sizes_")
            used = getattr(self, f"{side}_features_used_")
            if len(used) != len(sizes):
                return f"{side}_sizes_ has {len(sizes)} entries for {len(used)} {side} features"
            if (sizes < 1).any():
                return f"{side}_sizes_ holds a size below 1"
            if codes.size and ((codes < 0) | (codes >= sizes[None, :])).any():
                return f"{side}_codes_ holds a code outside its feature's size"
        return None

    def _build_module(self):
        return _tower_class()(
            self.n_users_, self.n_items_, list(self.user_sizes_), list(self.item_sizes_),
            int(self.dim), int(self.feature_dim), int(self.hidden),
            TEXT_DIM if self.item_text else 0,
        )

    def _fit(self, train, progress) -> None:
        import torch

        self.user_features_used_, self.user_codes_, self.user_sizes_ = feature_codes(
            train.users, self.user_features)
        self.item_features_used_, self.item_codes_, self.item_sizes_ = feature_codes(
            train.items, self.item_features)
        text = self._text(train, progress) if self.item_text else None
        self.dp_epsilon_spent_ = None
        if float(self.dp_epsilon) > 0:
            self._fit_private(train, text, progress)
            return
        fit, val = holdout(train, check_fraction(self.name, self.validation), int(self.random_state))
        inter = fit.interactions
        users = inter["user"].to_numpy(np.int64)
        items = inter["item"].to_numpy(np.int64)
        rng = np.random.default_rng(self.random_state)
        user_codes = torch.from_numpy(self.user_codes_)
        item_codes = torch.from_numpy(self.item_codes_)
        all_items = torch.arange(self.n_items_)
        # users without fit interactions have untrained ids: serve them by features only
        cold = fit.user_counts == 0
        weights = loss_weights(fit)
        fair = active(fair_term(self, train))
        is_positive = (positive_lookup(users, items, self.n_users_, self.n_items_)
                       if fair is not None and fair.kind in YAO_HUANG else None)
        with seeded(self.random_state):
            net = self._build_module()
            if text is not None:
                net.item.text.copy_(torch.from_numpy(text))
            opt = torch.optim.AdamW(
                net.parameters(), lr=float(self.lr), weight_decay=float(self.weight_decay)
            )
            total = int(self.epochs)
            stopper = EarlyStopping(int(self.patience))
            best = None
            n_batch, drop = int(self.batch_size), float(self.id_dropout)
            for epoch in range(1, total + 1):
                net.train()
                order = rng.permutation(len(users))
                epoch_loss = 0.0
                for start in range(0, len(order), n_batch):
                    sel = order[start : start + n_batch]
                    u = torch.from_numpy(users[sel])
                    keep = torch.from_numpy((rng.random(len(sel)) >= drop).astype(np.float32))
                    query = net.user(u, user_codes[u], keep)
                    # a sampled softmax needs only the batch's rows of the item tower
                    vectors = (net.item(all_items, item_codes)
                               if fair is not None or self.n_items_ <= FULL_SOFTMAX_ITEMS
                               else TowerRows(net.item, item_codes, self.n_items_))
                    targets = torch.from_numpy(items[sel])
                    if weights is None and fair is None:
                        loss = objective = softmax_loss(query, vectors, targets, rng, net.item_bias)
                    else:
                        loss, objective = self._fair_loss(
                            query, vectors, net.item_bias, targets, sel, users, weights, fair,
                            is_positive, rng)
                    opt.zero_grad()
                    objective.backward()
                    opt.step()
                    epoch_loss += float(loss.detach()) * len(sel)
                self._take(net, cold)
                score = None
                if val is not None:
                    score = validation_ndcg(self._scores, fit, val)
                    if stopper.update(epoch, score):
                        best = {k: v.detach().clone() for k, v in net.state_dict().items()}
                if progress is not None:
                    progress(Progress(epoch, total, epoch_loss / len(order), score,
                                      f"epoch {epoch}/{total}"))
                if val is not None and stopper.stop:
                    break
        self.epochs_ = epoch
        if val is not None:
            net.load_state_dict(best)
            self.epochs_ = stopper.best_epoch
            report_stop(progress, stopper, epoch, total, "epoch")
        self._take(net, train.user_counts == 0)
        self.user_vectors_ = project_users(self, train, self.user_vectors_)
        self.module_ = net.eval()

    def _fit_private(self, train, text, progress) -> None:
        import torch

        from fairrec_core.models._dpsgd_twotower import fit_private

        report = private_report(self, train, progress)
        with seeded(self.random_state):
            net = self._build_module()
            if text is not None:
                net.item.text.copy_(torch.from_numpy(text))
            self.dp_epsilon_spent_ = fit_private(self, train, net, report)
        self._take(net, train.user_counts == 0)
        self.module_ = net.eval()

    def _text(self, train, progress) -> np.ndarray:
        """The items' text embeddings, reporting the encoding as step 0 of the training."""
        from fairrec_core.text import item_embeddings

        def report(done: int, n: int) -> None:
            if progress is not None:
                progress(Progress(0, int(self.epochs), None, None,
                                  f"embedding item texts {done}/{n}"))

        return item_embeddings(train, progress=report)

    def _fair_loss(self, query, vectors, bias, targets, sel, users, weights, fair, is_positive,
                   rng):
        """``(loss, loss + penalty)`` of a batch with interaction weights and/or a penalty."""
        import torch

        logits, columns, negs = softmax_logits(query, vectors, targets, rng, bias)
        rows = torch.nn.functional.cross_entropy(logits, columns, reduction="none")
        if weights is None:
            loss = rows.mean()
        else:  # weighted mean of the interactions' losses (weights of mean 1)
            loss = (rows * weights.index_select(0, torch.from_numpy(sel))).mean()
        if fair is None:
            return loss, loss
        u = torch.from_numpy(users[sel])
        share = torch.softmax(logits, dim=1)
        # each item's share times the number of items it is spread over: 1 = uniform exposure
        exposure, exposure_items = ((share * self.n_items_, torch.arange(self.n_items_))
                                    if negs is None else (share[:, 1:] * len(negs), negs))
        pos = neg = neg_items = None
        if fair.kind in YAO_HUANG:
            pos = logits.gather(1, columns[:, None])[:, 0]
            neg_items = torch.from_numpy(
                sample_negatives(rng, users[sel], self.n_items_, is_positive, FAIR_NEGATIVES))
            neg_vectors = vectors.index_select(0, neg_items.reshape(-1)).reshape(
                len(sel), FAIR_NEGATIVES, -1)
            neg = (query[:, None, :] * neg_vectors).sum(-1) + bias.index_select(
                0, neg_items.reshape(-1)).reshape(len(sel), FAIR_NEGATIVES)
        return loss, loss + fair.penalty(
            users=u, row_losses=rows, exposure=exposure, exposure_items=exposure_items,
            pos=pos, pos_items=targets, neg=neg, neg_items=neg_items)

    def _take(self, net, cold: np.ndarray) -> None:
        """Precompute both towers for every user and item (what recommend uses); ``cold``
        users (no interactions) get the features-only user vector."""
        self.user_vectors_, self.item_vectors_, self.item_bias_ = tower_vectors(
            net, self.user_codes_, self.item_codes_, cold)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self.user_vectors_[users] @ self.item_vectors_.T + self.item_bias_[None, :]

    def _pair_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots = np.einsum("ij,ij->i", self.user_vectors_[users], self.item_vectors_[items])
        return (dots + self.item_bias_[items]).astype(np.float32)
