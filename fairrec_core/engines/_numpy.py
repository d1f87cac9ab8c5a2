"""The numpy back end of :mod:`._formulas`: the same formulations evaluated on the in-memory
engine's inputs (an :class:`~fairrec_core.audit.AuditContext` and ranked lists), so that a test
can hold each formulation against :mod:`fairrec_core.metrics` directly, and the SQL against
both.

Slots are the cells of the ``[n, k]`` list matrix that hold an item (pads are no slots); a
``sum`` aggregate adds a row's slot contributions, a ``max`` takes the largest (0 without slots,
as ``COALESCE`` does in SQL)."""

from __future__ import annotations

import numpy as np

from fairrec_core.engines._expr import evaluate
from fairrec_core.engines._formulas import CALIBRATION, user_metrics
from fairrec_core.metrics import list_distribution, lookup_hits
from fairrec_core.ranking import PAD_ITEM


def _same_category(cats: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per slot, the listed items of its row sharing its category (itself included)."""
    same = (cats[:, :, None] == cats[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    return same.sum(axis=2).astype(np.float64)


def slot_environment(ctx, top) -> tuple[dict, np.ndarray]:
    """``(env, valid)``: the slot columns of :mod:`._formulas` as ``[n, k]`` arrays for lists
    ``top`` already cut to the context's k, and which cells are slots."""
    items = top.items
    valid = items != PAD_ITEM
    safe = np.where(valid, items, 0)
    hit = lookup_hits(top.users, items, ctx.test_keys, ctx.n_items, ctx.test_bits)
    hit = (hit & valid).astype(np.float64)
    env = {
        "hit": hit,
        "pos": np.broadcast_to(np.arange(1, items.shape[1] + 1, dtype=np.float64), items.shape),
        "pop": ctx.item_counts[safe].astype(np.float64),
        "head": ctx.head[safe].astype(np.float64),
        "hits_so_far": np.cumsum(hit, axis=1),
        "same_category": _same_category(ctx.item_category[safe], valid),
    }
    return env, valid


def formulation_metrics(ctx, lists) -> np.ndarray:
    """``[n_listed, len(USER_METRICS)]``: every per-user metric of ``lists`` from the
    formulations, in the order and with the NaN of :meth:`AuditContext.user_metrics`."""
    top = ctx._at_k(lists)
    env, valid = slot_environment(ctx, top)
    user = {"n_rel": ctx.n_test[top.users].astype(np.float64),
            "m": valid.sum(axis=1).astype(np.float64)}
    columns = []
    for metric in user_metrics(ctx.k, ctx.n_users):
        for agg in metric.aggregates:
            values = np.where(valid, evaluate(agg.contribution, env), 0.0)
            user[agg.name] = values.sum(axis=1) if agg.how == "sum" else values.max(
                axis=1, initial=0.0)
        value = evaluate(metric.value, user)
        columns.append(np.where(evaluate(metric.defined, user), value, np.nan))
    p = ctx.history[top.users]
    q = list_distribution(top.items, ctx.item_categories)
    cells = {"p": p, "q": q}
    contribution = np.where(evaluate(CALIBRATION.where, cells),
                            evaluate(CALIBRATION.contribution, cells), 0.0)
    user["has_history"] = (p.sum(axis=1) > 0).astype(np.float64)
    columns.append(np.where(evaluate(CALIBRATION.defined, user), contribution.sum(axis=1),
                            np.nan))
    return np.column_stack(columns) if len(top.users) else np.zeros((0, len(columns)))
