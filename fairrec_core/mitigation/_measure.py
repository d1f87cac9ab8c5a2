"""The figures of one point of the sweep, from the audit engine: every metric overall and per
group of the user attribute (:meth:`AuditContext.summarize`), and the targeted gap with its
interval — on the user side the full audit's gap row (``difference``, its simultaneous
bootstrap interval and max-T adjusted permutation p-value), on the item side the audit's item
exposure table with a bootstrap over users (the audit's resampling weights and percentiles)."""

from __future__ import annotations

import math

import numpy as np

from fairrec_core.audit._bootstrap import percentile_rows, resample_weights
from fairrec_core.audit._exposure import group_table
from fairrec_core.metrics import item_exposure, position_discount
from fairrec_core.ranking import PAD_ITEM

#: Overall ranking accuracy, the x-axis of the trade-off: ``ndcg@k``.
ACCURACY = "ndcg"


def measure(ctx, lists, target, *, n_bootstrap: int, n_permutations: int, seed,
            level: float = 0.95) -> dict:
    """``accuracy, gap, gap_lo, gap_hi, p_value`` and one column per metric overall
    (``ndcg@10``) and per group (``ndcg@10 gender=F``) of ``lists`` (``ctx``'s users, depth
    >= ``ctx.k``)."""
    if target.side == "user" and (n_bootstrap > 0 or n_permutations > 0):
        summary = ctx.audit(lists, n_bootstrap=n_bootstrap, n_permutations=n_permutations,
                            seed=seed, level=level)
    else:
        summary = ctx.summarize(lists)
    if target.side == "user":
        row = summary.gap(target.attribute, target.column(ctx.k))
        gap = {"gap": float(row["difference"]), "gap_lo": float(row.get("ci_lo", math.nan)),
               "gap_hi": float(row.get("ci_hi", math.nan)),
               "p_value": float(row.get("p_value_pair", math.nan))}
    else:
        gap = exposure_shortfall(ctx, lists, target, n_bootstrap=n_bootstrap, seed=seed,
                                 level=level)
    out = {"accuracy": float(summary.overall[f"{ACCURACY}@{ctx.k}"]), **gap}
    out.update({str(m): float(v) for m, v in summary.overall.items()})
    groups = summary.groups[summary.groups["attribute"] == target.attribute]
    for group, metric, mean in zip(groups["group"], groups["metric"], groups["mean"],
                                   strict=True):
        out[f"{metric} {target.attribute}={group}"] = float(mean)
    return out


def exposure_shortfall(ctx, lists, target, *, n_bootstrap: int, seed, level: float = 0.95) -> dict:
    """``gap`` = the protected items' ``catalogue_share - exposure_share`` in the audit's item
    exposure table of ``lists`` at ``ctx.k``; ``gap_lo, gap_hi``: percentile bootstrap interval
    over users (each user's exposure of protected items and in all, resampled together);
    ``p_value`` NaN (no test); ``exposure_share``, ``catalogue_share``."""
    attr = next(a for a in ctx.item_attributes if a.name == target.item_attribute)
    value = attr.values.index(str(target.protected))
    top = lists.top(ctx.k)
    exposure = item_exposure(top.items, ctx.n_items)
    table = group_table([attr], exposure, np.zeros(ctx.n_items))
    row = table.iloc[value]
    gap = float(row["catalogue_share"] - row["exposure_share"])
    lo = hi = math.nan
    if n_bootstrap > 0 and len(top.users):
        valid = top.items != PAD_ITEM
        weight = np.where(valid, position_discount(top.depth)[None, :], 0.0)
        protected = valid & (attr.codes[np.where(valid, top.items, 0)] == value)
        per_user = np.stack([(weight * protected).sum(axis=1), weight.sum(axis=1)])
        w = resample_weights(np.random.default_rng(seed), int(n_bootstrap), len(top.users))
        sums = w.astype(np.float64) @ per_user.T  # [b, 2]
        with np.errstate(invalid="ignore", divide="ignore"):
            reps = float(row["catalogue_share"]) - sums[:, 0] / sums[:, 1]
        tail = (1.0 - level) / 2.0
        lo, hi = (float(x) for x in percentile_rows(reps[:, None], [tail, 1.0 - tail])[:, 0])
    return {"gap": gap, "gap_lo": lo, "gap_hi": hi, "p_value": math.nan,
            "exposure_share": float(row["exposure_share"]),
            "catalogue_share": float(row["catalogue_share"])}
