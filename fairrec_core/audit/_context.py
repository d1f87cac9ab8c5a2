"""The audit context: everything about the data precomputed once, so that assessing a set of
ranked lists (a model's, or a re-ranker's after every slider move) is cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit._gaps import (
    MIN_GROUP_SIZE,
    eligible,
    gap_frame,
    group_frame,
    group_means,
)
from fairrec_core.audit._groups import GroupIndex, user_groupings
from fairrec_core.audit._items import item_attributes
from fairrec_core.audit._parity import (
    recommended_parity,
    user_value_counts,
)
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
NOTE_UNINFORMATIVE = ("groups whose label carries no information (unspecified, unknown or "
                      "missing) are shown but left out of gaps, ratios and tests: {groups} "
                      "(include_uninformative / --include-unspecified puts them back)")


class AuditContext:
    """Precomputed facts about a train / test split for auditing ranked lists at cutoff ``k``.

    Built once per split: the test keys (relevance), item popularity from ``train`` and the head
    (the most popular items holding 20% of training interactions), head / mid / tail bands,
    item category codes (ILD) and category distributions ("|"-joined ``categories`` spread evenly,
    else ``category``), each user's history distribution (calibration), group codes per user
    attribute and, with ``intersections``, per pair of attributes, and item attributes for
    parity. ``groups`` defaults to gender, age_group and region where the data has them.

    Groups with fewer than ``min_group_size`` listed users and, unless
    ``include_uninformative``, groups whose label carries no information
    (:data:`~fairrec_core.audit.UNINFORMATIVE`: unspecified / unknown / missing; an intersection
    group when any part is) are shown in group tables but left out of gaps, ratios and tests
    (disclosed in the notes). ``reference`` maps attributes to the group that ratios are taken
    against in a full audit (``{"gender": "M"}``); default: the largest compared group.

    Then, for any :class:`~fairrec_core.ranking.RankedLists` (the first ``k`` ranks are used):
    :meth:`user_metrics` (per user), :meth:`summarize` (fast: means, gaps) and :meth:`audit`
    (everything, with bootstrap intervals and permutation tests).
    """

    def __init__(self, train, test, *, k: int = 10, groups=None, intersections: bool = True,
                 min_group_size: int = MIN_GROUP_SIZE, include_uninformative: bool = False,
                 reference: dict | None = None):
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
        self.include_uninformative = bool(include_uninformative)
        # bool per group column (groupings side by side, as in GroupIndex): left out of gaps
        self.excluded = (np.zeros(sum(g.n_groups for g in self.groupings), dtype=bool)
                         if self.include_uninformative else
                         np.concatenate([g.uninformative for g in self.groupings] or [[]])
                         .astype(bool))
        self.reference = self._check_reference(reference)
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

    def _check_reference(self, reference) -> dict:
        known = {g.attribute: g for g in self.groupings}
        out = {}
        for attribute, group in dict(reference or {}).items():
            if attribute not in known:
                raise DataError(f"audit: reference {attribute}={group}: {attribute!r} is not "
                                f"audited; audited: {', '.join(known) or 'none'}")
            if str(group) not in known[attribute].labels:
                raise DataError(f"audit: reference {attribute}={group}: no such group; groups: "
                                f"{', '.join(known[attribute].labels)}")
            out[attribute] = str(group)
        return out

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
        shown = self.excluded & (sizes > 0)
        vague = [f"{g.attribute}={lab}" for g, cols in index.group_slices()
                 if not g.is_intersection
                 for lab, flag in zip(g.labels, shown[cols], strict=True) if flag]
        n_vague_x = sum(int(shown[cols].sum()) for g, cols in index.group_slices()
                        if g.is_intersection)
        if vague or n_vague_x:
            listed = ", ".join(vague[:10]) + (" ..." if len(vague) > 10 else "")
            if n_vague_x:
                listed += f"{'; ' if vague else ''}{n_vague_x} intersection groups"
            notes.append(NOTE_UNINFORMATIVE.format(groups=listed))
        return notes

    def _summary_parts(self, lists: RankedLists):
        top = self._at_k(lists)
        values = self._metric_matrix(top)
        index = GroupIndex.build(self.groupings, top.users)
        means, n = group_means(index, values)
        sizes = np.bincount(index.columns.ravel(), minlength=index.n_columns)
        ok = eligible(index, sizes, means, self.min_group_size, self.excluded)
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
              seed: int | None = 0, level: float = 0.95,
              covariates=None) -> AuditResult:
        """Everything: the summary, plus ``level`` bootstrap intervals of every group mean
        (``n_bootstrap`` resamples of users), simultaneous intervals of every pairwise gap,
        studentised permutation tests of every gap, pair and group against the rest
        (``n_permutations`` shuffles of the group labels) with multiplicity-adjusted p-values,
        ratios to a reference group, the minimum detectable gap, demographic parity of
        recommended item attributes against the groups' histories, item exposure and the
        popularity lift per group. ``seed`` makes it reproducible. See :mod:`._full`.

        ``adjusted``: every gap of an accuracy metric also with the users' activity held equal
        (log(1 + training interactions)) and, with ``covariates``, numeric user columns such as
        ``"age"`` (see :mod:`._adjusted`)."""
        from fairrec_core.audit._full import full_audit

        return full_audit(self, lists, n_bootstrap=n_bootstrap, n_permutations=n_permutations,
                          seed=seed, level=level, covariates=covariates)
