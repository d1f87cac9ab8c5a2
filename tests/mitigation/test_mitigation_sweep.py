"""The sweep: strength 0 of every lever is the plain model, the table's derived columns follow
from its own columns and from the audit, the Pareto front and the best point agree with brute
force, and the post lever moves the targeted gap the way it must on a planted shop."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.errors import DataError
from fairrec_core.mitigation import (
    LEVERS,
    TABLE_COLUMNS,
    MitigationTarget,
    lever_setting,
    mitigate,
)
from fairrec_core.models import ALS, Popularity, top_n
from fairrec_core.rebalance import reweight
from tests.mitigation.conftest import PARAMS, SEED


def _plain_lists(split, k=10):
    users = np.flatnonzero(split.test.user_counts > 0)
    model = ALS(**PARAMS, random_state=SEED).fit(split.train)
    return users, model, top_n(model, users, k)


def test_strength_zero_of_every_lever_is_the_plain_model(small_split, user_sweep):
    users, model, plain = _plain_lists(small_split)
    target = MitigationTarget("gender")
    for lever in LEVERS:  # the sweep's shared plain lists == an independent plain ALS
        got = user_sweep.lists[(lever, 0.0)]
        assert np.array_equal(got.users, plain.users)
        assert np.array_equal(got.items, plain.items)
    # and each lever pulled at strength 0 changes nothing (same seed -> same lists)
    pre = lever_setting("pre", 0.0, ALS, target)
    assert reweight(small_split.train, **pre.reweight) is small_split.train
    inn = lever_setting("in", 0.0, ALS, target)
    assert inn.params["fairness_weight"] == 0.0 and inn.params["fairness"] == "user_gap"
    fitted = ALS(**PARAMS, **inn.params, random_state=SEED).fit(small_split.train)
    assert np.array_equal(top_n(fitted, users, 10).items, plain.items)
    candidates = top_n(model, users, 40)
    post = lever_setting("post", 0.0, ALS, target).reranker.fit(small_split.train, candidates)
    assert np.array_equal(post.rerank(candidates, 10).items, plain.items)


def test_table_columns_and_identities(small_split, user_sweep):
    t = user_sweep.table
    assert list(t.columns[:len(TABLE_COLUMNS)]) == list(TABLE_COLUMNS)
    assert t.groupby("lever").size().to_dict() == {"pre": 3, "in": 3, "post": 3}
    plain = t[t["strength"] == 0]
    assert (plain.drop(columns="lever").nunique(dropna=False) <= 1).all()  # one plain model
    acc0, gap0 = plain["accuracy"].iloc[0], plain["gap"].iloc[0]
    np.testing.assert_allclose(t["accuracy_change"], t["accuracy"] / acc0 - 1, rtol=1e-12)
    np.testing.assert_allclose(t["gap_change"], t["gap"].abs() / abs(gap0) - 1, rtol=1e-12)
    np.testing.assert_array_equal(t["accuracy"], t["ndcg@10"])
    # the gap is the audit's difference between the informative groups (U is uninformative)
    np.testing.assert_allclose(t["gap"], (t["ndcg@10 gender=M"] - t["ndcg@10 gender=F"]).abs(),
                               atol=1e-12)
    assert ((t["gap_lo"] <= t["gap"]) & (t["gap"] <= t["gap_hi"])).all()
    # every point's figures are the audit's summary of its lists
    ctx = AuditContext(small_split.train, small_split.test, k=10, groups=["gender"],
                       intersections=False)
    for _, row in t.iterrows():
        summary = ctx.summarize(user_sweep.lists[(row["lever"], row["strength"])])
        assert row["recall@10"] == pytest.approx(summary.overall["recall@10"], abs=1e-12)
        assert row["gap"] == pytest.approx(summary.gap("gender", "ndcg@10")["difference"],
                                           abs=1e-12)
    f = [x for x in user_sweep.progress_seen]
    assert [round(x[0], 6) for x in f] == [round(i / 7, 6) for i in range(1, 8)]
    assert not user_sweep.stopped


def test_pareto_and_best_against_brute_force(user_sweep, item_sweep):
    for result in (user_sweep, item_sweep):
        pts = result.points
        pts = pts[~((pts["strength"] == 0) & pts.duplicated("strength"))]
        acc, gap = pts["accuracy"].to_numpy(), pts["gap"].abs().to_numpy()
        front = set()
        for i in range(len(pts)):
            dominated = any(acc[j] >= acc[i] and gap[j] <= gap[i]
                            and (acc[j] > acc[i] or gap[j] < gap[i]) for j in range(len(pts)))
            if not dominated:
                front.add(pts.index[i])
        assert set(result.pareto.index) == front
        for loss in (0.0, 0.01, 0.03, 1.0):
            ok = [(r["gap_change"], -r["accuracy"], i) for i, r in result.points.iterrows()
                  if r["accuracy"] >= (1 - loss) * result.points["accuracy"].iloc[0] - 1e-15]
            best = result.best(loss)
            assert best is not None and best["gap_change"] == min(ok)[0]


def test_item_side_post_moves_exposure_toward_the_protected_items(item_sweep):
    t = item_sweep.table
    np.testing.assert_allclose(t["gap"], t["catalogue_share"] - t["exposure_share"], atol=1e-12)
    post = t[t["lever"] == "post"].sort_values("strength")
    assert post["gap"].iloc[0] > 0  # the planted penalty: small sellers under-exposed
    # FA*IR's p is the strength; the protected share rises with it, to all-protected at p = 1
    assert post["setting"].tolist()[1:] == [
        f"fair:p={p:g},alpha=0.1,protected=brand_tier=small" for p in (0.5, 1)]
    assert np.all(np.diff(post["exposure_share"]) > 0)
    assert post["gap"].iloc[1] < post["gap"].iloc[0]
    # rebalancing the small sellers' interactions to equal group weight shrinks the shortfall
    pre = t[t["lever"] == "pre"].sort_values("strength")
    assert abs(pre["gap"].iloc[-1]) < pre["gap"].iloc[0]
    assert ((t["gap_lo"] <= t["gap"]) & (t["gap"] <= t["gap_hi"])).all()


def test_item_shortfall_interval_is_the_audit_bootstrap_of_users(small_split, item_sweep):
    """The item-side point estimate is the full audit's exposure table; the interval covers it
    and narrows as the lists become all protected (no variation left)."""
    ctx = AuditContext(small_split.train, small_split.test, k=10, groups=["gender"],
                       intersections=False)
    lists = item_sweep.lists[("pre", 0.0)]
    full = ctx.audit(lists, n_bootstrap=0, n_permutations=0).exposure
    row = full[(full["item_attribute"] == "brand_tier") & (full["value"] == "small")].iloc[0]
    plain = item_sweep.table.iloc[0]
    assert plain["gap"] == pytest.approx(row["catalogue_share"] - row["exposure_share"], abs=1e-12)


def test_post_lever_closes_the_estimated_user_gap(small_split, user_sweep):
    """UGF narrows the gap in *estimated* list quality (what it can see; the measured NDCG gap
    of this small shop need not follow): the sweep's lists at lambda 0.5 and 1 have a smaller
    estimated gap than the plain lists, and at 1 none left (to rounding)."""
    from fairrec_core.reranking import UserGroupGapReranker

    users, model, _ = _plain_lists(small_split)
    candidates = top_n(model, users, 40)
    ugf = UserGroupGapReranker(user_attr="gender").fit(small_split.train, candidates)
    gaps = [ugf.estimated_gap(user_sweep.lists[("post", s)], candidates) for s in (0, 0.5, 1)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.01 * gaps[0]
    post = user_sweep.table[user_sweep.table["lever"] == "post"]
    assert post["setting"].iloc[-1] == "ugf:user_attr=gender,lambda=1,epsilon=none"


def test_pre_lever_narrows_the_planted_user_gap(user_sweep):
    """On the planted shop women are served worse (their choices are noisier) and are the
    smaller group, so equal group weight gives their interactions more weight: the measured gap
    narrows from strength 0 to 0.5 to 1, women's NDCG rising at 1."""
    pre = user_sweep.table[user_sweep.table["lever"] == "pre"].sort_values("strength")
    assert pre["ndcg@10 gender=F"].iloc[0] < pre["ndcg@10 gender=M"].iloc[0]
    assert np.all(np.diff(pre["gap"]) < 0)
    assert pre["ndcg@10 gender=F"].iloc[-1] > pre["ndcg@10 gender=F"].iloc[0]


def test_model_without_a_lever_gets_a_row_saying_why(small_split):
    class Plain(Popularity):  # no weights, no fairness training
        takes_weights = False

    result = mitigate(small_split.train, small_split.test, model=Plain, target=
                      MitigationTarget("gender"), strengths=(0, 1), n_bootstrap=0,
                      candidates=20)
    notes = result.notes
    assert set(notes) == {"pre", "in"}
    assert "cannot take interaction weights" in notes["pre"]
    assert "no fairness-regularised training" in notes["in"]
    rows = result.table[result.table["lever"].isin(["pre", "in"])]
    assert len(rows) == 2 and rows["accuracy"].isna().all() and rows["strength"].isna().all()
    assert result.table[result.table["lever"] == "post"]["strength"].tolist() == [0.0, 1.0]
    assert math.isnan(result.table["gap_lo"].iloc[-1])  # no resamples, no interval


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"levers": ("pre", "mid")}, "unknown lever 'mid'; levers: pre, in, post"),
    ({"levers": ()}, "no lever chosen"),
    ({"strengths": (0, 1.5)}, "strength 1.5 is outside [0, 1]"),
    ({"strengths": (-0.1,)}, "strength -0.1 is outside [0, 1]"),
    ({"strengths": ("x",)}, "strength 'x' is not a number"),
    ({"model": "nope"}, "unknown model 'nope'"),
    ({"target": MitigationTarget("occupation")}, "no user attribute 'occupation'; available:"),
    ({"target": MitigationTarget("gender", item_attribute="brand_tier", protected="tiny")},
     "brand_tier has no value 'tiny'; values:"),
])
def test_bad_input_is_one_clear_error(small_split, kwargs, message):
    args = {"model": "popularity", "target": MitigationTarget("gender"), **kwargs}
    with pytest.raises(DataError, match=_literal(message)):
        mitigate(small_split.train, small_split.test, **args)


def test_bad_targets():
    with pytest.raises(DataError, match="unknown metric 'auc'"):
        MitigationTarget("gender", "auc")
    with pytest.raises(DataError, match="needs both an item attribute and a protected value"):
        MitigationTarget("gender", item_attribute="brand_tier")


def test_stop_keeps_finished_points(small_split):
    asked = itertools.count()
    result = mitigate(small_split.train, small_split.test, model="popularity",
                      target=MitigationTarget("gender"), levers=("pre", "post"),
                      strengths=(0, 0.5, 1), n_bootstrap=0, candidates=20,
                      should_stop=lambda: next(asked) >= 2)
    assert result.stopped
    assert result.table[["lever", "strength"]].values.tolist() == [
        ["pre", 0.0], ["pre", 0.5], ["pre", 1.0], ["post", 0.0]]
    frame = pd.read_csv(__import__("io").StringIO(result.files()["mitigation.csv"]))
    assert len(frame) == 4 and result.to_dict()["stopped"] is True


def _literal(text: str) -> str:
    import re

    return re.escape(text)


def test_lever_settings_follow_the_target():
    user, item = (MitigationTarget("gender"),
                  MitigationTarget("gender", item_attribute="brand_tier", protected="small"))
    pre = lever_setting("pre", 0.5, ALS, item)
    assert pre.reweight == {"target": "equal_group", "attribute": "brand_tier", "side": "item",
                            "strength": 0.5}
    inn = lever_setting("in", 0.25, ALS, item)
    assert inn.params == {"fairness": "item_exposure", "fairness_attr": "brand_tier",
                          "fairness_weight": 0.25 * ALS.FAIRNESS_FULL["item_exposure"]}
    assert lever_setting("in", 1, ALS, user).params["fairness_weight"] == \
        ALS.FAIRNESS_FULL["user_gap"]
    post = lever_setting("post", 0.5, ALS, item).reranker
    assert (post.NAME, post.p, post.protected) == ("fair", 0.5, "brand_tier=small")
    post = lever_setting("post", 0.5, ALS, user).reranker
    assert (post.NAME, post.lam, post.user_attr) == ("ugf", 0.5, "gender")
    assert not lever_setting("in", 0.5, Popularity, user).available
    with pytest.raises(DataError, match="outside"):
        lever_setting("post", 2, ALS, user)
