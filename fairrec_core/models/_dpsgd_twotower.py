"""DP-SGD training of the two-tower model with per-user clipping, for
``TwoTower(dp_epsilon=...)``.

The unit of privacy is one user with all of their training interactions. Every step draws a
Poisson sample of users (Opacus' loader, rate 1 / ceil(n_users / ``dp_sample``), as BPR's
DP-SGD: :mod:`fairrec_core.models._dpsgd`). Each sampled user contributes one loss that depends
on their own data only: a sampled softmax over ``dp_positives`` of their interactions (drawn
with replacement), each against the same ``dp_negatives`` uniform items the user does not have
— never other users' positives, so one user's loss and gradient do not depend on who else is in
the batch (the whole-catalogue or in-batch softmax of the ordinary training couples users and is
not used). The item tower runs on those items only.

What is private. Everything shared between users is inside the DP mechanism: the item tower
(id embeddings, feature embeddings, text projection, MLP), the item biases, and the shared parts
of the user tower (its feature embeddings and MLP — one user's data moves them for every other
user). Their per-user gradients come from ``torch.func`` (``vmap`` of ``grad`` over the users:
Opacus' module hooks cannot follow the item tower's outputs being used by each user nor the bare
``item_bias`` parameter), are clipped jointly to norm ``dp_clip`` per user, summed, and get
Gaussian noise at Opacus' calibrated noise multiplier (``get_noise_multiplier``) divided by the
expected batch size, as Opacus' ``DPOptimizer`` does; Opacus' RDP accountant counts every step
(an empty sample too) and gives ε at ``dp_delta`` (``dp_epsilon_spent_``). The user id
embeddings are not shared: a user's row is updated from that user's own loss only, unclipped
and without noise — joint differential privacy, as BPR's user factors (what the model shows
user *u* may depend on *u*'s data; publishing the user rows or user vectors is not covered).
Users without training interactions are skipped (their loss and gradient would be zero) and are
served by their features only, as in ordinary training.

The network and its saved layout are the ordinary two-tower's (the bias stays a bare parameter:
``torch.func`` differentiates any parameter). Optimiser: AdamW with ``lr`` and
``weight_decay`` on the noisy gradients (post-processing); id dropout as in ordinary training,
drawn per sampled user. No validation holdout or early stopping under DP: ``epochs`` epochs.
"""

from __future__ import annotations

import numpy as np

from fairrec_core.models._dpsgd import (
    UserItems,
    clip_factors,
    noisy_mean,
    plan,
    poisson_users,
)
from fairrec_core.models._torch import sample_negatives

#: The user id table: per-user rows, updated outside the DP mechanism (joint DP).
USER_IDS = "user.ids.weight"
#: At most this many floats of per-user gradients at once (the users of a step in chunks).
CHUNK_FLOATS = 1 << 23


def _one_user(net, n_pos: int):
    import torch

    class OneUser(torch.nn.Module):
        """One user's sampled-softmax loss (vmapped over the users of a step)."""

        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, row, codes, keep, items, item_codes):
            # row [dim]: the user's id embedding; items [P + N]: positives, then negatives
            query = self.net.user.head((row * keep)[None], None, codes[None])[0]
            vectors = self.net.item(items, item_codes)
            scores = vectors @ query + self.net.item_bias.index_select(0, items)
            pos, neg = scores[:n_pos], scores[n_pos:]
            logits = torch.cat([pos[:, None], neg[None, :].expand(n_pos, -1)], dim=1)
            return (torch.logsumexp(logits, dim=1) - pos).mean()

    return OneUser()


def per_user_grads(net, n_pos: int, rows, codes, keep, items, item_codes):
    """``(grads, row_grads, losses)`` of each user's loss: ``grads`` name -> ``[users, *shape]``
    for every shared parameter (all but :data:`USER_IDS`), ``row_grads`` ``[users, dim]`` for
    the users' own id rows ``rows``. Each user's values depend on that user's inputs only."""
    from torch.func import functional_call, grad_and_value, vmap

    wrapper = _one_user(net, n_pos)
    shared = {f"net.{k}": v.detach() for k, v in net.named_parameters() if k != USER_IDS}

    def loss(params, row, *rest):
        return functional_call(wrapper, params, (row, *rest))

    (grads, row_grads), losses = vmap(grad_and_value(loss, argnums=(0, 1)),
                                      in_dims=(None, 0, 0, 0, 0, 0))(
        shared, rows, codes, keep, items, item_codes)
    return {k[len("net."):]: g for k, g in grads.items()}, row_grads, losses


def fit_private(model, fit, net, report) -> float:
    """Train ``net`` (``model``'s two-tower network, ``dp_epsilon > 0``) on ``fit`` in place;
    returns the ε at ``dp_delta`` the accountant reports. ``report(epoch, total, loss)`` each
    epoch. Runs inside the model's seeded block (torch's generator: sampling and noise)."""
    import torch
    from opacus.accountants import RDPAccountant

    n_users, n_items = model.n_users_, model.n_items_
    data = UserItems(fit, n_users, n_items)
    p = plan(model, n_users)
    accountant = RDPAccountant()
    rng = np.random.default_rng(model.random_state)
    n_pos, n_neg = int(model.dp_positives), int(model.dp_negatives)
    clip, drop = float(model.dp_clip), float(model.id_dropout)
    user_codes = torch.from_numpy(model.user_codes_)
    item_codes = torch.from_numpy(model.item_codes_)
    params = dict(net.named_parameters())
    shared = {k: v for k, v in params.items() if k != USER_IDS}
    chunk = max(1, CHUNK_FLOATS // sum(v.numel() for v in shared.values()))
    opt = torch.optim.AdamW(net.parameters(), lr=float(model.lr),
                            weight_decay=float(model.weight_decay))
    loader = poisson_users(n_users, p)
    total = int(model.epochs)
    net.train()
    for epoch in range(1, total + 1):
        epoch_loss, seen = 0.0, 0
        for (batch,) in loader:
            u = batch.numpy().astype(np.int64)
            u = u[data.counts[u] > 0]
            summed = {k: torch.zeros_like(v) for k, v in shared.items()}
            row_grads = torch.zeros(len(u), params[USER_IDS].shape[1])
            if len(u):
                items = np.concatenate([data.positives(rng, u, n_pos),
                                        sample_negatives(rng, u, n_items, data.is_positive,
                                                         n_neg)], axis=1)
                keep = (rng.random(len(u)) >= drop).astype(np.float32)
                for s in range(0, len(u), chunk):
                    part = torch.from_numpy(u[s : s + chunk])
                    idx = torch.from_numpy(items[s : s + chunk])
                    grads, rows, losses = per_user_grads(
                        net, n_pos, params[USER_IDS].detach().index_select(0, part),
                        user_codes.index_select(0, part), torch.from_numpy(keep[s : s + chunk]),
                        idx, item_codes[idx])
                    factors = clip_factors(grads, clip)
                    for k, g in grads.items():
                        summed[k] += torch.einsum("b,b...->...", factors, g)
                    row_grads[s : s + chunk] = rows
                    epoch_loss += float(losses.sum())
                seen += len(u)
            noisy = noisy_mean(summed, clip, p)
            for k, v in shared.items():
                v.grad = noisy[k]
            ids = params[USER_IDS]
            # over the expected batch, not the sample's size: no user's row update depends on
            # how many others were sampled
            ids.grad = torch.zeros_like(ids).index_add_(
                0, torch.from_numpy(u), row_grads / p.expected_batch)
            opt.step()
            accountant.step(noise_multiplier=p.noise_multiplier, sample_rate=p.sample_rate)
        report(epoch, total, epoch_loss / max(seen, 1))
    model.epochs_ = total
    return float(accountant.get_epsilon(float(model.dp_delta)))
