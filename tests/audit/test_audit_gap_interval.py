"""The bootstrap interval of a gap (best- minus worst-served group), checked against normal theory
and against the group intervals it shares its resamples with."""

from __future__ import annotations

import numpy as np

from fairrec_core.audit import AuditContext


def test_gap_interval_agrees_with_normal_theory(ml100k_split, ml100k_lists):
    ctx = AuditContext(ml100k_split.train, ml100k_split.test, k=10, groups=("gender", "age_group"))
    result = ctx.audit(ml100k_lists, n_bootstrap=2000, n_permutations=0, seed=1)
    users = result.users
    for attribute in ("gender", "age_group"):
        for metric in ("ndcg", "recall", "novelty"):
            gap = result.gap(attribute, f"{metric}@10")
            hi = users.loc[users[attribute].astype(str) == gap["max_group"], metric].dropna()
            lo = users.loc[users[attribute].astype(str) == gap["min_group"], metric].dropna()
            assert np.isclose(gap["difference"], hi.mean() - lo.mean())
            # the percentile interval is close to difference ± 1.96 standard errors
            se = np.sqrt(hi.var(ddof=1) / len(hi) + lo.var(ddof=1) / len(lo))
            width = gap["ci_hi"] - gap["ci_lo"]
            assert abs(width - 2 * 1.96 * se) < 0.2 * (2 * 1.96 * se), (attribute, metric)
            centre = (gap["ci_hi"] + gap["ci_lo"]) / 2
            assert abs(centre - gap["difference"]) < 0.5 * se
            # and it sits in metrics.json next to the difference
            entry = result.to_dict()["gaps"][attribute][f"{metric}@10"]
            assert entry["difference_ci95"] == [gap["ci_lo"], gap["ci_hi"]]


def test_no_resamples_no_gap_interval(ml100k_split, ml100k_lists):
    ctx = AuditContext(ml100k_split.train, ml100k_split.test, k=10, groups=("gender",))
    result = ctx.audit(ml100k_lists, n_bootstrap=0, n_permutations=0)
    assert result.gaps["ci_lo"].isna().all() and result.gaps["ci_hi"].isna().all()
