"""The DuckDB engine's :class:`~fairrec_core.audit.AuditResult`: the same tables, built by the
in-memory engine's own functions wherever they take group-level input (group and gap frames,
reference ratios, excluded groups, the inference of :func:`~fairrec_core.audit._inference.
gap_statistics`, adjusted gaps, parity tables, exposure tables), fed with the sums of
:mod:`._aggregates`. Where the in-memory function reads per-user arrays, cells stand in for
users: parity counts per cell and value are what ``parity_tables`` sums per group, since every
group is a union of cells (the cell indicator plays the user indicator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit import ACCURACY_METRICS, USER_METRICS, AuditContext, AuditResult
from fairrec_core.audit._adjusted import ACTIVITY, adjusted_gaps, with_simultaneous
from fairrec_core.audit._exposure import group_table as exposure_group_table
from fairrec_core.audit._exposure import lorenz_table
from fairrec_core.audit._gaps import FOUR_FIFTHS, eligible, gap_frame, group_frame, ratio
from fairrec_core.audit._groups import GroupIndex
from fairrec_core.audit._inference import excluded_groups, gap_statistics, reference_frame
from fairrec_core.audit._parity import PARITY_COLUMNS, parity_summary, parity_tables
from fairrec_core.engines import _aggregates as agg
from fairrec_core.engines._replicates import poisson_replicates
from fairrec_core.engines._rows import numeric_columns, read_rows
from fairrec_core.metrics import HEAD_SHARE, POPULARITY_BANDS, gini


class _NoteFacts:
    """What ``AuditContext._notes`` reads: ``n_test`` of the listed users (only its zeros are
    counted, so a run of zeros stands for the users without test items), the minimum group
    size and the uninformative columns."""

    def __init__(self, no_test: int, min_group_size: int, excluded: np.ndarray):
        self.n_test = np.zeros(1, dtype=np.int64)
        self.users = np.zeros(no_test, dtype=np.int64)
        self.min_group_size = min_group_size
        self.excluded = excluded


def _vs_rest(index, metrics, groups: agg.GroupSums, means, n, sizes, ok, p_rest):
    """As ``_full._vs_rest``, with the totals from the everyone column."""
    total, total_n = groups.sums[-1], groups.counts[-1]
    sums = np.nan_to_num(means) * n
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = np.where(total_n - n > 0, (total - sums) / (total_n - n), np.nan)
    r = ratio(means, rest)
    frame = group_frame(index, metrics, means, n, sizes)
    frame["rest_mean"] = rest.ravel()
    frame["difference"] = (means - rest).ravel()
    frame["ratio"] = r.ravel()
    frame["flag"] = ((r < FOUR_FIFTHS) | (r > 1 / FOUR_FIFTHS)).ravel()
    frame["p_value"] = p_rest.ravel()
    frame["compared"] = ok.ravel()
    return frame


def _popularity(index, groups: agg.GroupSums, n_listed: int) -> pd.DataFrame:
    """As ``popularity_lift``: per group the mean profile and recommended (ARP) popularity over
    users with a value, overall first (everyone)."""
    pop = groups.popularity
    with np.errstate(invalid="ignore", divide="ignore"):
        gp = np.where(pop[:, 1] > 0, pop[:, 0] / pop[:, 1], np.nan)
        gr = np.where(pop[:, 3] > 0, pop[:, 2] / pop[:, 3], np.nan)
    gp, gr = np.r_[gp[-1], gp[:-1]], np.r_[gr[-1], gr[:-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(gp > 0, (gr - gp) / gp, np.nan)
    attrs = [g.attribute for g in index.groupings for _ in g.labels]
    labels = [lab for g in index.groupings for lab in g.labels]
    return pd.DataFrame({
        "attribute": ["overall", *attrs], "group": ["all", *labels],
        "n_users": np.r_[n_listed, groups.sizes[:-1]].astype(np.int64),
        "profile_popularity": gp, "recommended_popularity": gr, "delta_gap": delta})


def _parity(con, index, cells, indicator, attributes, big):
    counts = [(agg.value_counts(con, "fr_cell_values", j, cells, a.n_values),
               agg.value_counts(con, "fr_cell_hist", j, cells, a.n_values))
              for j, a in enumerate(attributes)]
    by_value, per_value, js = [], [], []
    for g, cols in index.group_slices():
        if g.is_intersection:
            continue
        for attr, (rec, hist) in zip(attributes, counts, strict=True):
            a, b, c = parity_tables(g, cols, indicator, rec, hist, attr, big[cols])
            by_value.append(a)
            per_value.append(b)
            js.append(c)
    if not by_value:
        return tuple(pd.DataFrame(columns=list(cols)) for cols in PARITY_COLUMNS)
    per_value = pd.concat(per_value, ignore_index=True)
    return (pd.concat(by_value, ignore_index=True), per_value, parity_summary(per_value),
            pd.concat(js, ignore_index=True))


def _users_frame(ctx, rows, index_rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows.values, columns=list(USER_METRICS))
    frame.insert(0, "n_test", rows.n_test)
    frame.insert(0, "user_id", rows.user_ids)
    frame.insert(0, "user", rows.users)
    frame.attrs["k"] = ctx.k
    for j, (g, cols) in enumerate(index_rows.group_slices()):
        if not g.is_intersection:
            codes = index_rows.columns[:, j] - cols.start
            frame[g.attribute] = np.asarray(g.labels, dtype=object)[codes]
    return frame


def assemble(ctx, lists, *, n_bootstrap: int, n_permutations: int, seed, level: float,
             covariates=()) -> AuditResult:
    """The full audit of the lists in ``fr_recs`` (``lists``: their ListFacts), whose per-user
    table ``fr_um`` ``ctx`` has built."""
    con, plan, facts, metrics = ctx.con, ctx.plan, ctx.facts, ctx.metric_names
    s = agg.shift(con)
    cells = agg.cell_sums(con, s)
    indicator = agg.cell_indicator(plan, cells.cells)
    groups = agg.group_sums(cells, indicator, s)
    index = GroupIndex.build(list(plan.groupings), np.zeros(0, dtype=np.int64))
    c = index.n_columns
    sizes, n = groups.sizes[:c].astype(np.int64), groups.counts[:c]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, groups.sums[:c] / n, np.nan)
        everyone = np.where(groups.counts[-1] > 0, groups.sums[-1] / groups.counts[-1], np.nan)
    ok = eligible(index, sizes, means, ctx.min_group_size, ctx.excluded)
    big = sizes >= ctx.min_group_size
    compared = big & ~ctx.excluded
    exposure, slots = agg.item_exposure(con, ctx.n_items)
    overall = pd.Series({**dict(zip(metrics, everyone, strict=True)),
                         f"coverage@{ctx.k}": float((exposure > 0).sum() / ctx.n_items),
                         f"gini_exposure@{ctx.k}": gini(exposure)}, dtype=np.float64)
    # the rows of the tests (all listed users, or a stratified sample)
    boot_seed = int(np.random.default_rng(seed).integers(2**31)) if seed is None else int(seed)
    rows = read_rows(con, pd.DataFrame({"cell": cells.cells, "n": cells.users.astype(np.int64)}),
                     max_users=ctx.max_test_users, floor=ctx.min_group_size, seed=boot_seed,
                     codes=plan.single_codes(cells.cells))
    index_rows = GroupIndex.build(plan.with_codes(plan.columns(plan.single_codes(rows.cells))),
                                  np.arange(len(rows)))
    _, perm_rng = np.random.default_rng(seed).spawn(2)  # the in-memory engine's stream
    replicates = None
    if n_bootstrap > 0:
        replicate = getattr(ctx, "replicates", poisson_replicates)  # Spark: its own SQL
        replicates = replicate(con, cells.cells, indicator, s, n_resamples=n_bootstrap,
                                        seed=boot_seed, threads=ctx.threads)
    stats = gap_statistics(rows.values, index_rows, means, ok, compared, metrics,
                           n_bootstrap=0, n_permutations=int(n_permutations), boot_rng=None,
                           perm_rng=perm_rng, level=level,
                           group_moments=(groups.mean[:c], groups.se2[:c]),
                           replicates=replicates)
    table = group_frame(index, metrics, means, n, sizes)
    table["ci_lo"], table["ci_hi"] = stats.lo[:-1].ravel(), stats.hi[:-1].ravel()
    overall_ci = pd.DataFrame({"metric": list(metrics), "ci_lo": stats.lo[-1],
                               "ci_hi": stats.hi[-1]})
    reference = reference_frame(index, metrics, means, sizes, ok, compared, ctx.reference)
    gaps = gap_frame(index, metrics, means, ok).join(stats.gaps)
    refs = reference.drop_duplicates(["attribute", "metric"]).set_index(
        ["attribute", "metric"])["reference"]
    gaps["reference_group"] = [refs.get((a, mt)) for a, mt in zip(gaps["attribute"],
                                                                 gaps["metric"], strict=True)]
    gaps["excluded_groups"] = excluded_groups(index, metrics, means, sizes, ctx.min_group_size,
                                              ctx.excluded)
    vs_rest = _vs_rest(index, metrics, groups, means, n, sizes, ok, stats.p_rest).join(
        stats.vs_rest)
    n_acc = len(ACCURACY_METRICS)
    x = np.column_stack([np.log1p(rows.n_hist.astype(np.float64)),
                         numeric_columns(con, rows.users, covariates)])
    adjusted = with_simultaneous(
        adjusted_gaps(rows.values[:, :n_acc], metrics[:n_acc], index_rows, ok[:, :n_acc], gaps,
                      x, (ACTIVITY, *covariates), level=level),
        gaps, stats.null_max, index.groupings, metrics)
    parity = _parity(con, index, cells.cells, indicator, facts.attributes, big)
    total = exposure.sum()
    item_exposure = pd.DataFrame({
        "item": np.arange(ctx.n_items), "item_id": ctx.universe.items["item_id"].to_numpy(),
        "exposure": exposure,
        "exposure_share": exposure / total if total > 0 else np.zeros_like(exposure),
        "slots": slots, "train_count": facts.counts, "relevant": facts.relevant,
        "popularity_band": np.asarray(POPULARITY_BANDS, dtype=object)[facts.bands]})
    users = _users_frame(ctx, rows, index_rows) if not rows.sampled else pd.DataFrame(
        columns=["user", "user_id", "n_test", *USER_METRICS,
                 *[g.attribute for g in plan.singles]])
    no_test = con.sql("SELECT count(*) FROM fr_um WHERE n_test = 0").fetchall()[0][0]
    note_facts = _NoteFacts(int(no_test), ctx.min_group_size, ctx.excluded)
    notes = list(AuditContext._notes(note_facts, note_facts, sizes, index))
    if rows.sampled:
        notes.append(f"permutation tests and activity-adjusted gaps on a stratified sample of "
                     f"{len(rows):,} of {rows.of:,} listed users (per-user table not kept)")
    counts = facts.counts
    head = {"head_share": HEAD_SHARE, "n_head_items": int(facts.head.sum()),
            "head_interaction_share": float(counts[facts.head].sum() / max(counts.sum(), 1)),
            "n_mid_items": int((facts.bands == 1).sum()),
            "n_tail_items": int((facts.bands == 2).sum())}
    return AuditResult(
        k=ctx.k, metrics=metrics, n_users=ctx.n_listed,
        n_evaluated=int(ctx.n_listed - no_test), min_group_size=ctx.min_group_size,
        n_bootstrap=int(n_bootstrap), n_permutations=int(n_permutations), level=float(level),
        seed=seed, overall=overall, overall_ci=overall_ci, users=users, groups=table,
        gaps=gaps, vs_rest=vs_rest, pairwise=stats.pairwise, reference=reference,
        parity=parity[0], parity_values=parity[1], parity_gaps=parity[2], parity_js=parity[3],
        item_exposure=item_exposure,
        exposure=exposure_group_table(facts.attributes, exposure, facts.relevant),
        lorenz=lorenz_table(exposure), popularity=_popularity(index, groups, ctx.n_listed),
        head=head, adjusted=adjusted, notes=tuple(notes))
