"""Verdicts on hand-built gap statistics with known answers: each colour, the inconclusive case,
the consistency of a verdict with the figures on its card, the sentence and the previous-audit
diff."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from fairrec_core import glossary
from fairrec_core.errors import DataError
from fairrec_core.scorecard import STEPS, MetricPolicy, Policy, scorecard, who
from tests.scorecard._cards import gap_entry, metrics

POLICY = Policy(metrics=(MetricPolicy("ndcg", max_gap=0.02, min_ratio=0.8),))


def only(entry, policy=POLICY, **kw):
    card = scorecard(metrics({"gender": entry}, **kw), policy).cards[0]
    return card, card.checks[0]


def test_red_when_real_and_over_the_gap_threshold():
    card, c = only(gap_entry(0.05, 0.03, 0.07, 0.001, 0.015))
    assert (card.verdict, c.reason, c.next_step) == ("red", "red", STEPS["red"])
    assert "What-if" in c.next_step


def test_red_mostly_explained_by_activity_points_at_cold_start_users():
    _, c = only(gap_entry(0.05, 0.03, 0.07, 0.001, 0.015, share=0.7))
    assert c.colour == "red" and "cold-start" in c.next_step
    _, c = only(gap_entry(0.05, 0.03, 0.07, 0.001, 0.015, share=0.3))
    assert c.colour == "red" and c.next_step == STEPS["red"]


def test_red_when_real_and_the_ratio_breaks_the_policy_although_the_gap_is_small():
    # gap 0.015 <= 0.02, but the means are small: 0.035 vs 0.05 -> ratio 0.7 < 0.8
    _, c = only(gap_entry(0.015, 0.005, 0.025, 0.01, 0.012),
                means={"gender": {"M": 0.05, "F": 0.035}})
    assert math.isclose(c.worst_ratio, 0.7)
    assert c.colour == "red" and "ratio 0.70 < 0.8" in c.summary


def test_amber_when_real_but_within_the_policy():
    _, c = only(gap_entry(0.01, 0.004, 0.016, 0.01, 0.009))
    assert (c.colour, c.reason) == ("amber", "amber_within")


def test_amber_inconclusive_when_the_test_could_not_have_seen_a_gap_of_the_threshold():
    _, c = only(gap_entry(0.015, -0.02, 0.05, 0.40, 0.06))
    assert (c.colour, c.reason) == ("amber", "amber_inconclusive")
    assert c.next_step == "Collect more data or widen the groups."
    assert "too few users" in c.summary and "0.060" in c.summary


def test_green_when_not_real_and_a_gap_of_the_threshold_would_have_been_found():
    _, c = only(gap_entry(0.004, -0.006, 0.014, 0.50, 0.015))
    assert (c.colour, c.reason) == ("green", "green")
    assert "No clear gap" in c.summary


def test_p_value_and_interval_disagreeing_is_amber_never_green():
    """The issue's card: interval excludes 0, p = 0.059 — not 'no clear gap'."""
    _, c = only(gap_entry(0.03, 0.001, 0.059, 0.059, 0.015))
    assert (c.colour, c.reason) == ("amber", "amber_edge")


def test_grey_when_fewer_than_two_groups_are_compared():
    card, c = only(gap_entry(None, None, None, None, None, high=None, low=None))
    assert card.verdict == "grey" and c.sentence == ""


@pytest.mark.parametrize("seed", range(3))
def test_every_verdict_agrees_with_the_figures_on_its_card(seed):
    """Independent rule: red and 'within' are real (p < alpha AND the interval excludes 0);
    green is not real, within the ratio band and powered (mdg <= max_gap); red is over a
    threshold; only 'edge' cards may show a p-value and an interval that disagree."""
    rng = np.random.default_rng(seed)
    for _ in range(300):
        d = float(rng.uniform(0, 0.08))
        se = float(rng.uniform(0.002, 0.04))
        crit = float(rng.uniform(2.0, 3.0))
        lo, hi = d - crit * se, d + crit * se
        p = float(rng.uniform(0, 0.2))
        mdg = (crit + 0.84) * se
        hi_mean = float(rng.uniform(0.05, 0.5))
        _, c = only(gap_entry(d, lo, hi, p, mdg),
                    means={"gender": {"M": hi_mean, "F": hi_mean - d}})
        real_p, real_ci = p < 0.05, lo > 0 or hi < 0
        ratio = (hi_mean - d) / hi_mean
        if c.colour in ("red", "green") or c.reason == "amber_within":
            assert real_p == real_ci
        if c.colour == "red":
            assert real_p and (d > 0.02 or ratio < 0.8)
        if c.colour == "green":
            assert not real_p and mdg <= 0.02 and ratio >= 0.8 and d <= 0.02 + 1e-12
        if c.reason == "amber_edge":
            assert real_p != real_ci
        if real_p and real_ci and (d > 0.02 or ratio < 0.8):
            assert c.colour == "red"


def test_sentence_is_the_relative_gap_of_the_better_group_with_its_interval_scaled_alike():
    d, lo, hi, better = 0.0333, 0.018, 0.045, 0.30
    _, c = only(gap_entry(d, lo, hi, 0.001, 0.01, high="men", low="women"),
                means={"gender": {"men": better, "women": better - d}})
    pct = [round(100 * x / better) for x in (d, lo, hi)]
    assert c.sentence == (f"Women get {pct[0]}% less accurate recommendations than men "
                          f"[{pct[1]}%, {pct[2]}%]")
    assert pct == [11, 6, 15]


def test_sentence_of_a_metric_where_lower_is_better_names_the_lower_group_as_better_served():
    entry = gap_entry(20.0, 5.0, 35.0, 0.001, 10.0, high="F", low="M")  # F see more popular items
    m = metrics({"gender": entry}, metric="arp", means={"gender": {"F": 120.0, "M": 100.0}})
    policy = Policy(metrics=(MetricPolicy("arp", max_gap=10.0, min_ratio=0.8),))
    c = scorecard(m, policy).cards[0].checks[0]
    assert (c.better_group, c.worse_group) == ("M", "F")
    label = glossary.info("arp").label
    assert c.sentence.startswith(f"Women get {round(100 * 20 / 100)}% higher {label} than men")


@pytest.mark.parametrize(("attribute", "group", "words"), [
    ("gender", "F", "women"), ("gender", "M", "men"), ("gender", "non-binary", "non-binary"),
    ("age_group", "18-24", "users aged 18-24"), ("region", "Islands", "users in Islands"),
    ("occupation", "student", "users with occupation student"),
    ("gender & age_group", "F & 18-24", "users in F & 18-24"),
])
def test_groups_are_named_in_words(attribute, group, words):
    assert who(attribute, group) == words


def test_change_since_a_previous_audit():
    now = metrics({"gender": gap_entry(0.05, 0.03, 0.07, 0.001, 0.015),
                   "region": gap_entry(0.01, -0.01, 0.03, 0.3, 0.015, high="N", low="S")})
    old = {"gaps": {"gender": {"ndcg@10": {"difference": 0.03}}}}
    card = scorecard(now, POLICY, previous=old)
    gender, region = (c.to_dict()["changes"]["ndcg@10"] for c in card.cards)
    assert gender["then"] == 0.03 and gender["now"] == 0.05
    assert math.isclose(gender["change"], 0.05 - 0.03)
    assert gender["text"] == "0.030 → 0.050 (+0.020)"
    assert region["then"] is None and region["text"] == "not in the previous audit"
    assert "0.030 → 0.050 (+0.020)" in card.to_markdown()
    assert scorecard(now, POLICY).cards[0].changes == ()


def test_attribute_verdict_is_the_most_severe_metric_and_the_gate():
    entry = gap_entry(0.05, 0.03, 0.07, 0.001, 0.015)
    m = metrics({"gender": entry})
    m["gaps"]["gender"]["recall@10"] = gap_entry(0.004, -0.006, 0.014, 0.5, 0.015)
    m["groups"]["gender"]["M"]["recall@10"] = 0.2
    two = Policy(metrics=(MetricPolicy("recall"), MetricPolicy("ndcg")))
    card = scorecard(m, two)
    assert [c.colour for c in card.cards[0].checks] == ["green", "red"]
    assert card.cards[0].verdict == "red" and card.cards[0].headline.metric == "ndcg@10"
    assert not card.failed
    assert scorecard(m, Policy(fail_on_red=True)).failed
    gated = scorecard(m, Policy(fail_on=("gender:ndcg:difference>0.04",)))
    assert gated.failed and gated.gates[0]["value"] == 0.05
    assert not scorecard(m, Policy(fail_on=("gender:ndcg:difference>0.06",))).failed


def test_policy_naming_what_the_audit_lacks_is_one_line_naming_the_policy():
    m = metrics({"gender": gap_entry(0.05, 0.03, 0.07, 0.001, 0.015)})
    with pytest.raises(DataError, match=r"^p\.toml: attributes: 'occupation' was not audited"):
        scorecard(m, Policy(attributes=("occupation",), source="p.toml"))
    with pytest.raises(DataError, match=r"^p\.toml: metrics\.mrr: 'mrr@10' is not in the audit"):
        scorecard(m, Policy(metrics=(MetricPolicy("mrr"),), source="p.toml"))
    with pytest.raises(DataError, match=r"^p\.toml: fail_on: .*'age' is not audited"):
        scorecard(m, Policy(fail_on=("age:ndcg:difference>0.1",), source="p.toml"))


def test_to_dict_is_json_safe():
    m = metrics({"gender": gap_entry(None, None, None, None, None, high=None, low=None)})
    text = json.dumps(scorecard(m, POLICY).to_dict(), allow_nan=False)
    assert json.loads(text)["cards"][0]["verdict"] == "grey"


def test_an_audit_result_and_its_metrics_json_give_the_same_scorecard():
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.models import MODELS, top_n

    split = split_dataset(load_dataset("synthetic:users=300,items=120,interactions=6000,seed=1"),
                          test_size=0.2, seed=3)
    from fairrec_core.audit import AuditContext

    model = MODELS["popularity"]().fit(split.train)
    lists = top_n(model, [u for u in range(split.test.n_users) if split.test.user_counts[u]], 10)
    result = AuditContext(split.train, split.test, k=10).audit(lists, n_bootstrap=40,
                                                               n_permutations=40, seed=1)
    from_result = scorecard(result, POLICY).to_dict()
    from_json = scorecard(json.loads(json.dumps(result.to_dict())), POLICY).to_dict()
    assert from_result == from_json
    assert [c["attribute"] for c in from_result["cards"]] == [
        a for a in result.attributes if " & " not in a]


def test_a_policy_level_other_than_the_intervals_never_contradicts_the_interval():
    strict = Policy(metrics=POLICY.metrics, significance=0.01)
    # p = 0.03: not real at 1%, but the 95% interval excludes 0 -> amber, not green
    _, c = only(gap_entry(0.03, 0.005, 0.055, 0.03, 0.015), policy=strict)
    assert (c.colour, c.reason) == ("amber", "amber_edge") and "includes" not in c.summary
    loose = Policy(metrics=POLICY.metrics, significance=0.10)
    # p = 0.07: real at 10%, but the 95% interval includes 0 -> amber, not red
    _, c = only(gap_entry(0.03, -0.005, 0.065, 0.07, 0.015), policy=loose)
    assert (c.colour, c.reason) == ("amber", "amber_edge") and "includes 0" in c.summary
    _, c = only(gap_entry(0.05, 0.03, 0.07, 0.001, 0.015), policy=strict)
    assert c.colour == "red"


def test_amber_when_not_real_and_powered_but_a_ratio_breaks_the_policy():
    # tiny means: 0.008 vs 0.012 -> ratio 0.67 although the gap (0.004) is small and not real
    _, c = only(gap_entry(0.004, -0.006, 0.014, 0.5, 0.015),
                means={"gender": {"M": 0.012, "F": 0.008}})
    assert (c.colour, c.reason, c.ratio_group) == ("amber", "amber_ratio", "F")
    assert "F's ratio to M is 0.67" in c.summary and "No clear gap" in c.summary


def test_relative_interval_of_an_accuracy_gap_stops_at_100_percent():
    d, lo, hi, better = 0.2, 0.1, 0.35, 0.3  # hi / better = 117%: cannot get 117% less
    _, c = only(gap_entry(d, lo, hi, 0.001, 0.05), means={"gender": {"M": better, "F": 0.1}})
    assert c.sentence.endswith(f"[{round(100 * lo / better)}%, 100%]")
    assert c.relative_ci == (lo / better, 1.0)
