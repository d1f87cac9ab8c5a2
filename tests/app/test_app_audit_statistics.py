"""The issue-10 statistics as the pages show them equal the audit engine's, recomputed here
with the app's settings (EASE on the demo shop, 1,000 resamples and shuffles, seed 0): the home
finding's simultaneous interval, pair p-value and gap at equal activity; the audit page's gap
cards, pairs of groups, each group against the rest, reference-ratio bars and adjusted gap."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from fairrec_app import keys
from fairrec_app.services import audit_groups
from fairrec_core import glossary
from fairrec_core.audit import AuditContext
from fairrec_core.models import EASE, top_n
from tests.app.conftest import assert_ok, open_page

#: The plain label of ranking accuracy (NDCG@10) on cards, headlines and chart titles.
ACC = glossary.label("ndcg@10")

AUDIT = "pages/4_Fairness_audit.py"


def _minus(x: float, digits: int = 3) -> str:
    """Independent of fairrec_app.findings.num: fixed decimals with a true minus sign."""
    return f"{x:.{digits}f}".replace("-", "−")


@pytest.fixture(scope="module")
def res(demo_split):
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    lists = top_n(EASE().fit(demo_split.train), users, 100).top(10)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10,
                       groups=audit_groups(demo_split.train))
    return ctx.audit(lists, n_bootstrap=1000, n_permutations=1000, seed=0)


@pytest.fixture(scope="module")
def home():
    at = open_page()
    assert_ok(at)
    return at


@pytest.fixture(scope="module")
def audit_page():
    at = open_page(AUDIT)
    assert_ok(at)
    return at


def _chart(at, title_start: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("title", {}).get("text", "").startswith(title_start):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}")


def _array(value) -> np.ndarray:
    """A plotly JSON array: a list, or ``{"dtype", "bdata"}`` (base64 of the raw values)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def _frame(at, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_home_finding_shows_simultaneous_interval_pair_p_and_adjusted_gap(home, res):
    texts = [m.value for m in home.markdown if m.value.startswith(f"{ACC}:")]
    captions = [c.value for c in home.caption]
    assert len(texts) == 3
    for attr in ("gender", "age_group", "region"):
        gap = res.gap(attr, "ndcg@10")
        lo, hi = gap["min_group"], gap["max_group"]
        [text] = [t for t in texts if f" {lo} " in f" {t} " and f" {hi} " in t]
        means = res.group_table(attr, "ndcg@10").set_index("group")["mean"]
        p = gap["p_value_pair"]
        p_shown = "p < 0.001" if p < 0.0011 else f"p = {p:.3f}"
        assert text == (f"{ACC}: {lo} {means[lo]:.3f} vs {hi} {means[hi]:.3f}, gap "
                        f"{_minus(means[hi] - means[lo])} [{_minus(gap['ci_lo'])}, "
                        f"{_minus(gap['ci_hi'])}], {p_shown}")
        # the interval is the simultaneous one: difference ± critical value × se, and it agrees
        # with the pair's p-value (here no Monte-Carlo disagreement)
        assert gap["ci_lo"] == pytest.approx(gap["difference"] - gap["critical_value"] * gap["se"])
        assert (gap["ci_lo"] > 0 or gap["ci_hi"] < 0) == (p < 0.05)
        adj = res.adjusted[(res.adjusted["attribute"] == attr)
                           & (res.adjusted["metric"] == "ndcg@10")].iloc[0]
        share = 1 - adj["difference"] / gap["difference"]  # independent: (raw - adjusted) / raw
        assert share == pytest.approx(adj["share_explained"], abs=1e-9)
        sentence = (f"Held at equal activity, the gap is {_minus(adj['difference'])} "
                    f"[{_minus(adj['ci_lo'])}, {_minus(adj['ci_hi'])}]: about {share:.0%} of it "
                    "goes with how many items people have interacted with.")
        assert sentence in captions, attr
        power = ("Not significant: with these group sizes we could only have detected a gap of "
                 f"{_minus(gap['min_detectable_gap'])} or more.")
        assert (power in captions) == (p >= 0.05), attr
    # U (gender unspecified) is left out of the gender gap, and the page says why
    assert dict(res.gap("gender", "ndcg@10")["excluded_groups"]) == {"U": "uninformative"}
    assert any(c.startswith("Left out of the gap: U (") for c in captions)
    assert "U" not in {res.gap("gender", "ndcg@10")[g] for g in ("max_group", "min_group")}


def test_audit_gap_cards_use_pair_p_interval_and_detectable_gap(audit_page, res):
    attr = audit_page.selectbox(key=keys.widget("audit", "attr")).value
    gap = res.gap(attr, "ndcg@10")
    cards = {m.label: m for m in audit_page.metric}
    assert cards["Difference"].value == f"{gap['difference']:.3f}"
    assert cards["Difference"].delta == (f"95%: [{_minus(gap['ci_lo'])}, "
                                         f"{_minus(gap['ci_hi'])}]")
    p = gap["p_value_pair"]
    assert cards["p-value (this pair)"].value == ("< 0.001" if p < 0.0011 else f"{p:.3f}")
    assert cards["Smallest detectable gap"].value == f"{gap['min_detectable_gap']:.3f}"


def test_audit_pairs_and_vs_rest_tables_equal_the_engine(audit_page, res):
    attr = audit_page.selectbox(key=keys.widget("audit", "attr")).value
    pw = res.pairwise[(res.pairwise["attribute"] == attr) & (res.pairwise["metric"] == "ndcg@10")]
    shown = _frame(audit_page, "p adjusted (max-T)")
    n_groups = int(res.gap(attr, "ndcg@10")["n_groups"])
    assert len(shown) == len(pw) == n_groups * (n_groups - 1) // 2
    assert list(shown["pair"]) == [f"{a} − {b}" for a, b in zip(pw["group_a"], pw["group_b"],
                                                                 strict=True)]
    for col, src in (("difference", "difference"), ("95% low", "ci_lo"), ("95% high", "ci_hi"),
                     ("p (one pair)", "p_value"), ("p adjusted (max-T)", "p_adjusted_maxt"),
                     ("p adjusted (Holm)", "p_adjusted_holm"), ("p adjusted (BH)", "p_adjusted_bh")):
        np.testing.assert_allclose(shown[col].to_numpy(float), pw[src].to_numpy(float), rtol=1e-12)
    # independent: the difference is a's mean minus b's, and Holm is the step-down correction
    means = res.group_table(attr, "ndcg@10").set_index("group")["mean"]
    np.testing.assert_allclose(shown["difference"], [means[a] - means[b] for a, b in
                                                     zip(pw["group_a"], pw["group_b"], strict=True)])
    p = pw["p_value"].to_numpy()
    order = np.argsort(p, kind="stable")
    holm = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    expected = np.empty_like(holm)
    expected[order] = holm
    np.testing.assert_allclose(shown["p adjusted (Holm)"], expected, rtol=1e-12)
    rest = _frame(audit_page, "p (one group)")
    vr = res.vs_rest[(res.vs_rest["attribute"] == attr) & (res.vs_rest["metric"] == "ndcg@10")
                     & res.vs_rest["compared"]]
    assert list(rest["group"]) == list(vr["group"].astype(str))
    np.testing.assert_allclose(rest["p adjusted (Holm)"], vr["p_adjusted_holm"], rtol=1e-12)


def test_audit_reference_chart_bars_are_the_ratios_with_the_four_fifths_band(audit_page, res):
    attr = audit_page.selectbox(key=keys.widget("audit", "attr")).value
    ref = res.reference[(res.reference["attribute"] == attr)
                        & (res.reference["metric"] == "ndcg@10")]
    name = ref["reference"].iloc[0]
    spec = _chart(audit_page, f"{ACC} compared with {name}")
    [bars] = spec["data"]
    assert list(bars["y"]) == list(ref["group"].astype(str))
    means = res.group_table(attr, "ndcg@10").set_index("group")["mean"]
    np.testing.assert_allclose(_array(bars["x"]), [means[g] / means[name] for g in ref["group"]],
                               rtol=1e-12)
    [band] = [s for s in spec["layout"]["shapes"] if s["type"] == "rect"]
    assert (band["x0"], band["x1"]) == (0.8, 1.25)
    red = [c == "#e03131" for c in bars["marker"]["color"]]
    outside = [(r < 0.8 or r > 1.25) and c for r, c in zip(ref["ratio"], ref["compared"],
                                                           strict=True)]
    assert red == outside


def test_audit_adjusted_section_equals_the_engine(audit_page, res):
    attr = audit_page.selectbox(key=keys.widget("audit", "attr")).value
    adj = res.adjusted[(res.adjusted["attribute"] == attr)
                       & (res.adjusted["metric"] == "ndcg@10")].iloc[0]
    gap = res.gap(attr, "ndcg@10")
    shown = _frame(audit_page, "gap")
    np.testing.assert_allclose(shown["difference"], [gap["difference"], adj["difference"]])
    np.testing.assert_allclose(shown["95% low"], [gap["ci_lo"], adj["ci_lo"]])
    np.testing.assert_allclose(shown["p"], [gap["p_value_pair"], adj["p_value"]])
    cards = {m.label: m.value for m in audit_page.metric}
    assert cards["Gap at equal activity"] == f"{adj['difference']:.3f}"
    assert cards["Share explained by activity"] == f"{adj['share_explained'] * 100:.0f}%"
    assert any("association, not a cause" in c.value for c in audit_page.caption)


def test_audit_page_gender_leaves_u_out_and_says_why(res):
    at = open_page(AUDIT)
    at.selectbox(key=keys.widget("audit", "attr")).set_value("gender").run()
    assert_ok(at)
    shown = _frame(at, "p adjusted (max-T)")
    assert list(shown["pair"]) == ["F − M"]
    assert any(c.value.startswith("Left out of the gap: U (a label such as 'unspecified'")
               for c in at.caption)
    ref = _chart(at, f"{ACC} compared with M")["data"][0]
    # U is drawn (grey: shown but not compared)
    assert ref["marker"]["color"][list(ref["y"]).index("U")] == "#ced4da"
