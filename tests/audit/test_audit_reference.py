"""Every metric on ML-100K against a slow, independent reference written plainly here; group
means against fairlearn's MetricFrame."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import USER_METRICS, AuditContext

K = 10
ALPHA = 0.01


def reference_user_metrics(train, test, lists, k):
    """Plain loops over users and items, from the raw interaction tables."""
    relevant = defaultdict(set)
    for u, i in zip(test.interactions["user"], test.interactions["item"], strict=True):
        relevant[int(u)].add(int(i))
    history = defaultdict(list)
    counts = Counter()
    for u, i in zip(train.interactions["user"], train.interactions["item"], strict=True):
        history[int(u)].append(int(i))
        counts[int(i)] += 1
    total = sum(counts.values())
    by_pop = sorted(range(train.n_items), key=lambda i: (-counts[i], i))
    head, held = set(), 0
    for i in by_pop:
        if held >= 0.2 * total:
            break
        head.add(i)
        held += counts[i]
    category = list(train.items["category"].astype(str))
    genres = [str(g).split("|") for g in train.items["categories"]]

    def genre_dist(items):
        d = Counter()
        for i in items:
            for g in genres[i]:
                d[g] += 1 / len(genres[i]) / len(items)
        return d

    rows = []
    for r, u in enumerate(lists.users):
        u = int(u)
        recs = [int(i) for i in lists.items[r][:k] if i >= 0]
        rel = relevant[u]
        hits = [i in rel for i in recs]
        row = {"user": u}
        if rel:
            n_hit = sum(hits)
            row["precision"] = n_hit / k
            row["recall"] = n_hit / len(rel)
            dcg = sum(1 / math.log2(pos + 2) for pos, h in enumerate(hits) if h)
            idcg = sum(1 / math.log2(pos + 2) for pos in range(min(len(rel), k)))
            row["ndcg"] = dcg / idcg
            row["hit_rate"] = float(n_hit > 0)
            row["mrr"] = next((1 / (pos + 1) for pos, h in enumerate(hits) if h), 0.0)
            found, ap = 0, 0.0
            for pos, h in enumerate(hits):
                if h:
                    found += 1
                    ap += found / (pos + 1)
            row["map"] = ap / min(len(rel), k)
        else:
            for m in ("precision", "recall", "ndcg", "hit_rate", "mrr", "map"):
                row[m] = float("nan")
        pairs = [(a, b) for x, a in enumerate(recs) for b in recs[x + 1:]]
        row["ild"] = (sum(category[a] != category[b] for a, b in pairs) / len(pairs)
                      if pairs else float("nan"))
        if recs:
            row["novelty"] = sum(-math.log2(max(counts[i], 1) / train.n_users) for i in recs) / len(recs)
            row["arp"] = sum(counts[i] for i in recs) / len(recs)
            row["aplt"] = sum(i not in head for i in recs) / len(recs)
        else:
            row["novelty"] = row["arp"] = row["aplt"] = float("nan")
        if recs and history[u]:
            p, q = genre_dist(history[u]), genre_dist(recs)
            row["calibration_kl"] = sum(
                pg * math.log(pg / ((1 - ALPHA) * q.get(g, 0.0) + ALPHA * pg))
                for g, pg in p.items() if pg > 0)
        else:
            row["calibration_kl"] = float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def test_set(ml100k_split):
    """The test split without the held-out items of every tenth user (users without test items
    must be left out of accuracy means)."""
    t = ml100k_split.test
    return t.with_interactions(t.interactions[t.interactions["user"] % 10 != 3])


@pytest.fixture(scope="module")
def ctx(ml100k_split, test_set):
    return AuditContext(ml100k_split.train, test_set, k=K,
                        groups=["gender", "age_group", "occupation"], min_group_size=1)


@pytest.fixture(scope="module")
def reference(ml100k_split, test_set, ml100k_lists):
    return reference_user_metrics(ml100k_split.train, test_set, ml100k_lists, K)


def test_every_user_metric_matches_the_reference(ctx, ml100k_lists, reference):
    ours = ctx.user_metrics(ml100k_lists)
    assert ours["user"].tolist() == reference["user"].tolist()
    assert ours["n_test"].eq(0).any()  # the case "no test items" is exercised
    assert reference["aplt"].between(0.01, 0.99).mean() > 0.5  # lists reach into the tail
    for metric in USER_METRICS:
        np.testing.assert_allclose(ours[metric], reference[metric], rtol=1e-9, atol=1e-12,
                                   err_msg=metric)


def test_group_means_and_catalogue_metrics_match_the_reference(ml100k_split, ctx, ml100k_lists,
                                                               reference):
    s = ctx.summarize(ml100k_lists)
    users = ml100k_split.train.users
    ref = reference.assign(gender=users["gender"].astype(str).to_numpy()[reference["user"]])
    for metric in USER_METRICS:
        assert s.overall[f"{metric}@{K}"] == pytest.approx(ref[metric].mean(skipna=True), rel=1e-9)
        by_gender = ref.groupby("gender")[metric].mean()
        table = s.group_table("gender", f"{metric}@{K}").set_index("group")
        for g, v in by_gender.items():
            assert table.loc[g, "mean"] == pytest.approx(v, rel=1e-9)
    # coverage and Gini of exposure from plain loops
    exposure = [0.0] * ml100k_split.train.n_items
    for row in ml100k_lists.items:
        for pos, i in enumerate(row[:K]):
            if i >= 0:
                exposure[int(i)] += 1 / math.log2(pos + 2)
    assert s.overall[f"coverage@{K}"] == pytest.approx(
        sum(e > 0 for e in exposure) / len(exposure))
    x = sorted(exposure)
    n = len(x)
    gini = sum((2 * (i + 1) - n - 1) * v for i, v in enumerate(x)) / (n * sum(x))
    assert s.overall[f"gini_exposure@{K}"] == pytest.approx(gini)


@pytest.mark.parametrize("attribute", ["gender", "age_group", "occupation", "gender & age_group"])
@pytest.mark.parametrize("metric", ["ndcg", "recall", "aplt", "calibration_kl"])
def test_group_means_agree_with_fairlearn(ctx, ml100k_lists, attribute, metric):
    result = ctx.audit(ml100k_lists, n_bootstrap=0, n_permutations=0)
    frame = result.metric_frame(metric, attribute)
    table = result.group_table(attribute, f"{metric}@{K}").set_index("group")
    by_group = frame.by_group[metric]
    if isinstance(by_group.index, pd.MultiIndex):
        by_group.index = [" & ".join(map(str, t)) for t in by_group.index]
    by_group = by_group.dropna()
    assert sorted(by_group.index) == sorted(table.index[table["n"] > 0])
    for g, v in by_group.items():
        assert table.loc[g, "mean"] == pytest.approx(v, rel=1e-12)
    gap = result.gap(attribute, f"{metric}@{K}")
    assert gap["difference"] == pytest.approx(frame.difference()[metric], rel=1e-12)
    assert gap["ratio"] == pytest.approx(frame.ratio()[metric], rel=1e-12)
    assert result.overall[f"{metric}@{K}"] == pytest.approx(frame.overall[metric], rel=1e-12)
