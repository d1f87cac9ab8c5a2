"""Headline findings in words: how p-values and numbers are written, when the interval and the
p-value are said to disagree, the power sentence, the gap at equal activity in each direction,
and the groups left out."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from fairrec_app import audit_tables, findings
from fairrec_app.findings import p_text

NAN = float("nan")


def test_p_text():
    assert p_text(0.000999) == "p < 0.001"
    assert p_text(0.0479) == "p = 0.048"
    assert p_text(float("nan")) == "p n/a"


def test_num_uses_a_true_minus_sign():
    assert findings.num(-0.0171) == "\N{MINUS SIGN}0.017"
    assert findings.interval(-0.0171, 0.0424) == "[\N{MINUS SIGN}0.017, 0.042]"
    assert findings.num(NAN) == "n/a"


def _gap(**kw) -> pd.Series:
    base = dict(difference=0.03, ci_lo=0.001, ci_hi=0.059, p_value=0.01, p_value_pair=0.02,
                min_detectable_gap=0.05, excluded_groups={}, max_group="M", min_group="F")
    return pd.Series({**base, **kw})


@pytest.mark.parametrize(("lo", "hi", "p", "says"), [
    (0.001, 0.059, 0.02, False),   # both significant
    (-0.01, 0.05, 0.30, False),    # neither
    (0.0004, 0.06, 0.052, True),   # interval excludes 0, p just above 0.05 (Monte-Carlo)
    (-0.0004, 0.06, 0.049, True),  # interval covers 0, p just below
    (-0.06, -0.001, 0.03, False),  # a negative interval excludes 0 too
])
def test_agreement_note_only_when_interval_and_p_disagree(lo, hi, p, says):
    note = findings.agreement_note(_gap(ci_lo=lo, ci_hi=hi, p_value_pair=p))
    assert (note is not None) == says
    if says:
        assert "edge of significance" in note


def test_omnibus_note_when_some_pair_but_not_the_headline_pair_differs():
    assert findings.omnibus_note(_gap(p_value=0.028, p_value_pair=0.733)) == (
        "Some pair of groups is served differently (p = 0.028), but not clearly this one: see "
        "the pairs of groups.")
    assert findings.omnibus_note(_gap(p_value=0.01, p_value_pair=0.02)) is None
    assert findings.omnibus_note(_gap(p_value=0.2, p_value_pair=0.4)) is None


def test_power_note_only_when_not_significant():
    assert findings.power_note(_gap(p_value_pair=0.01)) is None
    assert findings.power_note(_gap(p_value_pair=0.2, min_detectable_gap=0.0512)) == (
        "Not significant: with these group sizes we could only have detected a gap of 0.051 "
        "or more.")


def _result(raw, adjusted, covariates="log1p(n_train)"):
    explained = raw - adjusted
    frame = pd.DataFrame([dict(attribute="gender", metric="ndcg@10", group_high="M",
                               group_low="F", n=100, raw_difference=raw, difference=adjusted,
                               se=0.01, ci_lo=adjusted - 0.02, ci_hi=adjusted + 0.02,
                               p_value=0.3, explained=explained,
                               share_explained=explained / raw if raw else NAN,
                               covariates=covariates)])
    return SimpleNamespace(adjusted=frame, gap=lambda a, m: _gap(difference=raw, ci_lo=raw - 0.03,
                                                                 ci_hi=raw + 0.03))


def test_adjusted_note_in_each_direction():
    note = findings.adjusted_note(_result(0.044, 0.012), "gender", "ndcg@10")
    # independent: (0.044 - 0.012) / 0.044 = 72.7%
    assert note == ("Held at equal activity, the gap is 0.012 [\N{MINUS SIGN}0.008, 0.032]: "
                    "about 73% of it goes with how many items people have interacted with.")
    larger = findings.adjusted_note(_result(0.02, 0.03), "gender", "ndcg@10")
    assert larger.endswith("does not account for it (at equal activity it is larger).")
    reversed_ = findings.adjusted_note(_result(0.02, -0.01), "gender", "ndcg@10")
    assert "more than all of it" in reversed_ and "order of the two groups reverses" in reversed_
    age = findings.adjusted_note(_result(0.04, 0.03, "log1p(n_train), age"), "gender", "ndcg@10")
    assert age.endswith("about 25% of it goes with how many items people have interacted with "
                        "and age.")
    assert findings.adjusted_note(_result(0.04, 0.03), "gender", "recall@10") is None
    empty = SimpleNamespace(adjusted=pd.DataFrame())
    assert findings.adjusted_note(empty, "gender", "ndcg@10") is None


def test_adjusted_table_has_raw_and_adjusted_rows():
    table = audit_tables.adjusted(_result(0.044, 0.012), "gender", "ndcg@10")
    assert list(table["gap"]) == ["raw: M − F", "at equal activity"]
    np.testing.assert_allclose(table["difference"], [0.044, 0.012])
    np.testing.assert_allclose(table["95% low"], [0.014, -0.008])


def test_excluded_note_groups_reasons():
    gap = _gap(excluded_groups={"U": "uninformative", "65+": "small", "Other": "small"})
    assert findings.excluded_note(gap, 10) == (
        "Left out of the gap: U (a label such as 'unspecified' that says nothing about the "
        "users); 65+, Other (fewer than 10 users, too few for a reliable mean).")
    assert findings.excluded_note(_gap(), 10) is None
