"""SASRec (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation"), PyTorch: a causal
transformer over each user's chronological history; the state after the latest item scores the
next item. All positions of a sequence are trained at once (next-item softmax at each position).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress, Recommender
from fairrec_core.models._torch import (
    check_positive_float,
    check_positive_int,
    seeded,
    softmax_loss,
)
from fairrec_core.models._validation import (
    EarlyStopping,
    check_fraction,
    holdout_last,
    report_stop,
    validation_ndcg,
)


def _net_class():
    import torch
    from torch import nn

    class SASRecNet(nn.Module):
        def __init__(self, n_items: int, dim: int, blocks: int, heads: int, max_len: int,
                     dropout: float):
            super().__init__()
            self.scale = math.sqrt(dim)
            self.items = nn.Embedding(n_items + 1, dim, padding_idx=0)  # 0 = padding
            nn.init.normal_(self.items.weight[1:], std=dim**-0.5)
            self.positions = nn.Embedding(max_len, dim)
            self.dropout = nn.Dropout(dropout)
            layer = nn.TransformerEncoderLayer(
                dim, heads, dim_feedforward=dim, dropout=dropout, batch_first=True,
                norm_first=True,
            )
            self.encoder = nn.TransformerEncoder(layer, blocks, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(dim)
            causal = torch.triu(torch.full((max_len, max_len), float("-inf")), diagonal=1)
            self.register_buffer("causal", causal, persistent=False)

        def forward(self, seq):
            """``seq``: ``[batch, max_len]`` item index + 1, left-padded with 0."""
            valid = (seq > 0).unsqueeze(-1).float()
            x = self.items(seq) * self.scale + self.positions.weight.unsqueeze(0)
            x = self.dropout(x) * valid
            h = self.encoder(x, mask=self.causal)
            return self.norm(h) * valid

        def item_vectors(self):
            return self.items.weight[1:]

    return SASRecNet


def _windows(sequences, max_len: int) -> np.ndarray:
    """The last ``max_len`` items of each sequence as ``index + 1``, left-padded with 0."""
    out = np.zeros((len(sequences), max_len), dtype=np.int64)
    for r, seq in enumerate(sequences):
        tail = seq[-max_len:]
        if len(tail):
            out[r, max_len - len(tail) :] = tail + 1
    return out


class SASRec(Recommender):
    """Self-attentive sequential model: ``blocks`` transformer layers of width ``dim`` with
    ``heads`` heads over the latest ``max_len`` items, ``dropout``; Adam with learning rate
    ``lr``, ``batch_size`` sequences per step, at most ``epochs`` passes with early stopping on
    validation NDCG@10: ``validation`` is the fraction of users whose latest interaction is held
    out (0 turns it off), ``patience`` epochs."""

    name = "sasrec"
    #: Interaction weights are refused: a sequence model learns from each user's order of
    #: interactions, where a per-interaction weight has no agreed meaning.
    takes_weights: ClassVar[bool] = False
    _arrays = ("user_vectors_", "item_vectors_")
    _array_shapes = {
        "user_vectors_": (("users", "dim"), "float32", None),
        "item_vectors_": (("items", "dim"), "float32", None),
    }
    _scalars = ("epochs_",)
    #: Hyperparameters that size the network (checked against the saved weights on load).
    _module_params = ("dim", "blocks", "heads", "max_len")

    def __init__(
        self,
        dim: int = 64,
        blocks: int = 2,
        heads: int = 1,
        max_len: int = 50,
        dropout: float = 0.3,
        epochs: int = 200,
        lr: float = 0.003,
        batch_size: int = 128,
        validation: float = 0.25,
        patience: int = 10,
        random_state: int = 42,
    ):
        self.dim = dim
        self.blocks = blocks
        self.heads = heads
        self.max_len = max_len
        self.dropout = dropout
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.validation = validation
        self.patience = patience
        self.random_state = random_state

    def _check_params(self) -> None:
        check_positive_int("dim blocks heads max_len epochs batch_size patience", self)
        check_positive_float("lr", self)
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ModelError(f"sasrec: dropout must be in [0, 1), got {self.dropout!r}")
        if int(self.dim) % int(self.heads):
            raise ModelError(f"sasrec: dim ({self.dim}) must be a multiple of heads ({self.heads})")
        check_fraction(self.name, self.validation)

    def _build_module(self):
        return _net_class()(
            self.n_items_, int(self.dim), int(self.blocks), int(self.heads), int(self.max_len),
            float(self.dropout),
        )

    def _fit(self, train, progress) -> None:
        import torch

        fit, val = holdout_last(
            train, check_fraction(self.name, self.validation), int(self.random_state)
        )
        length = int(self.max_len)
        sequences = fit.user_sequences()
        trainable = [s for s in sequences if len(s) >= 2]
        if not trainable:
            raise ModelError("sasrec: no user has two or more interactions to learn a sequence from")
        # inputs: items[:-1], targets: items[1:], both the latest max_len, left-padded
        inputs = _windows([s[:-1] for s in trainable], length)
        targets = _windows([s[1:] for s in trainable], length)
        rng = np.random.default_rng(self.random_state)
        with seeded(self.random_state):
            net = self._build_module()
            opt = torch.optim.Adam(net.parameters(), lr=float(self.lr), betas=(0.9, 0.98))
            total = int(self.epochs)
            stopper = EarlyStopping(int(self.patience))
            best = None
            for epoch in range(1, total + 1):
                net.train()
                order = rng.permutation(len(inputs))
                epoch_loss, n_pos = 0.0, 0
                for start in range(0, len(order), int(self.batch_size)):
                    sel = order[start : start + int(self.batch_size)]
                    seq = torch.from_numpy(inputs[sel])
                    tgt = torch.from_numpy(targets[sel])
                    hidden = net(seq)
                    at = tgt > 0
                    loss = softmax_loss(hidden[at], net.item_vectors(), tgt[at] - 1, rng)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    epoch_loss += float(loss.detach()) * int(at.sum())
                    n_pos += int(at.sum())
                score = None
                if val is not None:
                    self._take(net, sequences)
                    score = validation_ndcg(self._scores, fit, val)
                    if stopper.update(epoch, score):
                        best = {k: v.detach().clone() for k, v in net.state_dict().items()}
                if progress is not None:
                    progress(Progress(epoch, total, epoch_loss / max(1, n_pos), score,
                                      f"epoch {epoch}/{total}"))
                if val is not None and stopper.stop:
                    break
        self.epochs_ = epoch
        if val is not None:
            net.load_state_dict(best)
            self.epochs_ = stopper.best_epoch
            report_stop(progress, stopper, epoch, total, "epoch")
        self._take(net, train.user_sequences())
        self.module_ = net.eval()

    def _take(self, net, sequences) -> None:
        """Encode every user's latest ``max_len`` items (what recommend uses); users without
        history get the mean user vector."""
        import torch

        net.eval()
        windows = _windows(sequences, int(self.max_len))
        out = np.zeros((len(windows), int(self.dim)), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(windows), 512):
                h = net(torch.from_numpy(windows[start : start + 512]))
                out[start : start + 512] = h[:, -1].numpy()
            self.item_vectors_ = net.item_vectors().detach().numpy().copy()
        empty = windows[:, -1] == 0
        if empty.any() and not empty.all():
            out[empty] = out[~empty].mean(axis=0)
        self.user_vectors_ = out

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self.user_vectors_[users] @ self.item_vectors_.T

    def _pair_scores(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", self.user_vectors_[users], self.item_vectors_[items]).astype(
            np.float32
        )
