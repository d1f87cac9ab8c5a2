"""The value chart draws the result's numbers, and the report section holds every attribute,
the highlighted detections and the grounding."""

from __future__ import annotations

import pytest

from fairrec_core.llmaudit import MockLLM, build_prompts, llm_audit, llm_audit_chart
from fairrec_core.llmaudit import responses_from_records as records_of
from fairrec_core.report import render_llm_audit


@pytest.fixture(scope="module")
def result(demo):
    prompts = build_prompts(demo, attributes=["gender", "region"], users=50, seed=1)
    mock = MockLLM(demo, effect={"gender": "F"}, strength=3.0, seed=1, misspelling=0.1,
                   hallucination=0.05)
    answers = records_of(list(enumerate(mock.answer(prompts, samples=3), 1)), prompts)
    return llm_audit(demo, prompts, answers, n_permutations=300, seed=1)


def test_chart_bars_are_the_value_means(result):
    fig = llm_audit_chart(result, "region", "jaccard")
    bars = fig.data[0]
    table = result.value_table("jaccard", "region")
    rows = table[table["attribute"] == "region"]
    assert list(bars.x) == rows["value"].tolist()
    assert list(bars.y) == pytest.approx(rows["mean"].tolist())
    assert list(bars.error_y.array) == pytest.approx((rows["hi"] - rows["mean"]).tolist())
    neutral = table[table["attribute"] == "neutral"]["mean"].iloc[0]
    assert fig.layout.shapes[0].y0 == pytest.approx(neutral)
    assert "SNSR" in fig.layout.title.text


def test_report_section(result, demo):
    html = render_llm_audit(result, title="t", dataset_summary=demo.describe(),
                            settings={"k": result.k})
    assert html.startswith("<!DOCTYPE html>") and 'id="llm-audit"' in html
    assert "<h3>gender</h3>" in html and "<h3>region</h3>" in html
    detected = (result.summary["p_snsr"] < 0.01).sum()
    assert detected >= 1 and html.count('<tr class="flag">') == detected
    assert "<h3>Grounding</h3>" in html
    assert result.hallucinations()["title"].iloc[0] in html  # the top invented title is listed
    assert html.count("figure-") >= 2 * 3 + 2
