"""Adjusted gaps (activity held equal): the audit's numbers against a plain least-squares fit with
an explicitly built design matrix and the textbook HC3 sandwich, the Oaxaca-Blinder identity,
invariances, and a planted activity effect that the adjustment removes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fairrec_core.audit import ACCURACY_METRICS, AuditContext
from fairrec_core.audit._adjusted import ACTIVITY, activity_covariates, adjusted_gaps
from fairrec_core.audit._gaps import eligible, gap_frame, group_means
from fairrec_core.audit._groups import GroupIndex, Grouping
from fairrec_core.errors import DataError
from fairrec_core.models import MODELS, top_n

N_ACC = len(ACCURACY_METRICS)


def plain_ols(y, labels, x, high, low, level=0.95):
    """alpha_high - alpha_low of y ~ group dummies + x by np.linalg.lstsq, with its HC3 standard
    error ((Z'Z)^-1 Z' diag(e^2 / (1 - h)^2) Z (Z'Z)^-1), t interval and p-value, and the
    Oaxaca split of the raw difference of means."""
    groups = sorted(set(labels))
    dummies = np.column_stack([(np.asarray(labels) == g).astype(float) for g in groups])
    z = np.column_stack([dummies, x])
    coef, *_ = np.linalg.lstsq(z, y, rcond=None)
    resid = y - z @ coef
    bread = np.linalg.inv(z.T @ z)
    hat = np.einsum("ij,jk,ik->i", z, bread, z)
    meat = z.T @ (z * (resid / (1 - hat))[:, None] ** 2)
    cov = bread @ meat @ bread
    c = np.zeros(z.shape[1])
    c[groups.index(high)], c[groups.index(low)] = 1.0, -1.0
    diff = c @ coef
    se = np.sqrt(c @ cov @ c)
    df = len(y) - z.shape[1]
    q = stats.t.ppf(0.5 + level / 2, df)
    raw = y[np.asarray(labels) == high].mean() - y[np.asarray(labels) == low].mean()
    return {"difference": diff, "se": se, "ci_lo": diff - q * se, "ci_hi": diff + q * se,
            "p_value": 2 * stats.t.sf(abs(diff / se), df), "raw_difference": raw,
            "explained": raw - diff, "share_explained": (raw - diff) / raw}


@pytest.fixture(scope="module")
def ease_parts(ml100k_split):
    train, test = ml100k_split.train, ml100k_split.test
    model = MODELS["ease"]().fit(train)
    users = np.flatnonzero(test.user_counts > 0)
    lists = top_n(model, users, n=10)
    ctx = AuditContext(train, test, k=10, groups=("gender", "age_group"))
    top, values, index, means, _, sizes, ok, *_ = ctx._summary_parts(lists)
    gaps = gap_frame(index, ctx.metric_names, means, ok)
    return ctx, top, values, index, ok, gaps


def _adjusted(parts, names=()):
    ctx, top, values, index, ok, gaps = parts
    x, labels = activity_covariates(ctx.train, top.users, names)
    return adjusted_gaps(values[:, :N_ACC], ctx.metric_names[:N_ACC], index, ok[:, :N_ACC],
                         gaps, x, labels)


def test_ml100k_gender_gap_equals_plain_least_squares(ease_parts):
    ctx, top, values, *_ = ease_parts
    adj = _adjusted(ease_parts)
    gender = ctx.train.users["gender"].astype(str).to_numpy()[top.users]
    activity = np.log1p(np.bincount(ctx.train.interactions["user"], minlength=ctx.n_users))
    for j, metric in enumerate(ctx.metric_names[:N_ACC]):
        row = adj[(adj.attribute == "gender") & (adj.metric == metric)].iloc[0]
        keep = ~np.isnan(values[:, j])
        want = plain_ols(values[keep, j], gender[keep], activity[top.users][keep][:, None],
                         row.group_high, row.group_low)
        for key, value in want.items():
            assert row[key] == pytest.approx(value, abs=1e-8, rel=1e-8), (metric, key)
        assert row.covariates == ACTIVITY and row.n == keep.sum()
    nd = adj[(adj.attribute == "gender") & (adj.metric == "ndcg@10")].iloc[0]
    print(f"\nML-100K EASE gender ndcg@10: raw {nd.raw_difference:.4f} ({nd.group_high} - "
          f"{nd.group_low}), adjusted {nd.difference:.4f} [{nd.ci_lo:.4f}, {nd.ci_hi:.4f}] "
          f"p={nd.p_value:.3f}, share explained by activity {nd.share_explained:.3f}")
    # women have fewer ratings: activity explains part of the gap, in the same direction
    assert nd.group_low == "F" and 0 < nd.share_explained < 1


def test_oaxaca_identity_and_headline_pair(ease_parts):
    *_, gaps = ease_parts
    adj = _adjusted(ease_parts, names=("age",))
    merged = adj.merge(gaps, on=["attribute", "metric"])
    assert len(merged) == len(adj) == 3 * N_ACC  # gender, age_group, their intersection
    assert (merged.group_high == merged.max_group).all()
    assert (merged.group_low == merged.min_group).all()
    np.testing.assert_allclose(merged.raw_difference, merged.difference_y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(adj.raw_difference, adj.difference + adj.explained, rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(adj.share_explained, adj.explained / adj.raw_difference)
    assert (adj.covariates == f"{ACTIVITY}, age").all()


def test_stratified_by_activity_deciles_agrees(ease_parts):
    """A second estimator: the within-activity-decile F vs M difference of ndcg, averaged over
    deciles with weights n_F n_M / (n_F + n_M), lies inside the regression's interval."""
    ctx, top, values, *_ = ease_parts
    row = _adjusted(ease_parts).query("attribute == 'gender' and metric == 'ndcg@10'").iloc[0]
    j = list(ctx.metric_names).index("ndcg@10")
    keep = ~np.isnan(values[:, j])
    frame = pd.DataFrame({
        "y": values[keep, j],
        "g": ctx.train.users["gender"].astype(str).to_numpy()[top.users][keep],
        "n": ctx.train.user_counts[top.users][keep],
    })
    frame["decile"] = pd.qcut(frame["n"].rank(method="first"), 10, labels=False)
    num = den = 0.0
    for _, cell in frame.groupby("decile"):
        hi, lo = cell[cell.g == row.group_high].y, cell[cell.g == row.group_low].y
        if len(hi) and len(lo):
            w = len(hi) * len(lo) / (len(hi) + len(lo))
            num += w * (hi.mean() - lo.mean())
            den += w
    assert row.ci_lo <= num / den <= row.ci_hi
    assert abs(num / den) < abs(row.raw_difference)


def _synthetic(seed, n=3000, shift=0.0):
    """Three groups whose activity differs; y depends on activity only (plus ``shift`` for A)."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(3, size=n, p=[0.45, 0.45, 0.10])
    activity = rng.gamma(2.0, 30.0 * (1 + codes)) + 1.0  # group C most active, A least
    y = 0.1 * np.log1p(activity) + rng.normal(0, 0.2, n) * (1 + 0.5 * codes)
    y = y + shift * (codes == 0)
    grouping = Grouping("g", ("g",), ("A", "B", "C"), codes.astype(np.int64))
    index = GroupIndex.build([grouping], np.arange(n))
    values = y[:, None]
    means, _ = group_means(index, values)
    sizes = np.bincount(index.columns.ravel(), minlength=index.n_columns)
    ok = eligible(index, sizes, means, 10)
    gaps = gap_frame(index, ["y"], means, ok)
    return values, index, ok, gaps, np.log1p(activity)[:, None], codes


def test_planted_activity_effect_is_explained():
    """No group effect, an activity effect: the raw gap's (Welch) interval excludes 0 while the
    adjusted interval covers 0 in most runs (95% nominal), and activity explains ~all of it."""
    covered, shares = 0, []
    for seed in range(20):
        values, index, ok, gaps, x, codes = _synthetic(seed)
        row = adjusted_gaps(values, ["y"], index, ok, gaps, x, [ACTIVITY]).iloc[0]
        hi = codes == "ABC".index(row.group_high)
        lo = codes == "ABC".index(row.group_low)
        y = values[:, 0]
        se_raw = np.sqrt(y[hi].var(ddof=1) / hi.sum() + y[lo].var(ddof=1) / lo.sum())
        assert abs(row.raw_difference) > 1.96 * se_raw
        shares.append(row.share_explained)
        covered += row.ci_lo <= 0 <= row.ci_hi
    assert covered >= 17
    assert 0.85 <= np.mean(shares) <= 1.15


def test_planted_group_effect_survives_adjustment():
    values, index, ok, gaps, x, _ = _synthetic(1, shift=-0.15)
    row = adjusted_gaps(values, ["y"], index, ok, gaps, x, [ACTIVITY]).iloc[0]
    # A is 0.15 below B and C once activity is held equal (B and C differ by activity only)
    assert row.group_low == "A" and row.p_value < 1e-6
    assert row.ci_lo <= 0.15 <= row.ci_hi


def test_invariances_and_plain_fit_on_three_groups():
    values, index, ok, gaps, x, codes = _synthetic(3)
    second = np.random.default_rng(9).normal(size=(len(x), 1))
    cov = np.hstack([x, second])
    base = adjusted_gaps(values, ["y"], index, ok, gaps, cov, ["a", "b"]).iloc[0]
    want = plain_ols(values[:, 0], np.array(list("ABC"))[codes], cov, base.group_high,
                     base.group_low)
    for key, value in want.items():
        assert base[key] == pytest.approx(value, abs=1e-10, rel=1e-9), key
    numeric = ["raw_difference", "difference", "se", "ci_lo", "ci_hi", "p_value", "explained"]
    moved = adjusted_gaps(values, ["y"], index, ok, gaps, cov * [3.0, -2.0] + [7.0, 100.0],
                          ["a", "b"]).iloc[0]
    np.testing.assert_allclose(moved[numeric].astype(float), base[numeric].astype(float),
                               rtol=1e-9, atol=1e-12)
    order = np.random.default_rng(0).permutation(len(x))
    grouping = Grouping("g", ("g",), ("A", "B", "C"), codes[order].astype(np.int64))
    shuffled = adjusted_gaps(values[order], ["y"], GroupIndex.build([grouping], np.arange(len(x))),
                             ok, gaps, cov[order], ["a", "b"]).iloc[0]
    np.testing.assert_allclose(shuffled[numeric].astype(float), base[numeric].astype(float),
                               rtol=1e-9, atol=1e-12)


def test_small_groups_and_missing_values_are_left_out():
    values, index, ok, gaps, x, codes = _synthetic(4, n=400)
    values = values.copy()
    values[:7, 0] = np.nan
    x = x.copy()
    x[7:12, 0] = np.nan
    small = codes == 2
    ok = ok.copy()
    ok[2] = False  # as if C were below the minimum group size
    means, _ = group_means(index, values)
    gaps = gap_frame(index, ["y"], means, ok)
    row = adjusted_gaps(values, ["y"], index, ok, gaps, x, [ACTIVITY]).iloc[0]
    keep = ~np.isnan(values[:, 0]) & ~np.isnan(x[:, 0]) & ~small
    want = plain_ols(values[keep, 0], np.array(list("ABC"))[codes[keep]], x[keep],
                     row.group_high, row.group_low)
    assert row.n == keep.sum()
    assert row.difference == pytest.approx(want["difference"], abs=1e-12)
    assert row.se == pytest.approx(want["se"], rel=1e-9)


def test_covariates_from_the_data(ml100k_split):
    train = ml100k_split.train
    users = np.arange(0, train.n_users, 3)
    x, names = activity_covariates(train, users, "age")
    assert names == (ACTIVITY, "age")
    np.testing.assert_array_equal(x[:, 0], np.log1p(train.user_counts[users]))
    np.testing.assert_array_equal(x[:, 1], train.users["age"].to_numpy(float)[users])
    with pytest.raises(DataError, match="covariate 'gender' must be a numeric user column"):
        activity_covariates(train, users, ["gender"])
    with pytest.raises(DataError, match="unknown covariate 'height'"):
        activity_covariates(train, users, ["height"])


def test_full_audit_table_and_metrics_json(ease_parts):
    ctx, lists, values, *_ = ease_parts
    res = ctx.audit(lists, n_bootstrap=0, n_permutations=300, covariates=["age"], seed=4)
    adj = res.adjusted
    assert list(adj.columns) == ["attribute", "metric", "group_high", "group_low", "n",
                                 "raw_difference", "difference", "se", "ci_lo", "ci_hi",
                                 "p_value", "explained", "share_explained", "covariates",
                                 "ci_lo_single", "ci_hi_single", "p_value_single",
                                 "critical_value"]
    acc = res.gaps[res.gaps["metric"].isin(ctx.metric_names[:N_ACC])]
    merged = adj.merge(acc, on=["attribute", "metric"], suffixes=("", "_gap"))
    assert len(merged) == len(adj) == len(acc)
    assert (merged.group_high == merged.max_group).all()
    assert (merged.group_low == merged.min_group).all()
    np.testing.assert_allclose(merged.raw_difference, merged.difference_gap, atol=1e-12)
    # the same numbers as a plain fit with both covariates
    row = adj.query("attribute == 'gender' and metric == 'ndcg@10'").iloc[0]
    j = list(ctx.metric_names).index("ndcg@10")
    keep = ~np.isnan(values[:, j])
    users = lists.users[keep]
    x = np.column_stack([np.log1p(ctx.train.user_counts[users]),
                         ctx.train.users["age"].to_numpy(float)[users]])
    gender = ctx.train.users["gender"].astype(str).to_numpy()[users]
    want = plain_ols(values[keep, j], gender, x, row.group_high, row.group_low)
    assert row.difference == pytest.approx(want["difference"], abs=1e-10)
    assert row.se == pytest.approx(want["se"], rel=1e-8)
    # the single-pair Student-t figures are kept; the headline figures allow for picking the pair
    assert [row.ci_lo_single, row.ci_hi_single] == pytest.approx([want["ci_lo"], want["ci_hi"]])
    assert row.p_value_single == pytest.approx(want["p_value"], rel=1e-8)
    c = res.gaps.query("attribute == 'gender' and metric == 'ndcg@10'").critical_value.iloc[0]
    assert row.critical_value == c
    assert [row.ci_lo, row.ci_hi] == pytest.approx([row.difference - c * row.se,
                                                    row.difference + c * row.se])
    # metrics.json: every earlier key kept, the adjusted entry added
    entry = res.to_dict()["gaps"]["gender"]["ndcg@10"]
    assert {"difference", "difference_ci95", "ratio", "p_value", "flag", "max_group",
            "min_group", "n_groups", "vs_rest"} <= set(entry)
    a = entry["adjusted"]
    assert a["difference"] == pytest.approx(row.difference)
    assert a["ci95"] == pytest.approx([row.ci_lo, row.ci_hi])
    assert a["p_value"] == pytest.approx(row.p_value)
    assert a["share_explained"] == pytest.approx(row.share_explained)
    assert a["raw_difference"] == pytest.approx(entry["difference"])
    assert a["covariates"] == [ACTIVITY, "age"] and a["standard_error"] == "HC3"
    assert a["ci95_single"] == pytest.approx([row.ci_lo_single, row.ci_hi_single])
    assert a["p_value_single"] == pytest.approx(row.p_value_single) and a["simultaneous"]
    assert res.to_dict()["gaps"]["gender"]["ild@10"]["adjusted"] is None


def test_bad_covariate_is_one_line(ease_parts):
    ctx, top = ease_parts[0], ease_parts[1]
    with pytest.raises(DataError, match="^audit: covariate 'occupation' must be a numeric"):
        ctx.audit(top, n_bootstrap=0, n_permutations=0, covariates="occupation")


def test_adjusted_interval_and_p_allow_for_picking_the_pair(ease_parts):
    """The adjusted gap of the headline pair uses the raw gap's simultaneous critical value and
    max-T p-value: wider than the single-pair t interval when there are more than two groups,
    and its interval leaves out 0 exactly when p < 0.05 (up to the +1 of the p-value)."""
    ctx, lists = ease_parts[0], ease_parts[1]
    res = ctx.audit(lists, n_bootstrap=0, n_permutations=400, seed=11)
    adj = res.adjusted.dropna(subset=["se", "critical_value"])
    many = adj.merge(res.gaps[["attribute", "metric", "n_groups"]], on=["attribute", "metric"])
    wider = many[many.n_groups > 2]
    assert len(wider) > 0
    assert ((wider.ci_hi - wider.ci_lo) > (wider.ci_hi_single - wider.ci_lo_single)).all()
    excludes = (adj.ci_lo > 0) | (adj.ci_hi < 0)
    t = (adj.difference / adj.se).abs()
    near = (t - adj.critical_value).abs() < 0.05  # at the edge: the +1 rule may tip it
    agree = excludes == (adj.p_value < 0.05)
    assert (agree | near).all()
