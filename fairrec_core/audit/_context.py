"""The audit context: everything about the data precomputed once, so that assessing a set of
ranked lists (a model's, or a re-ranker's after every slider move) is cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit._bootstrap import bootstrap_intervals
from fairrec_core.audit._exposure import group_table as exposure_group_table
from fairrec_core.audit._exposure import item_table, lorenz_table
from fairrec_core.audit._gaps import (
    FOUR_FIFTHS,
    MIN_GROUP_SIZE,
    eligible,
    gap_frame,
    group_frame,
    group_means,
    ratio,
    spread,
)
from fairrec_core.audit._groups import GroupIndex, user_groupings
from fairrec_core.audit._items import item_attributes
from fairrec_core.audit._parity import (
    PARITY_COLUMNS,
    parity_summary,
    parity_tables,
    recommended_parity,
    slot_counts,
    user_value_counts,
)
from fairrec_core.audit._permutation import permutation_pvalues
from fairrec_core.audit._popularity import popularity_lift
from fairrec_core.audit._result import AuditResult
from fairrec_core.audit._summary import AuditSummary
from fairrec_core.errors import DataError
from fairrec_core.metrics import (
    average_popularity,
    average_precision,
    calibration_kl,
    category_matrix,
    gini,
    history_distribution,
    hit_rate,
    intra_list_diversity,
    item_exposure,
    list_distribution,
    long_tail_share,
    lookup_hits,
    ndcg,
    novelty,
    popularity_bands,
    precision,
    recall,
    reciprocal_rank,
    relevance_bitset,
    relevance_keys,
)
from fairrec_core.ranking import PAD_ITEM, RankedLists

#: Per-user accuracy metrics (NaN for users without test items).
ACCURACY_METRICS = ("precision", "recall", "ndcg", "hit_rate", "mrr", "map")
#: Per-user beyond-accuracy metrics (NaN where undefined: empty lists, no history).
BEYOND_METRICS = ("ild", "novelty", "arp", "aplt", "calibration_kl")
#: Every per-user metric, in the column order of :meth:`AuditContext.user_metrics`.
USER_METRICS = ACCURACY_METRICS + BEYOND_METRICS
#: Catalogue-level metrics (one value for all lists).
CATALOGUE_METRICS = ("coverage", "gini_exposure")

NOTE_NO_TEST = ("{n} listed users have no test items: they are left out of accuracy means "
                "(precision, recall, ndcg, hit_rate, mrr, map) but count for the other metrics")
NOTE_SMALL = ("groups with fewer than {n} listed users are shown but left out of gaps, ratios and "
              "tests: {groups}")


class AuditContext:
    """Precomputed facts about a train / test split for auditing ranked lists at cutoff ``k``.

    Built once per split: the test keys (relevance), item popularity from ``train`` and the head
    (the most popular items holding 20% of training interactions), head / mid / tail bands,
    item category codes (ILD) and category distributions ("|"-joined ``categories`` spread evenly,
    else ``category``), each user's history distribution (calibration), group codes per user
    attribute and, with ``intersections``, per pair of attributes, and item attributes for
    parity. ``groups`` defaults to gender, age_group and region where the data has them.

    Then, for any :class:`~fairrec_core.ranking.RankedLists` (the first ``k`` ranks are used):
    :meth:`user_metrics` (per user), :meth:`summarize` (fast: means, gaps) and :meth:`audit`
    (everything, with bootstrap intervals and permutation tests).
    """

    def __init__(self, train, test, *, k: int = 10, groups=None, intersections: bool = True,
                 min_group_size: int = MIN_GROUP_SIZE):
        if train.n_users != test.n_users or train.n_items != test.n_items:
            raise DataError(
                f"audit: train ({train.n_users} users, {train.n_items} items) and test "
                f"({test.n_users} users, {test.n_items} items) are not a split of one dataset"
            )
        if int(k) < 1:
            raise DataError(f"audit: k must be at least 1, got {k}")
        self.train = train
        self.test = test
        self.k = int(k)
        self.min_group_size = int(min_group_size)
        self.groupings = user_groupings(train, groups, intersections=intersections)
        self.n_users = train.n_users
        self.n_items = train.n_items
        # relevance
        self.test_keys = relevance_keys(test)
        self.test_bits = relevance_bitset(self.test_keys, self.n_users * self.n_items)
        self.n_test = test.user_counts
        # popularity (from training)
        self.item_counts = train.item_counts.astype(np.int64)
        self.bands = popularity_bands(self.item_counts)
        self.head = self.bands == 0
        # categories
        items = train.items
        if "category" in items.columns:
            labels = items["category"].astype("string").fillna("Unknown").astype(str)
            self.item_category = pd.factorize(labels)[0].astype(np.int64)
        else:
            self.item_category = np.zeros(self.n_items, dtype=np.int64)
        column = "categories" if "categories" in items.columns else "category"
        if column in items.columns:
            self.categories, self.item_categories = category_matrix(items[column])
        else:
            self.categories, self.item_categories = category_matrix(
                pd.Series(["Unknown"] * self.n_items))
        self.calibration_attribute = column
        self.history = history_distribution(train, self.item_categories)
        # history popularity per user (popularity lift)
        inter = train.interactions
        u = inter["user"].to_numpy(np.int64)
        pop = self.item_counts[inter["item"].to_numpy(np.int64)].astype(np.float64)
        hist_n = np.bincount(u, minlength=self.n_users)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.history_popularity = np.where(
                hist_n > 0, np.bincount(u, weights=pop, minlength=self.n_users) / hist_n, np.nan)
        self.item_attributes = item_attributes(train, self.bands)
        self.history_values = [user_value_counts(train, a.codes, a.n_values)
                               for a in self.item_attributes]
        t = test.interactions
        self.test_users = t["user"].to_numpy(np.int64)
        self.test_items = t["item"].to_numpy(np.int64)

    def __repr__(self) -> str:
        return (f"AuditContext(k={self.k}, users={self.n_users}, items={self.n_items}, "
                f"groups={[g.attribute for g in self.groupings]})")

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Per-user metric labels at this cutoff: ``("precision@10", ...)``."""
        return tuple(f"{m}@{self.k}" for m in USER_METRICS)

    # ---- per-user metrics ---------------------------------------------------------------------
    def _at_k(self, lists: RankedLists) -> RankedLists:
        if not isinstance(lists, RankedLists):
            raise DataError(f"audit: expected RankedLists, got {type(lists).__name__}")
        users, items = lists.users, lists.items
        if len(users) and (users.min() < 0 or users.max() >= self.n_users):
            raise DataError(f"audit: lists name user indices outside 0..{self.n_users - 1}")
        if items.size and (items.min() < PAD_ITEM or items.max() >= self.n_items):
            raise DataError(f"audit: lists name item indices outside 0..{self.n_items - 1}")
        if len(users) and np.bincount(users, minlength=self.n_users).max() > 1:
            raise DataError("audit: a user has more than one list")
        top = lists.top(self.k)
        if top.depth < self.k:  # short lists: pad to k so that precision divides by k
            pad = self.k - top.depth
            top = RankedLists(
                users,
                np.hstack([top.items, np.full((len(users), pad), PAD_ITEM, dtype=np.int64)]),
                np.hstack([top.scores, np.full((len(users), pad), -np.inf, dtype=np.float32)]),
            )
        return top

    def _metric_matrix(self, top: RankedLists) -> np.ndarray:
        """float64 ``[n_listed, len(USER_METRICS)]`` for lists already cut to k."""
        users, items = top.users, top.items
        hits = lookup_hits(users, items, self.test_keys, self.n_items, self.test_bits)
        n_rel = self.n_test[users]
        q = list_distribution(items, self.item_categories)
        columns = (
            precision(hits, n_rel),
            recall(hits, n_rel),
            ndcg(hits, n_rel),
            hit_rate(hits, n_rel),
            reciprocal_rank(hits, n_rel),
            average_precision(hits, n_rel),
            intra_list_diversity(items, self.item_category),
            novelty(items, self.item_counts, self.n_users),
            average_popularity(items, self.item_counts),
            long_tail_share(items, self.head),
            calibration_kl(self.history[users], q),
        )
        return np.column_stack(columns) if len(users) else np.zeros((0, len(columns)))

    def user_metrics(self, lists: RankedLists) -> pd.DataFrame:
        """One row per listed user: ``user`` (index), ``user_id``, ``n_test`` and every metric of
        :data:`USER_METRICS` at ``k`` (column names without ``@k``; NaN where undefined)."""
        top = self._at_k(lists)
        return self._user_frame(top, self._metric_matrix(top))

    def _user_frame(self, top: RankedLists, values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, columns=list(USER_METRICS))
        frame.insert(0, "n_test", self.n_test[top.users])
        frame.insert(0, "user_id", self.train.user_vocab.lookup(top.users))
        frame.insert(0, "user", top.users)
        frame.attrs["k"] = self.k
        return frame

    # ---- fast summary -------------------------------------------------------------------------
    def _catalogue(self, top: RankedLists) -> tuple[np.ndarray, dict]:
        exposure = item_exposure(top.items, self.n_items)
        return exposure, {  # every listed item has exposure > 0: coverage from exposure
            f"coverage@{self.k}": float((exposure > 0).sum() / self.n_items),
            f"gini_exposure@{self.k}": gini(exposure),
        }

    def _notes(self, top: RankedLists, sizes: np.ndarray, index: GroupIndex) -> list[str]:
        notes = []
        no_test = int((self.n_test[top.users] == 0).sum())
        if no_test:
            notes.append(NOTE_NO_TEST.format(n=no_test))
        small = [f"{g.attribute}={lab}" for g, cols in index.group_slices()
                 for lab, n in zip(g.labels, sizes[cols], strict=True)
                 if 0 < n < self.min_group_size and not g.is_intersection]
        n_small_x = sum(int(((sizes[cols] > 0) & (sizes[cols] < self.min_group_size)).sum())
                        for g, cols in index.group_slices() if g.is_intersection)
        if small or n_small_x:
            listed = ", ".join(small[:10]) + (" ..." if len(small) > 10 else "")
            if n_small_x:
                listed += f"{'; ' if small else ''}{n_small_x} intersection groups"
            notes.append(NOTE_SMALL.format(n=self.min_group_size, groups=listed))
        return notes

    def _summary_parts(self, lists: RankedLists):
        top = self._at_k(lists)
        values = self._metric_matrix(top)
        index = GroupIndex.build(self.groupings, top.users)
        means, n = group_means(index, values)
        sizes = np.bincount(index.columns.ravel(), minlength=index.n_columns)
        ok = eligible(index, sizes, means, self.min_group_size)
        with np.errstate(invalid="ignore"):
            overall_values = [float(np.nanmean(c)) if (~np.isnan(c)).any() else float("nan")
                              for c in values.T]
        exposure, catalogue = self._catalogue(top)
        overall = pd.Series({**dict(zip(self.metric_names, overall_values, strict=True)),
                             **catalogue}, dtype=np.float64)
        return top, values, index, means, n, sizes, ok, overall, exposure

    def summarize(self, lists: RankedLists) -> AuditSummary:
        """Overall figures, per-group means and gaps (difference, ratio, four-fifths flag) of
        ``lists`` at ``k`` — no bootstrap, no permutation test; fast enough for sliders."""
        top, values, index, means, n, sizes, ok, overall, _ = self._summary_parts(lists)
        metrics = self.metric_names
        return AuditSummary(
            k=self.k,
            metrics=metrics,
            overall=overall,
            groups=group_frame(index, metrics, means, n, sizes),
            gaps=gap_frame(index, metrics, means, ok),
            n_users=len(top.users),
            n_evaluated=int((self.n_test[top.users] > 0).sum()),
            min_group_size=self.min_group_size,
            notes=tuple(self._notes(top, sizes, index)),
            parity=recommended_parity(index, sizes >= self.min_group_size, top.items,
                                      self.item_attributes),
        )

    # ---- full audit ---------------------------------------------------------------------------
    def audit(self, lists: RankedLists, *, n_bootstrap: int = 1000, n_permutations: int = 1000,
              seed: int | None = 0, level: float = 0.95) -> AuditResult:
        """Everything: the summary, plus ``level`` bootstrap intervals of every group mean
        (``n_bootstrap`` resamples of users), permutation p-values of every gap and of each
        group against the rest (``n_permutations`` shuffles of the group labels), demographic
        parity of recommended item attributes against the groups' histories, item exposure and
        the popularity lift per group. ``seed`` makes it reproducible."""
        if not 0 < level < 1:
            raise DataError(f"audit: confidence level must be between 0 and 1, got {level}")
        if n_bootstrap < 0 or n_permutations < 0:
            raise DataError("audit: the numbers of resamples and permutations cannot be negative")
        top, values, index, means, n, sizes, ok, overall, exposure = self._summary_parts(lists)
        metrics = self.metric_names
        boot_rng, perm_rng = np.random.default_rng(seed).spawn(2)
        # bootstrap intervals: every group column plus one "everyone" column
        # and, from the same resamples, of every gap (best- minus worst-served group)
        everyone = np.full((len(top.users), 1), index.n_columns)
        _, _, arg_hi, arg_lo, _ = spread(means, ok, index)
        lo, hi, gap_lo, gap_hi = bootstrap_intervals(
            values, np.hstack([index.columns, everyone]), index.n_columns + 1,
            n_resamples=int(n_bootstrap), rng=boot_rng, level=level, pairs=(arg_hi, arg_lo))
        groups = group_frame(index, metrics, means, n, sizes)
        groups["ci_lo"] = lo[:-1].ravel()
        groups["ci_hi"] = hi[:-1].ravel()
        overall_ci = pd.DataFrame({"metric": list(metrics), "ci_lo": lo[-1], "ci_hi": hi[-1]})
        # permutation tests
        big = sizes >= self.min_group_size
        p_gap, p_rest = permutation_pvalues(values, index, big, n_permutations=int(n_permutations),
                                            rng=perm_rng)
        gaps = gap_frame(index, metrics, means, ok)
        gaps["p_value"] = p_gap.ravel()
        gaps["ci_lo"] = gap_lo.ravel()
        gaps["ci_hi"] = gap_hi.ravel()
        vs_rest = self._vs_rest(index, metrics, values, means, n, sizes, ok, p_rest)
        # parity, exposure, popularity
        parity = self._parity(top, index, big)
        relevant = np.bincount(self.test_items[np.isin(self.test_users, top.users)],
                               minlength=self.n_items).astype(np.float64)
        users = self._user_frame(top, values)
        for g in self.groupings:
            if not g.is_intersection:
                users[g.attribute] = np.asarray(g.labels, dtype=object)[g.codes[top.users]]
        popularity = popularity_lift(index, sizes, self.history_popularity[top.users],
                                     values[:, USER_METRICS.index("arp")])
        head = {"head_share": 0.2, "n_head_items": int(self.head.sum()),
                "head_interaction_share": float(self.item_counts[self.head].sum()
                                                / max(self.item_counts.sum(), 1)),
                "n_mid_items": int((self.bands == 1).sum()),
                "n_tail_items": int((self.bands == 2).sum())}
        return AuditResult(
            k=self.k, metrics=metrics, n_users=len(top.users),
            n_evaluated=int((self.n_test[top.users] > 0).sum()),
            min_group_size=self.min_group_size, n_bootstrap=int(n_bootstrap),
            n_permutations=int(n_permutations), level=float(level), seed=seed,
            overall=overall, overall_ci=overall_ci, users=users, groups=groups, gaps=gaps,
            vs_rest=vs_rest, parity=parity[0], parity_values=parity[1],
            parity_gaps=parity[2], parity_js=parity[3],
            item_exposure=item_table(self, top.items, exposure, relevant),
            exposure=exposure_group_table(self.item_attributes, exposure, relevant),
            lorenz=lorenz_table(exposure), popularity=popularity, head=head,
            notes=tuple(self._notes(top, sizes, index)),
        )

    def _vs_rest(self, index, metrics, values, means, n, sizes, ok, p_rest) -> pd.DataFrame:
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
        frame["p_value"] = p_rest.ravel()
        frame["compared"] = ok.ravel()
        return frame

    def _parity(self, top: RankedLists, index: GroupIndex, big: np.ndarray):
        by_value, per_value, js = [], [], []
        counts = [(slot_counts(top.items, attr.codes, attr.n_values), hist[top.users])
                  for attr, hist in zip(self.item_attributes, self.history_values, strict=True)]
        for g, cols in index.group_slices():
            if g.is_intersection:
                continue
            for attr, (rec, hist_listed) in zip(self.item_attributes, counts, strict=True):
                a, b, c = parity_tables(g, cols, index.indicator, rec, hist_listed, attr,
                                        big[cols])
                by_value.append(a)
                per_value.append(b)
                js.append(c)
        if not by_value:  # no single-attribute grouping: empty tables with their columns
            return tuple(pd.DataFrame(columns=list(cols)) for cols in PARITY_COLUMNS)
        per_value = pd.concat(per_value, ignore_index=True)
        return (pd.concat(by_value, ignore_index=True), per_value, parity_summary(per_value),
                pd.concat(js, ignore_index=True))
