"""The cold-start audit against plain loops over users: accuracy of the ranking among cold (and
among warm) items, each list's cold exposure share, group means and the item-group table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.coldstart import COLDSTART_FILES, candidate_lists, cold_start_audit
from fairrec_core.errors import DataError
from fairrec_core.models import ALS, TextALS, top_n
from tests.coldstart.conftest import FAST

K = 10


@pytest.fixture(scope="module")
def model(split):
    return TextALS(features="category", **FAST).fit(split.train)


@pytest.fixture(scope="module")
def result(split, model):
    return cold_start_audit(split, model, k=K)


def _ranked(model, user, candidates, seen):
    """The user's top-K of ``candidates`` by score, seen items out, ties to the lower index."""
    cand = np.array(sorted(set(candidates.tolist()) - seen), dtype=np.int64)
    scores = model.score(np.full(len(cand), user), cand)
    order = np.lexsort((cand, -scores))
    return cand[order][:K]


def _loop_accuracy(model, train, test, candidates):
    """Per user with test items: (ndcg, recall) from the textbook formulas."""
    out = {}
    for u in np.flatnonzero(test.user_counts):
        seen = set(train.interactions.loc[train.interactions["user"] == u, "item"].tolist())
        relevant = set(test.interactions.loc[test.interactions["user"] == u, "item"].tolist())
        top = _ranked(model, u, candidates, seen)
        dcg = sum(1 / np.log2(r + 2) for r, i in enumerate(top) if i in relevant)
        idcg = sum(1 / np.log2(r + 2) for r in range(min(len(relevant), K)))
        out[u] = (dcg / idcg, sum(i in relevant for i in top) / len(relevant))
    return out


def test_cold_and_warm_accuracy_equal_the_textbook_loop(split, model, result):
    for prefix, test, candidates in (("cold", split.cold_test, split.cold_items),
                                     ("warm", split.warm_test, split.warm_items)):
        loop = _loop_accuracy(model, split.train, test, candidates)
        users = result.users.set_index("user")
        got = users.loc[list(loop), [f"{prefix}_ndcg@{K}", f"{prefix}_recall@{K}"]].to_numpy()
        np.testing.assert_allclose(got, np.array(list(loop.values())), atol=1e-12)
        assert result.overall[f"{prefix}_ndcg@{K}"] == pytest.approx(
            np.mean([v[0] for v in loop.values()]), abs=1e-12)
        assert result.overall[f"{prefix}_users"] == len(loop)
        no_test = users.index[test.user_counts == 0]
        assert users.loc[no_test, f"{prefix}_ndcg@{K}"].isna().all()


def test_cold_exposure_share_per_list_and_overall(split, model, result):
    lists = top_n(model, None, K)
    weight = 1 / np.log2(np.arange(2, K + 2))
    cold = set(split.cold_items.tolist())
    per_user = [sum(w for w, i in zip(weight, row, strict=True) if i in cold) / weight.sum()
                for row in lists.items]
    np.testing.assert_allclose(result.users[f"cold_exposure_share@{K}"], per_user, atol=1e-12)
    exposure = np.zeros(split.train.n_items)
    for row in lists.items:
        exposure[row] += weight
    share = exposure[split.cold_items].sum() / exposure.sum()
    assert result.overall[f"cold_exposure_share@{K}"] == pytest.approx(share, abs=1e-12)
    listed = set(lists.items.ravel().tolist())
    assert result.overall[f"cold_coverage@{K}"] == pytest.approx(
        np.mean([i in listed for i in split.cold_items]))
    assert result.overall["cold_catalogue_share"] == len(cold) / split.train.n_items


def test_group_means_are_the_means_of_the_users_rows(split, result):
    users = result.users.assign(gender=split.train.user_groups("gender").to_numpy())
    table = result.group_table("gender").set_index("group")
    for metric in (f"cold_ndcg@{K}", f"warm_recall@{K}", f"cold_exposure_share@{K}"):
        expected = users.groupby("gender")[metric].mean()
        np.testing.assert_allclose(table.loc[expected.index, metric], expected, atol=1e-12)
    assert table["n_users"].sum() == split.train.n_users
    gap = result.gaps[(result.gaps["attribute"] == "gender")
                      & (result.gaps["metric"] == f"cold_ndcg@{K}")].iloc[0]
    compared = table.loc[["F", "M"], f"cold_ndcg@{K}"]  # U is uninformative: not compared
    assert gap["difference"] == pytest.approx(compared.max() - compared.min())


def test_item_groups_count_cold_items_and_what_reached_the_lists(split, model, result):
    items = split.train.items
    lists = top_n(model, None, K)
    listed = set(lists.items.ravel().tolist())
    cold_lists = candidate_lists(model, np.arange(split.train.n_users),
                                 split.cold_items, K)
    test = split.cold_test.interactions
    rows = result.items[result.items["item_attribute"] == "brand_tier"].set_index("value")
    for tier in ("large", "small"):
        mine = [i for i in split.cold_items if items.loc[i, "brand_tier"] == tier]
        assert rows.loc[tier, "n_cold"] == len(mine)
        assert rows.loc[tier, "cold_listed"] == pytest.approx(
            np.mean([i in listed for i in mine]) if mine else np.nan, nan_ok=True)
        pairs = test[test["item"].isin(mine)]
        found = sum(i in cold_lists.items[u] for u, i in zip(pairs["user"], pairs["item"],
                                                             strict=True))
        assert rows.loc[tier, "cold_relevant"] == len(pairs)
        assert rows.loc[tier, "cold_found"] == pytest.approx(found / len(pairs))
    assert set(result.items["item_attribute"]) == {"category", "brand", "brand_tier",
                                                   "price_band"}
    assert rows["n_items"].sum() == split.train.n_items


def test_candidate_lists_never_leave_the_candidates_or_list_a_seen_item(split, model):
    lists = candidate_lists(model, np.arange(split.train.n_users), split.warm_items[:15], K)
    seen = split.train.matrix
    for u, row in zip(lists.users, lists.items, strict=True):
        real = row[row >= 0]
        assert set(real) <= set(split.warm_items[:15].tolist())
        assert not set(real) & set(seen.indices[seen.indptr[u]:seen.indptr[u + 1]].tolist())
        assert len(real) == min(K, 15 - len(set(split.warm_items[:15]) & set(
            seen.indices[seen.indptr[u]:seen.indptr[u + 1]].tolist())))


def test_files_hold_the_result(result):
    files = result.files(settings={"model": "textals"})
    assert tuple(files) == COLDSTART_FILES
    info = json.loads(files["coldstart.json"])
    assert info["settings"] == {"model": "textals"}
    assert info["overall"][f"cold_ndcg@{K}"] == pytest.approx(result.overall[f"cold_ndcg@{K}"])
    from io import StringIO

    groups = pd.read_csv(StringIO(files["groups.csv"]))
    assert len(groups) == len(result.groups) and list(groups.columns) == list(result.groups.columns)
    assert len(pd.read_csv(StringIO(files["users.csv"]))) == len(result.users)


def test_misuse_is_refused(split, shop):
    other = ALS(**FAST).fit(shop)
    with pytest.raises(DataError, match="was not trained on this split's training data"):
        cold_start_audit(split, other)
    model = ALS(**FAST).fit(split.train)
    with pytest.raises(DataError, match="k must be a positive integer"):
        cold_start_audit(split, model, k=0)
    with pytest.raises(DataError, match="unknown item attribute 'colour'"):
        cold_start_audit(split, model, item_attributes=["colour"])
    with pytest.raises(DataError, match="expected a ColdStartSplit"):
        cold_start_audit(split.train, model)
