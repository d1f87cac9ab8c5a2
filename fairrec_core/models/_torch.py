"""Shared pieces of the PyTorch models: seeding, negative sampling, parameter checks."""

from __future__ import annotations

import contextlib

import numpy as np

from fairrec_core.errors import ModelError


@contextlib.contextmanager
def seeded(random_state: int):
    """Seed torch's global generator (init, dropout) inside the block, restoring it after.

    Models gather rows with ``index_select`` or ``embedding``, whose CPU gradients are summed in
    a fixed order; plain advanced indexing (``weights[idx]``) accumulates its gradient in a
    thread-dependent order and would make training non-deterministic.
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(random_state))
        yield


def check_positive_int(name: str, model) -> None:
    for key in name.split():
        value = getattr(model, key)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ModelError(f"{model.name}: {key} must be a positive integer, got {value!r}")


def check_positive_float(name: str, model, *, allow_zero: bool = False) -> None:
    for key in name.split():
        value = getattr(model, key)
        try:
            ok = float(value) >= 0 if allow_zero else float(value) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            what = "zero or positive" if allow_zero else "positive"
            raise ModelError(f"{model.name}: {key} must be {what}, got {value!r}")


#: Up to this many user x item cells, positives are looked up in a dense boolean table.
DENSE_LOOKUP_CELLS = 50_000_000


def positive_lookup(users: np.ndarray, items: np.ndarray, n_users: int, n_items: int):
    """A function ``(users, items) -> bool array`` telling which pairs (broadcast) are positives."""
    if n_users * n_items <= DENSE_LOOKUP_CELLS:
        table = np.zeros((n_users, n_items), dtype=bool)
        table[users, items] = True
        return lambda u, i: table[u, i]
    keys = np.sort(users.astype(np.int64) * n_items + items)

    def lookup(u, i):
        q = np.asarray(u, dtype=np.int64) * n_items + np.asarray(i)
        pos = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        return keys[pos] == q

    return lookup


def sample_negatives(rng: np.random.Generator, users: np.ndarray, n_items: int, is_positive,
                     n: int) -> np.ndarray:
    """``n`` uniform random items per user (``[len(users), n]``), redrawn a few times where the
    user has the item."""
    neg = rng.integers(0, n_items, size=(len(users), n))
    for _ in range(5):
        clash = is_positive(users[:, None], neg)
        if not clash.any():
            break
        neg[clash] = rng.integers(0, n_items, size=int(clash.sum()))
    return neg


#: Up to this many items the softmax runs over the whole catalogue; above, over sampled items.
FULL_SOFTMAX_ITEMS = 20_000
#: Shared uniform negatives per batch when the catalogue is larger than that.
SAMPLED_NEGATIVES = 4096


class TowerRows:
    """The item vectors of a tower computed only for the rows asked for: stands in for the
    ``[n_items, d]`` matrix in the sampled softmax (``shape`` and ``index_select(0, idx)``), so
    a batch runs the tower over its targets and sampled negatives, not the whole catalogue."""

    def __init__(self, tower, codes, n_items: int):
        self.tower, self.codes, self.shape = tower, codes, (int(n_items),)

    def index_select(self, dim: int, index):
        assert dim == 0
        return self.tower(index, self.codes.index_select(0, index))


def softmax_logits(query, item_vectors, targets, rng: np.random.Generator, item_bias=None):
    """``(logits, target_columns, negatives)`` of :func:`softmax_loss`: against the whole
    catalogue (``negatives`` None; column = item) or, above :data:`FULL_SOFTMAX_ITEMS`, the
    target in column 0 and shared uniform ``negatives`` (an index tensor) in the others.
    ``item_vectors`` may be a :class:`TowerRows` above that size."""
    import torch

    vectors = item_vectors
    n_items = vectors.shape[0]
    if n_items <= FULL_SOFTMAX_ITEMS:
        logits = query @ vectors.T
        if item_bias is not None:
            logits = logits + item_bias
        return logits, targets, None
    negs = torch.from_numpy(rng.integers(0, n_items, size=SAMPLED_NEGATIVES))
    pos = (query * vectors.index_select(0, targets)).sum(-1, keepdim=True)
    neg = query @ vectors.index_select(0, negs).T
    if item_bias is not None:
        pos = pos + item_bias.index_select(0, targets)[:, None]
        neg = neg + item_bias.index_select(0, negs)[None, :]
    neg = neg.masked_fill(negs[None, :] == targets[:, None], float("-inf"))
    logits = torch.cat([pos, neg], dim=1)
    return logits, torch.zeros(len(query), dtype=torch.long), negs


def softmax_loss(query, item_vectors, targets, rng: np.random.Generator, item_bias=None):
    """Cross-entropy of the target items against the whole catalogue (or, for catalogues over
    :data:`FULL_SOFTMAX_ITEMS`, against the targets plus shared uniform negatives).

    ``query``: ``[n, d]``; ``item_vectors``: ``[n_items, d]`` (or, above
    :data:`FULL_SOFTMAX_ITEMS`, a :class:`TowerRows`); ``targets``: ``[n]`` item indices.
    """
    import torch

    logits, columns, _ = softmax_logits(query, item_vectors, targets, rng, item_bias)
    return torch.nn.functional.cross_entropy(logits, columns)


#: Users run through the user tower at once by :func:`tower_vectors`.
TOWER_BATCH = 65_536


def tower_vectors(net, user_codes: np.ndarray, item_codes: np.ndarray, cold: np.ndarray):
    """``(user_vectors, item_vectors, item_bias)`` of a two-tower ``net`` as numpy, under
    ``torch.inference_mode``: the item tower once over the catalogue, the user tower
    :data:`TOWER_BATCH` users at a time; ``cold`` users get the features-only vector."""
    import torch

    net.eval()
    keep = torch.from_numpy((~cold).astype(np.float32))
    codes = torch.from_numpy(user_codes)
    with torch.inference_mode():
        users = np.concatenate([net.user(ids, codes[ids], keep[ids]).numpy()
                                for ids in torch.arange(len(user_codes)).split(TOWER_BATCH)])
        items = net.item(torch.arange(len(item_codes)), torch.from_numpy(item_codes)).numpy()
        bias = net.item_bias.detach().numpy().copy()
    return users, items, bias
