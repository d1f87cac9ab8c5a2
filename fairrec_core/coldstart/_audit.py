"""The cold-start audit: how well a model ranks the held-out new items for the users who
turned to them, how well it ranks the known items, and how much of each list's attention the
new items get — overall, per user group and per item group (e.g. do small sellers' new items
get seen?). Every metric is the audit's own (:mod:`fairrec_core.audit`,
:mod:`fairrec_core.metrics`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit import ACCURACY_METRICS, AuditContext
from fairrec_core.coldstart._lists import candidate_lists
from fairrec_core.coldstart._result import ColdStartResult
from fairrec_core.coldstart._split import ColdStartSplit
from fairrec_core.data._dataset import MAX_GROUP_VALUES
from fairrec_core.errors import DataError
from fairrec_core.metrics import item_exposure, lookup_hits, position_discount
from fairrec_core.models import top_n
from fairrec_core.ranking import PAD_ITEM

#: Per user: the share of the list's position-weighted exposure that falls on cold items.
COLD_EXPOSURE = "cold_exposure_share"
NOTE_NO_TRAIN = ("{n} users have interactions with cold items only: they have no training "
                 "history and are served as new users")


def _accuracy(ctx: AuditContext, lists, prefix: str):
    """Per-user accuracy columns and the long group table of one segment (cold or warm)."""
    summary = ctx.summarize(lists)
    per_user = ctx.user_metrics(lists)[list(ACCURACY_METRICS)]
    per_user.columns = [f"{prefix}_{m}@{ctx.k}" for m in ACCURACY_METRICS]
    wanted = [f"{m}@{ctx.k}" for m in ACCURACY_METRICS]
    groups = summary.groups[summary.groups["metric"].isin(wanted)].copy()
    groups["metric"] = prefix + "_" + groups["metric"]
    gaps = summary.gaps[summary.gaps["metric"].isin(wanted)].copy()
    gaps["metric"] = prefix + "_" + gaps["metric"]
    overall = summary.overall[wanted]
    overall.index = [f"{prefix}_{m}" for m in overall.index]
    notes = tuple(f"{prefix} items: {note}" for note in summary.notes)
    return per_user, groups, gaps, overall, notes


def _exposure_groups(ctx: AuditContext, users: np.ndarray, share: np.ndarray,
                     metric: str) -> pd.DataFrame:
    """Group means of each user's cold exposure share, in the long group-table form."""
    rows = []
    for grouping in ctx.groupings:
        codes = grouping.codes[users]
        n_users = np.bincount(codes, minlength=grouping.n_groups)
        defined = ~np.isnan(share)
        n = np.bincount(codes[defined], minlength=grouping.n_groups)
        total = np.bincount(codes[defined], weights=share[defined], minlength=grouping.n_groups)
        for g, label in enumerate(grouping.labels):
            rows.append({"attribute": grouping.attribute, "group": label, "metric": metric,
                         "n_users": int(n_users[g]), "n": int(n[g]),
                         "mean": total[g] / n[g] if n[g] else np.nan})
    return pd.DataFrame(rows, columns=["attribute", "group", "metric", "n_users", "n", "mean"])


def _item_table(split: ColdStartSplit, attributes, exposure: np.ndarray, listed: np.ndarray,
                relevant: np.ndarray, found: np.ndarray) -> pd.DataFrame:
    """Per item attribute and value: the value's cold items, their exposure against the warm
    items' of the same value, how many of them were listed at all, and the share of their
    relevant (user, item) pairs that the cold-item ranking found."""
    cold, items = split.is_cold, split.train.items
    total = exposure.sum()
    frames = []
    for name in attributes:
        labels = items[name].astype("string").fillna("Unknown").astype(str).to_numpy()
        values, codes = np.unique(labels, return_inverse=True)
        nv = len(values)

        def per(mask, weights=None, codes=codes, nv=nv):
            return np.bincount(codes[mask], weights=None if weights is None else weights[mask],
                               minlength=nv)

        n_cold, n_warm = per(cold), per(~cold)
        e_cold, e_warm = per(cold, exposure), per(~cold, exposure)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_cold = np.where(n_cold > 0, e_cold / n_cold, np.nan)
            per_warm = np.where(n_warm > 0, e_warm / n_warm, np.nan)
            rel, hit = per(cold, relevant), per(cold, found)
            frames.append(pd.DataFrame({
                "item_attribute": name, "value": values.astype(object),
                "n_items": n_cold + n_warm, "n_cold": n_cold,
                "cold_exposure_share": e_cold / total if total > 0 else np.nan,
                "cold_exposure_per_item": per_cold, "warm_exposure_per_item": per_warm,
                "cold_vs_warm": np.where(per_warm > 0, per_cold / per_warm, np.nan),
                "cold_listed": np.where(n_cold > 0, per(cold & listed) / n_cold, np.nan),
                "cold_relevant": rel.astype(np.int64),
                "cold_found": np.where(rel > 0, hit / rel, np.nan),
            }))
    columns = ["item_attribute", "value", "n_items", "n_cold", "cold_exposure_share",
               "cold_exposure_per_item", "warm_exposure_per_item", "cold_vs_warm",
               "cold_listed", "cold_relevant", "cold_found"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _item_attributes(train, item_attributes) -> list[str]:
    if item_attributes is None:
        return [a for a in train.item_attributes
                if train.items[a].nunique(dropna=False) <= MAX_GROUP_VALUES]
    names = [item_attributes] if isinstance(item_attributes, str) else list(item_attributes)
    for name in names:
        if name not in train.items.columns or name in ("item_id", "title", "description"):
            raise DataError(f"cold-start audit: unknown item attribute {name!r}; available: "
                            f"{', '.join(train.item_attributes) or 'none'}")
    return names


def cold_start_audit(split: ColdStartSplit, model, *, k: int = 10, groups=None,
                     item_attributes=None) -> ColdStartResult:
    """Audit ``model`` (fitted on ``split.train``) for cold start at cutoff ``k``.

    - cold accuracy: each user's top-``k`` among the cold items only, against the user's
      cold-item interactions (NDCG, recall, ... as the audit defines them; users without
      cold-item interactions left out of means);
    - warm accuracy: the same among the warm items, against the warm held-out interactions;
    - exposure: in each user's top-``k`` over the whole catalogue (training items left out),
      the share of the position-weighted exposure (:func:`~fairrec_core.metrics.item_exposure`)
      on cold items, per user and per user group; per item attribute value, the cold items'
      exposure per item against the warm items', the share of them listed at all, and the
      share of their relevant pairs the cold ranking found.

    ``groups`` are the user attributes (default: the audit's), ``item_attributes`` the item
    columns (default: the dataset's item attributes with at most 60 values)."""
    if not isinstance(split, ColdStartSplit):
        raise DataError(f"cold-start audit: expected a ColdStartSplit, got {type(split).__name__}")
    model._check_fitted()
    if str(model.fingerprint_) != str(split.train.fingerprint):
        raise DataError(f"cold-start audit: the {model.name} model was not trained on this "
                        "split's training data")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise DataError(f"cold-start audit: k must be a positive integer, got {k!r}")
    k = int(k)
    attributes = _item_attributes(split.train, item_attributes)
    train = split.train
    users = np.arange(train.n_users, dtype=np.int64)
    cold_ctx = AuditContext(train, split.cold_test, k=k, groups=groups, intersections=False)
    warm_ctx = AuditContext(train, split.warm_test, k=k, groups=groups, intersections=False)
    cold_lists = candidate_lists(model, users, split.cold_items, k)
    warm_lists = candidate_lists(model, users, split.warm_items, k)
    c_user, c_groups, c_gaps, c_overall, c_notes = _accuracy(cold_ctx, cold_lists, "cold")
    w_user, w_groups, w_gaps, w_overall, w_notes = _accuracy(warm_ctx, warm_lists, "warm")

    full = top_n(model, users, k)
    valid = full.items != PAD_ITEM
    weight = np.where(valid, position_discount(k)[None, :], 0.0)
    on_cold = valid & split.is_cold[np.maximum(full.items, 0)]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(valid.any(axis=1),
                         (weight * on_cold).sum(axis=1) / weight.sum(axis=1), np.nan)
    exposure = item_exposure(full.items, train.n_items)
    listed = np.zeros(train.n_items, dtype=bool)
    listed[full.items[valid]] = True
    metric = f"{COLD_EXPOSURE}@{k}"

    hits = lookup_hits(users, cold_lists.items, cold_ctx.test_keys, train.n_items,
                       cold_ctx.test_bits)
    found = np.bincount(cold_lists.items[hits], minlength=train.n_items).astype(np.float64)
    relevant = split.cold_test.item_counts.astype(np.float64)

    per_user = pd.concat([pd.DataFrame({
        "user": users, "user_id": train.user_vocab.lookup(users),
        "n_train": train.user_counts, "n_cold_test": split.cold_test.user_counts,
        "n_warm_test": split.warm_test.user_counts}), c_user.reset_index(drop=True),
        w_user.reset_index(drop=True), pd.DataFrame({metric: share})], axis=1)
    n_cold, total = len(split.cold_items), exposure.sum()
    e_share = float(exposure[split.is_cold].sum() / total) if total > 0 else float("nan")
    overall = pd.concat([c_overall, w_overall, pd.Series({
        f"cold_exposure_share@{k}": e_share,
        "cold_catalogue_share": n_cold / train.n_items,
        f"cold_exposure_vs_catalogue@{k}": e_share / (n_cold / train.n_items),
        f"cold_coverage@{k}": float(listed[split.is_cold].mean()),
        "cold_users": float((split.cold_test.user_counts > 0).sum()),
        "warm_users": float((split.warm_test.user_counts > 0).sum()),
    })]).astype(np.float64)
    no_train = int(((train.user_counts == 0) & (split.cold_test.user_counts > 0)).sum())
    notes = list(dict.fromkeys(c_notes + w_notes))
    if no_train:
        notes.append(NOTE_NO_TRAIN.format(n=no_train))
    return ColdStartResult(
        k=k, model=str(model.name), cold_share=split.cold_share, n_items=train.n_items,
        n_cold=n_cold, overall=overall,
        groups=pd.concat([c_groups, w_groups,
                          _exposure_groups(cold_ctx, users, share, metric)], ignore_index=True),
        gaps=pd.concat([c_gaps, w_gaps], ignore_index=True),
        items=_item_table(split, attributes, exposure, listed, relevant, found),
        users=per_user, notes=tuple(notes),
    )
