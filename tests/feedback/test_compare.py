"""Drift, bands and comparisons against direct computations; the oracle truth; the chart."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

from fairrec_core.feedback import (
    drift_difference,
    feedback_chart,
    group_drift_gap,
    mean_jaccard,
    oracle_truth,
    simulate,
)
from fairrec_core.models import ALS


def _slopes(result, metric, attribute="all", group="all"):
    t = result.table
    rows = t[(t["metric"] == metric) & (t["attribute"] == attribute) & (t["group"] == group)]
    return {s: np.polyfit(p["round"], p["value"], 1)[0] for s, p in rows.groupby("seed")}


@pytest.fixture(scope="module")
def reranked(shop, truth):
    return simulate(shop, truth, model="popularity", rounds=6, seeds=(0, 1), k=10,
                    rerank=["popularity:lambda=0.8"], candidates=40)


def test_drift_difference_is_the_paired_mean_with_a_t_interval(popularity_run, reranked):
    out = drift_difference(popularity_run, reranked, "popularity")
    a, b = _slopes(popularity_run, "popularity"), _slopes(reranked, "popularity")
    diffs = np.array([b[s] - a[s] for s in (0, 1)])
    lo, hi = stats.t.interval(0.95, 1, loc=diffs.mean(), scale=diffs.std(ddof=1) / np.sqrt(2))
    assert out["difference"] == pytest.approx(diffs.mean())
    assert (out["lo"], out["hi"]) == (pytest.approx(lo), pytest.approx(hi))
    assert out["relative"] == pytest.approx(diffs.mean() / abs(np.mean(list(a.values()))))
    assert out["first_arm"] == "plain" and out["second_arm"].startswith("popularity:")
    same = drift_difference(popularity_run, popularity_run, "gini", how="change")
    assert same["difference"] == 0 and same["lo"] == same["hi"] == 0


def test_group_drift_gap_and_bands(popularity_run):
    out = group_drift_gap(popularity_run, "miscalibration", "gender", "M", "F")
    f = _slopes(popularity_run, "miscalibration", "gender", "F")
    m = _slopes(popularity_run, "miscalibration", "gender", "M")
    assert out["difference"] == pytest.approx(np.mean([f[s] - m[s] for s in (0, 1)]))
    bands = popularity_run.bands()
    row = bands[(bands["metric"] == "ndcg") & (bands["round"] == 3)
                & (bands["attribute"] == "all")].iloc[0]
    t = popularity_run.table
    values = t[(t["metric"] == "ndcg") & (t["round"] == 3) & (t["attribute"] == "all")]["value"]
    assert row["mean"] == pytest.approx(values.mean()) and row["n_seeds"] == 2
    assert row["lo"] < row["mean"] < row["hi"]
    fig = feedback_chart(bands, "ndcg", attribute="gender")
    lines = [tr for tr in fig.data if tr.mode == "lines+markers"]
    assert [tr.name for tr in lines] == ["gender = F", "gender = M"]
    assert len(fig.data) == 4  # a band under each line
    assert list(lines[0].x) == list(range(7))


def test_mean_jaccard_equals_a_pair_loop():
    rng = np.random.default_rng(0)
    dense = (rng.random((30, 25)) < 0.15).astype(float)
    dense[[3, 4]] = 0  # two empty sets: their pair is left out
    sets = sp.csr_matrix(dense)
    members = np.stack([np.ones(30, bool), np.arange(30) % 3 == 0], axis=1)
    rows = [set(sets[i].indices) for i in range(30)]
    want = []
    for col in range(2):
        idx = np.flatnonzero(members[:, col])
        pairs = [(a, b) for n, a in enumerate(idx) for b in idx[n + 1:] if rows[a] | rows[b]]
        want.append(np.mean([len(rows[a] & rows[b]) / len(rows[a] | rows[b]) for a, b in pairs]))
    np.testing.assert_allclose(mean_jaccard(sets, members), want, rtol=1e-12)


def test_oracle_truth_is_the_standardised_als_scores(shop):
    params = {"factors": 8, "iterations": 3, "validation": 0.0, "random_state": 0}
    truth = oracle_truth(shop, params=params)
    assert truth.source == "oracle" and "fitted to all the data" in truth.assumption
    u = truth.utilities.astype(float)
    assert u.mean() == pytest.approx(0, abs=1e-6) and u.std() == pytest.approx(1, rel=1e-5)
    model = ALS(**params).fit(shop)
    items, _ = model.recommend(np.arange(5), shop.n_items, exclude_seen=False)
    for user in range(5):  # the oracle ranks items as the fitted ALS does
        order = np.argsort(-truth.utilities[user], kind="stable")
        np.testing.assert_array_equal(np.sort(u[user][order])[::-1], u[user][items[user]])


def test_report_section_draws_each_charted_metric_per_attribute(popularity_run):
    from fairrec_core.report import render_feedback
    from fairrec_core.report._feedback import CHARTED

    html = render_feedback([popularity_run], title="loop", dataset_summary={
        "name": "shop", "users": 1, "items": 1, "interactions": 1, "density": 1.0, "groups": {}},
        settings={"data": "synthetic"})
    n_figures = len(CHARTED) * (1 + 3)  # every user, then gender, age group, region
    assert html.count('id="figure-') == n_figures and f'id="figure-{n_figures}"' in html
    assert "the demo shop generator" in html and "Feedback loop" in html
