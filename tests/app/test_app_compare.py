"""The what-if table (before -> after per group) agrees with the summaries' own accessors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fairrec_app import compare
from fairrec_core import glossary
from fairrec_core.audit import AuditContext
from fairrec_core.models import Popularity, top_n
from fairrec_core.reranking import PopularityXQuADReranker


@pytest.fixture(scope="module")
def summaries(demo_split):
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    cands = top_n(Popularity().fit(demo_split.train), users, 100)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10)
    after = PopularityXQuADReranker(lam=0.8).fit(demo_split.train, cands).rerank(cands, 10)
    return ctx.summarize(cands.top(10)), ctx.summarize(after)


@pytest.mark.parametrize("attribute", ["gender", "region", "gender & age_group"])
def test_before_after_matches_the_summaries(summaries, attribute):
    before, after = summaries
    long = compare.before_after(before, after, attribute).set_index(["metric", "column"])
    for metric in before.metrics:
        for summary, col in ((before, "before"), (after, "after")):
            means = summary.group_table(attribute, metric).set_index("group")["mean"]
            for group, value in means.items():
                assert long.loc[(metric, str(group)), col] == pytest.approx(value, nan_ok=True)
            gap = summary.gap(attribute, metric)
            assert long.loc[(metric, "gap"), col] == pytest.approx(gap["difference"], nan_ok=True)
            assert long.loc[(metric, "ratio"), col] == pytest.approx(gap["ratio"], nan_ok=True)
    # "better" follows each metric's direction: long-tail share up is better, a smaller gap too
    for (metric, column), row in long.iterrows():
        if row["better"] is None:
            continue
        good_up = True if column == "ratio" else False if column == "gap" else \
            glossary.info(metric).higher_is_better
        assert row["better"] == ((row["delta"] > 0) == good_up)


def test_wide_table_has_one_row_per_metric(summaries):
    before, after = summaries
    text, colour = compare.wide(compare.before_after(before, after, "gender"))
    assert list(text.index) == [glossary.label(m) for m in before.metrics]
    assert list(text.columns) == ["F", "M", "U", "gap", "ratio"]
    assert text.shape == colour.shape
    row = glossary.label("aplt@10")
    assert "→" in text.loc[row, "F"] and colour.loc[row, "F"] == compare.GOOD


# ---- the Models page's comparison: accuracy and the full audit's gap per attribute -------------
def _full_audit(split, choice, k=10, reranking=None):
    """The audit page's statistics, recomputed here from the core: the model trained on the
    split, its top-100 candidates for every user with a held-out item, the top-k (or the
    re-ranked lists), the full audit with 1,000 resamples and permutations, seed 0."""
    from fairrec_core.audit import audited_attributes
    from fairrec_core.models import MODELS

    model = MODELS[choice.name](**choice.params).fit(split.train)
    users = np.flatnonzero(split.test.user_counts > 0)
    cands = top_n(model, users, 100)
    lists = cands.top(k) if reranking is None else reranking(split.train, cands, k)
    ctx = AuditContext(split.train, split.test, k=k, groups=audited_attributes(split.train))
    return ctx.audit(lists, n_bootstrap=1000, n_permutations=1000, seed=0)


@pytest.fixture(scope="module")
def compared_page():
    """The Models page with the default comparison (the active EASE and popularity) and the
    calibrated re-ranker switched on at strength 0.6."""
    from fairrec_app import keys, services
    from tests.app.conftest import assert_ok, open_page

    steps = services.default_reranking()
    step = next(s for s in steps.steps if s.name == "calibrated")
    on = replace(step, enabled=True).with_params({**step.params, "lam": 0.6})
    at = open_page("pages/2_Models.py", state={keys.WHATIF_CHAIN: steps.replace_step(on)})
    assert_ok(at)
    return at, on


def test_gap_columns_are_the_full_audits_gap_and_interval(compared_page, demo_split):
    from fairrec_app import model_views
    from fairrec_app.settings import ModelChoice
    from fairrec_core import names
    from fairrec_core.models import MODELS

    at, _ = compared_page
    [frame] = [t.value for t in at.table if "gender gap" in t.value.columns]
    picked = at.multiselect(key=model_views.COMPARE).value
    assert len(picked) == 2 and len(frame) == 2
    for label in picked:
        name = label.split("(")[0]
        choice = ModelChoice.of(name, MODELS[name]().get_params())
        assert choice.label == label
        result = _full_audit(demo_split, choice)
        row = frame.loc[choice.title]  # rows are headed by the model's human name
        assert float(row[glossary.label("ndcg@10")]) == pytest.approx(
            result.overall["ndcg@10"], abs=5e-5)  # shown with 4 decimals
        for attr in ("gender", "age_group", "region"):
            gap = result.gap(attr, "ndcg@10")
            lo, hi = gap["ci_lo"], gap["ci_hi"]
            assert lo <= gap["difference"] <= hi
            assert row[f"{names.attribute(attr)} gap"] == (
                f"{gap['difference']:.3f} [{lo:.3f}, {hi:.3f}]")


def test_scatter_points_are_each_model_with_and_without_the_reranking(compared_page, demo_split):
    import json

    from fairrec_app.settings import ModelChoice
    from fairrec_core.models import MODELS
    from fairrec_core.reranking import RERANKERS

    at, step = compared_page
    chart = next(c for c in at.get("plotly_chart") if "lower is fairer" in c.proto.spec)
    traces = json.loads(chart.proto.spec)["data"]
    assert len(traces) == 4  # two models, each as trained and re-ranked
    attr = at.selectbox(key="models.w.cmp_attr").value
    for trace in traces:
        label = trace["customdata"][0][0]
        name = label.split("(")[0]
        choice = ModelChoice.of(name, MODELS[name]().get_params())
        rerank = None
        if trace["name"].endswith("re-ranked"):
            def rerank(train, cands, k):
                return RERANKERS["calibrated"](**step.params).fit(train, cands).rerank(cands, k)
        result = _full_audit(demo_split, choice, reranking=rerank)
        gap = result.gap(attr, "ndcg@10")
        assert trace["x"][0] == pytest.approx(result.overall["ndcg@10"])
        assert trace["y"][0] == pytest.approx(gap["difference"])
        assert trace["error_y"]["array"][0] == pytest.approx(gap["ci_hi"] - gap["difference"])
        assert trace["error_y"]["arrayminus"][0] == pytest.approx(gap["difference"] - gap["ci_lo"])
