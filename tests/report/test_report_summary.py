"""The report leads with the scorecard (the core's, not recomputed), folds every detail, lists the
groups left out (never charted as findings), shows the re-ranking before -> after per group with
the audit engine's own means, and is short in a browser (height printed)."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import numpy as np
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.data import split_dataset
from fairrec_core.models import MODELS, top_n
from fairrec_core.report import fmt, render_report, rerank_effect
from fairrec_core.reranking import parse_rerank
from fairrec_core.scorecard import Policy, load_policy, scorecard
from fairrec_core.wording import EXCLUDED_REASONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(demo):
    split = split_dataset(demo, method="random", test_size=0.2, seed=42)
    users = np.flatnonzero(split.test.user_counts > 0)
    candidates = top_n(MODELS["popularity"]().fit(split.train), users, 50)
    ctx = AuditContext(split.train, split.test, k=10)
    reranker = parse_rerank("calibrated:lambda=0.9")
    reranker.fit(split.train, candidates)
    before, after = candidates.top(10), reranker.rerank(candidates, 10)
    result = ctx.audit(after, n_bootstrap=100, n_permutations=100, seed=0)
    overall, groups = rerank_effect(ctx, before, after)
    policy = load_policy(ROOT / "fairness-policy.toml")
    card = scorecard(result, policy)
    page = render_report(result, title="t", dataset_summary=demo.describe(),
                         settings={"model": "popularity", "rerank": ["calibrated"]},
                         rerank_effect=overall, rerank_groups=groups, scorecard=card)
    return ctx, before, after, result, card, groups, page


def _section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}">')
    return page[start:page.index("</section>", start)]


def test_summary_comes_first_with_each_cards_verdict_sentence_and_next_step(run):
    *_, card, _, page = run
    body = page[page.index("<body>"):]
    assert body.index('id="summary"') < body.index('id="rerank"') < body.index('id="details"')
    summary = htmllib.unescape(_section(page, "summary"))
    positions = []
    for c in card.cards:
        h = c.headline
        assert h.sentence and h.sentence in summary and h.next_step in summary
        positions.append(summary.index(h.sentence))
    assert positions == sorted(positions)  # in the scorecard's order
    # the badges are the scorecard's verdicts, one per card plus the overall one
    badges = re.findall(r'<span class="badge"[^>]*>(\w+):', _section(page, "summary"))
    assert badges == [card.verdict] + [c.verdict for c in card.cards]


def test_without_a_scorecard_the_report_leads_with_the_default_policys(run):
    _, _, _, result, _, _, _ = run
    page = render_report(result, title="t", dataset_summary={}, settings={})
    summary = htmllib.unescape(_section(page, "summary"))
    for c in scorecard(result, Policy()).cards:
        assert c.headline.sentence in summary


def test_every_detail_is_folded(run):
    page = run[-1]
    details = _section(page, "details")
    assert details.count("<details") == 12 and "<details open" not in details
    # every chart is inside a folded section
    assert page.count('<div id="figure-') == details.count('<div id="figure-')


def test_groups_left_out_are_listed_with_the_reason_and_not_charted(run):
    *_, result, card, _, page = run
    excluded = {c.attribute: c.excluded_groups for c in card.cards if c.excluded_groups}
    assert excluded  # the demo's gender has an uninformative "U"
    summary = htmllib.unescape(_section(page, "summary"))
    for groups in excluded.values():
        for group, why in groups.items():
            assert f"{group} ({EXCLUDED_REASONS[why]})" in summary
    start = page.index('<details id="d3">')  # Metrics per group
    block = page[start:page.index("</details>", start)]
    for attr, groups in excluded.items():
        means = result.group_table(attr, f"ndcg@{result.k}")
        shown = [g for g in means["group"].astype(str) if g not in groups]
        # the attribute's bar charts plot exactly the compared groups
        xs = re.findall(r'"x":\[([^\]]*)\]', block)
        wanted = ",".join(f'"{g}"' for g in shown)
        assert wanted in xs
        assert not any(f'"{g}"' in x.split(",") for x in xs for g in groups)


def test_rerank_before_and_after_per_group_are_the_engines_means(run):
    ctx, before, after, result, _, groups, page = run
    section = htmllib.unescape(_section(page, "rerank"))
    a, b = ctx.summarize(before), ctx.summarize(after)
    checked = 0
    for attr in ("gender", "age_group", "region"):
        for metric in ("ndcg@10", "calibration_kl@10"):
            ta = a.group_table(attr, metric).set_index("group")["mean"]
            tb = b.group_table(attr, metric).set_index("group")["mean"]
            rows = groups[(groups["attribute"] == attr) & (groups["metric"] == metric)]
            assert list(rows["group"]) == list(ta.index)
            for g in ta.index:
                assert f"{fmt(ta[g])} → {fmt(tb[g])}" in section
                checked += 1
    assert checked >= 20
    # the lists audited are the re-ranked ones: their means are the audit's
    ndcg = result.group_table("gender", "ndcg@10").set_index("group")["mean"]
    assert np.allclose(ndcg.to_numpy(), b.group_table("gender", "ndcg@10")["mean"].to_numpy())


@pytest.mark.browser
def test_report_height_in_chromium(run, tmp_path):
    """The report's height at 1440 px with the details folded (what a reader first sees) and,
    for comparison, with every detail open (about what the old report showed)."""
    from tests.browser.test_browser_app import CHROMIUM_ARGS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    path.write_text(run[-1], encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                   else r.abort())
        page.goto(path.as_uri())
        page.wait_for_timeout(1000)
        folded = page.evaluate("document.body.scrollHeight")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_timeout(1500)
        unfolded = page.evaluate("document.body.scrollHeight")
        drawn = page.locator("#d3 .js-plotly-plot .main-svg").count()
        browser.close()
    print(f"\nreport height at 1440 px: {folded} px folded, {unfolded} px with every detail open")
    assert folded < 4000 < unfolded  # the summary and the re-ranking fit in a few screens
    assert drawn >= 1  # charts opened late are drawn


def test_the_rerankings_name_is_in_words_with_the_spec_in_its_tooltip():
    from fairrec_core import names
    from fairrec_core.report._rerank import in_words, rerank_section

    assert in_words("calibrated:lambda=0.9") == names.reranker_setting(
        "calibrated", {"lambda": "0.9"}) == "Match each user's taste mix (strength 0.9)"
    assert in_words("Match each user's taste mix") == "Match each user's taste mix"
    page = rerank_section({"rerank": ["calibrated:lambda=0.9"]}, None, None)
    assert htmllib.unescape(page) == ('<p>Active re-ranking: <b title="calibrated:lambda=0.9">'
                                      "Match each user's taste mix (strength 0.9)</b>.</p>")
