"""The full audit of one set of ranked lists (:meth:`AuditContext.audit`): the fast summary's
parts plus intervals, tests, parity, exposure and popularity, assembled into an
:class:`AuditResult`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit._adjusted import audit_adjusted, check_covariates, with_simultaneous
from fairrec_core.audit._exposure import group_table as exposure_group_table
from fairrec_core.audit._exposure import item_table, lorenz_table
from fairrec_core.audit._gaps import FOUR_FIFTHS, gap_frame, group_frame, ratio
from fairrec_core.audit._groups import GroupIndex
from fairrec_core.audit._inference import excluded_groups, gap_statistics, reference_frame
from fairrec_core.audit._parity import PARITY_COLUMNS, parity_summary, parity_tables, slot_counts
from fairrec_core.audit._popularity import popularity_lift
from fairrec_core.audit._result import AuditResult
from fairrec_core.errors import DataError


def full_audit(ctx, lists, *, n_bootstrap: int, n_permutations: int, seed, level: float,
               covariates=None):
    """:meth:`AuditContext.audit` (``ctx``) of ``lists``."""
    from fairrec_core.audit._context import USER_METRICS

    if not 0 < level < 1:
        raise DataError(f"audit: confidence level must be between 0 and 1, got {level}")
    if n_bootstrap < 0 or n_permutations < 0:
        raise DataError("audit: the numbers of resamples and permutations cannot be negative")
    covariates = check_covariates(ctx.train, covariates)
    top, values, index, means, n, sizes, ok, overall, exposure = ctx._summary_parts(lists)
    metrics = ctx.metric_names
    boot_rng, perm_rng = np.random.default_rng(seed).spawn(2)
    big = sizes >= ctx.min_group_size
    stats = gap_statistics(values, index, means, ok, big & ~ctx.excluded, metrics,
                           n_bootstrap=int(n_bootstrap), n_permutations=int(n_permutations),
                           boot_rng=boot_rng, perm_rng=perm_rng, level=level)
    groups = group_frame(index, metrics, means, n, sizes)
    groups["ci_lo"] = stats.lo[:-1].ravel()
    groups["ci_hi"] = stats.hi[:-1].ravel()
    overall_ci = pd.DataFrame({"metric": list(metrics), "ci_lo": stats.lo[-1],
                               "ci_hi": stats.hi[-1]})
    reference = reference_frame(index, metrics, means, sizes, ok, big & ~ctx.excluded,
                                ctx.reference)
    gaps = gap_frame(index, metrics, means, ok)
    gaps = gaps.join(stats.gaps)
    refs = reference.drop_duplicates(["attribute", "metric"]).set_index(
        ["attribute", "metric"])["reference"]
    gaps["reference_group"] = [refs.get((a, mt)) for a, mt in zip(gaps["attribute"],
                                                                 gaps["metric"], strict=True)]
    gaps["excluded_groups"] = excluded_groups(index, metrics, means, sizes, ctx.min_group_size,
                                              ctx.excluded)
    vs_rest = _vs_rest(index, metrics, values, means, n, sizes, ok, stats.p_rest)
    vs_rest = vs_rest.join(stats.vs_rest)
    # the gaps of accuracy metrics with activity (and chosen covariates) held equal
    adjusted = with_simultaneous(
        audit_adjusted(ctx, top.users, values, index, ok, gaps, level=level,
                       covariates=covariates),
        gaps, stats.null_max, index.groupings, metrics)
    # parity, exposure, popularity
    parity = _parity(ctx, top, index, big)
    relevant = np.bincount(ctx.test_items[np.isin(ctx.test_users, top.users)],
                           minlength=ctx.n_items).astype(np.float64)
    users = ctx._user_frame(top, values)
    for g in ctx.groupings:
        if not g.is_intersection:
            users[g.attribute] = np.asarray(g.labels, dtype=object)[g.codes[top.users]]
    popularity = popularity_lift(index, sizes, ctx.history_popularity[top.users],
                                 values[:, USER_METRICS.index("arp")])
    head = {"head_share": 0.2, "n_head_items": int(ctx.head.sum()),
            "head_interaction_share": float(ctx.item_counts[ctx.head].sum()
                                            / max(ctx.item_counts.sum(), 1)),
            "n_mid_items": int((ctx.bands == 1).sum()),
            "n_tail_items": int((ctx.bands == 2).sum())}
    return AuditResult(
        k=ctx.k, metrics=metrics, n_users=len(top.users),
        n_evaluated=int((ctx.n_test[top.users] > 0).sum()),
        min_group_size=ctx.min_group_size, n_bootstrap=int(n_bootstrap),
        n_permutations=int(n_permutations), level=float(level), seed=seed,
        overall=overall, overall_ci=overall_ci, users=users, groups=groups, gaps=gaps,
        vs_rest=vs_rest, pairwise=stats.pairwise, reference=reference, parity=parity[0],
        parity_values=parity[1], parity_gaps=parity[2], parity_js=parity[3],
        item_exposure=item_table(ctx, top.items, exposure, relevant),
        exposure=exposure_group_table(ctx.item_attributes, exposure, relevant),
        lorenz=lorenz_table(exposure), popularity=popularity, head=head, adjusted=adjusted,
        notes=tuple(ctx._notes(top, sizes, index)),
    )


def _vs_rest(index, metrics, values, means, n, sizes, ok, p_rest) -> pd.DataFrame:
    defined = ~np.isnan(values)
    total = np.where(defined, values, 0.0).sum(axis=0)
    total_n = defined.sum(axis=0)
    sums = np.nan_to_num(means) * n
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = np.where(total_n - n > 0, (total - sums) / (total_n - n), np.nan)
    r = ratio(means, rest)
    frame = group_frame(index, metrics, means, n, sizes)
    frame["rest_mean"] = rest.ravel()
    frame["difference"] = (means - rest).ravel()
    frame["ratio"] = r.ravel()
    frame["flag"] = ((r < FOUR_FIFTHS) | (r > 1 / FOUR_FIFTHS)).ravel()
    frame["p_value"] = p_rest.ravel()  # studentised (see _permutation)
    frame["compared"] = ok.ravel()
    return frame


def _parity(ctx, top, index: GroupIndex, big: np.ndarray):
    by_value, per_value, js = [], [], []
    counts = [(slot_counts(top.items, attr.codes, attr.n_values), hist[top.users])
              for attr, hist in zip(ctx.item_attributes, ctx.history_values, strict=True)]
    for g, cols in index.group_slices():
        if g.is_intersection:
            continue
        for attr, (rec, hist_listed) in zip(ctx.item_attributes, counts, strict=True):
            a, b, c = parity_tables(g, cols, index.indicator, rec, hist_listed, attr, big[cols])
            by_value.append(a)
            per_value.append(b)
            js.append(c)
    if not by_value:  # no single-attribute grouping: empty tables with their columns
        return tuple(pd.DataFrame(columns=list(cols)) for cols in PARITY_COLUMNS)
    per_value = pd.concat(per_value, ignore_index=True)
    return (pd.concat(by_value, ignore_index=True), per_value, parity_summary(per_value),
            pd.concat(js, ignore_index=True))
