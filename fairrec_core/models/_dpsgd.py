"""DP-SGD training of BPR with per-user clipping (Opacus), for ``BPR(dp_epsilon=...)``.

The unit of privacy is one user with all of their training interactions. Every step draws a
Poisson sample of users (rate 1 / ceil(n_users / ``dp_sample``): about ``dp_sample`` users, as
many steps per epoch as batches of that size); each sampled user contributes one loss —
BPR's pairwise loss over ``dp_positives`` of their interactions (drawn with replacement), each
against ``negatives`` uniform items — whose gradient with respect to the shared parameters (item
factors and item biases) is clipped to norm ``dp_clip``; Gaussian noise is added to the sum
(Opacus' ``PrivacyEngine.make_private_with_epsilon``, which calibrates the noise multiplier to
``dp_epsilon`` at ``dp_delta`` for the fixed number of epochs; RDP accountant). The realised ε
at δ is read back from the accountant after training (``dp_epsilon_spent_``).

User factors are not shared between users: each user's row is updated from that user's own loss
only (plain Adam, outside Opacus), as in joint differential privacy (Kearns et al. 2014; Jain,
Thakkar & Thakurta 2018): what the model shows user *u* may depend on *u*'s own data, while the
item side — what every other user's recommendations are computed from — is DP. Publishing the
user factors themselves is not covered. There is no validation holdout and no early stopping
under DP (both would look at the users' data outside the accountant): training runs
``epochs`` epochs.

The pieces both DP-SGD models share live here too: :func:`check_private`, the plan of the
training (:func:`plan`: sampling rate, steps, Opacus' calibrated noise multiplier — the one
place the noise is calibrated), the users' interactions (:class:`UserItems`), and for models
whose per-user gradients come from ``torch.func`` rather than Opacus' hooks
(:mod:`fairrec_core.models._dpsgd_twotower`) the per-user clipping (:func:`clip_factors`) and
the Gaussian noise (:func:`noisy_mean`), as Opacus' ``DPOptimizer`` does them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from fairrec_core.errors import ModelError
from fairrec_core.models._base import Progress
from fairrec_core.models._torch import positive_lookup, sample_negatives
from fairrec_core.models._torch_fair import loss_weights


def private_report(model, train, progress):
    """The epoch callback ``report(epoch, total, loss)`` of a DP-SGD training (BPR's or the
    two-tower's) feeding ``progress``; ModelError first if ``train`` has interaction weights
    (DP-SGD's per-user sensitivity assumes each user's loss unweighted)."""
    if loss_weights(train) is not None:
        raise ModelError(f"{model.name}: interaction weights cannot be used with dp_epsilon")

    def report(epoch, total, loss):
        if progress is not None:
            progress(Progress(epoch, total, loss, None, f"epoch {epoch}/{total} (DP-SGD)"))

    return report


def check_private(model) -> None:
    """ModelError naming the DP parameter out of range, or a combination DP cannot honour."""
    name = model.name
    try:
        eps, delta, clip = float(model.dp_epsilon), float(model.dp_delta), float(model.dp_clip)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: dp_epsilon, dp_delta and dp_clip must be numbers") from None
    if not (math.isfinite(eps) and eps >= 0):
        raise ModelError(f"{name}: dp_epsilon must be a finite number >= 0 (0: no DP), got "
                         f"{model.dp_epsilon!r}")
    if eps == 0:
        return
    if not 0 < delta < 1:
        raise ModelError(f"{name}: dp_delta must be in (0, 1), got {model.dp_delta!r}")
    if not (math.isfinite(clip) and clip > 0):
        raise ModelError(f"{name}: dp_clip must be positive, got {model.dp_clip!r}")
    for key in ("dp_sample", "dp_positives"):
        value = getattr(model, key)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ModelError(f"{name}: {key} must be a positive integer, got {value!r}")
    if model.fairness != "none" or model.leakage_attr:
        raise ModelError(f"{name}: dp_epsilon cannot be combined with fairness penalties or "
                         f"leakage_attr")


@dataclass(frozen=True)
class Plan:
    """How a DP-SGD training samples and how much noise it adds: as Opacus'
    ``make_private_with_epsilon`` plans it for a Poisson loader over the users."""

    batch: int  #: users per batch of the ordinary loader (dp_sample, at most every user)
    steps_per_epoch: int  #: batches of that size per epoch
    sample_rate: float  #: each user's chance to be in a step's sample: 1 / steps_per_epoch
    expected_batch: int  #: Opacus' expected batch size, int(n_users * sample_rate)
    noise_multiplier: float  #: σ: noise std over the clip norm, for dp_epsilon at dp_delta


def plan(model, n_users: int) -> Plan:
    """The :class:`Plan` of ``model`` (``dp_sample``, ``epochs``, ``dp_epsilon``, ``dp_delta``)
    on ``n_users`` users: the noise multiplier from Opacus' ``get_noise_multiplier`` (RDP)."""
    from opacus.accountants.utils import get_noise_multiplier

    batch = min(int(model.dp_sample), n_users)
    steps = math.ceil(n_users / batch)
    rate = 1 / steps
    sigma = get_noise_multiplier(target_epsilon=float(model.dp_epsilon),
                                 target_delta=float(model.dp_delta), sample_rate=rate,
                                 epochs=int(model.epochs), accountant="rdp")
    return Plan(batch, steps, rate, int(n_users * rate), float(sigma))


def poisson_users(n_users: int, p: Plan):
    """Opacus' Poisson loader over the user indices: ``p.steps_per_epoch`` batches per pass,
    each user in each independently with ``p.sample_rate`` (torch's global generator)."""
    import torch
    from opacus.data_loader import DPDataLoader

    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(n_users)),
                                         batch_size=p.batch)
    return DPDataLoader.from_data_loader(loader)


class UserItems:
    """Each user's training interactions, for drawing a user's positives."""

    def __init__(self, fit, n_users: int, n_items: int):
        inter = fit.interactions.sort_values("user", kind="stable")
        users = inter["user"].to_numpy(np.int64)
        self.items = inter["item"].to_numpy(np.int64)
        self.counts = np.bincount(users, minlength=n_users)
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1]))
        self.is_positive = positive_lookup(users, self.items, n_users, n_items)

    def positives(self, rng: np.random.Generator, u: np.ndarray, n: int) -> np.ndarray:
        """``n`` of each user's interactions in ``u`` (``[len(u), n]`` items), drawn uniformly
        with replacement; every user in ``u`` must have interactions."""
        draw = self.starts[u][:, None] + (rng.random((len(u), n)) * self.counts[u][:, None]
                                          ).astype(np.int64)
        return self.items[draw]


def clip_factors(grads: dict, clip: float):
    """Per-user factors ``min(1, clip / (norm + 1e-6))`` for per-user gradients ``grads`` (name
    -> ``[users, *shape]``), the norm taken over all of them: a user's gradient times its
    factor has norm <= ``clip`` (Opacus' flat clipping)."""
    import torch

    sq = sum(g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads.values())
    return (clip / (torch.sqrt(sq) + 1e-6)).clamp(max=1.0)


def noisy_mean(total: dict, clip: float, p: Plan) -> dict:
    """The DP gradient from the sum of the clipped per-user gradients: Gaussian noise of std
    ``noise_multiplier * clip`` added to each coordinate, divided by the expected batch size
    (Opacus' ``DPOptimizer`` with mean reduction; torch's global generator)."""
    import torch

    std = p.noise_multiplier * clip
    return {k: (v + torch.normal(0.0, std, v.shape)) / p.expected_batch
            for k, v in total.items()}


def _scorer(n_items: int, factors: int):
    import torch

    class ItemScorer(torch.nn.Module):
        """Per-user BPR loss from user vectors (an input) and item factors and biases."""

        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(n_items, factors)
            self.bias = torch.nn.Embedding(n_items, 1)
            with torch.no_grad():
                self.emb.weight.normal_(0.0, 0.01)
                self.bias.weight.zero_()

        def forward(self, user_vec, items, reg: float):
            # items [B, P, 1 + N]: each drawn positive, then its negatives
            e = self.emb(items)
            scores = (user_vec[:, None, None, :] * e).sum(-1) + self.bias(items).squeeze(-1)
            pairs = torch.nn.functional.logsigmoid(scores[..., :1] - scores[..., 1:])
            return -pairs.mean((1, 2)) + reg * e.pow(2).sum(-1).mean((1, 2))

    return ItemScorer()


def fit_private(model, fit, report) -> float:
    """Train ``model`` (a BPR with ``dp_epsilon > 0``) on ``fit``; sets its factors and returns
    the ε at ``dp_delta`` the accountant reports. ``report(epoch, total, loss)`` each epoch."""
    import torch
    from opacus import PrivacyEngine

    n_users, n_items, f = model.n_users_, model.n_items_, int(model.factors)
    data = UserItems(fit, n_users, n_items)
    counts = data.counts
    rng = np.random.default_rng(model.random_state)
    n_pos, n_neg, reg = int(model.dp_positives), int(model.negatives), float(model.reg)
    scorer = _scorer(n_items, f)
    user_emb = torch.nn.Parameter(torch.randn(n_users, f) * 0.01)
    user_opt = torch.optim.Adam([user_emb], lr=float(model.lr))
    item_opt = torch.optim.Adam(scorer.parameters(), lr=float(model.lr))
    p = plan(model, n_users)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(n_users)),
                                         batch_size=p.batch)
    engine = PrivacyEngine(accountant="rdp")
    scorer, item_opt, loader = engine.make_private(
        module=scorer, optimizer=item_opt, data_loader=loader,
        noise_multiplier=p.noise_multiplier, max_grad_norm=float(model.dp_clip))
    total = int(model.epochs)
    for epoch in range(1, total + 1):
        epoch_loss, seen = 0.0, 0
        for (batch,) in loader:
            u = batch.numpy().astype(np.int64)
            has = counts[u] > 0
            if not has.any():
                continue  # no sampled user with interactions: nothing to learn from
            u = u[has]
            pos = data.positives(rng, u, n_pos)
            neg = sample_negatives(rng, np.repeat(u, n_pos), n_items, data.is_positive, n_neg)
            idx = torch.from_numpy(np.concatenate([pos[..., None],
                                                   neg.reshape(len(u), n_pos, n_neg)], -1))
            vec = user_emb.index_select(0, torch.from_numpy(u))
            losses = scorer(vec, idx, reg)
            loss = losses.mean()
            item_opt.zero_grad()
            user_opt.zero_grad()
            with warnings.catch_warnings():  # the item indices need no gradient
                warnings.filterwarnings("ignore", message="Full backward hook")
                loss.backward()
            item_opt.step()
            user_opt.step()
            epoch_loss += float(losses.detach().sum())
            seen += len(u)
        report(epoch, total, epoch_loss / max(seen, 1))
    module = scorer._module if hasattr(scorer, "_module") else scorer
    model.user_factors_ = user_emb.detach().numpy().copy()
    model.item_factors_ = module.emb.weight.detach().numpy().copy()
    model.item_bias_ = module.bias.weight.detach().numpy()[:, 0].copy()
    model.epochs_ = total
    return float(engine.get_epsilon(float(model.dp_delta)))
