"""The Close-a-gap page in AppTest: find the settings for a reachable gender target on the demo
shop, apply the best, and the session's re-ranking is that setting; the page and the audit page
then show the re-ranked lists' gap (recomputed here independently) meeting the target."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairrec_app import closegap_views, keys
from fairrec_core.audit import AuditContext, audited_attributes
from fairrec_core.reranking import parse_rerank
from tests.app.conftest import assert_ok, open_page

PAGE = "pages/6_Close_a_gap.py"
TARGET_KEY = keys.widget("closegap", "target", "gender", "ndcg", closegap_views.GAP)


@pytest.fixture(scope="module")
def pipeline():
    """The app's default pipeline, computed here: EASE on the demo shop's 80/20 split (seed
    42), top-100 candidates of every test user, audited at k=10."""
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.models import EASE, top_n

    split = split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)
    users = np.flatnonzero(split.test.user_counts > 0)
    cands = top_n(EASE().fit(split.train), users, 100)
    ctx = AuditContext(split.train, split.test, k=10, groups=audited_attributes(split.train))
    return ctx, cands


def test_find_apply_and_the_audit_page_meets_the_target(pipeline):
    ctx, cands = pipeline
    model_gap = float(ctx.summarize(cands.top(10)).gap("gender", "ndcg@10")["difference"])
    at = open_page(PAGE)
    assert_ok(at)
    # the default target is half the model's gap
    assert at.number_input(key=TARGET_KEY).value == pytest.approx(round(model_gap / 2, 4))
    target = round(0.85 * model_gap, 4)
    at.number_input(key=TARGET_KEY).set_value(target).run()
    next(b for b in at.button if b.label == "Find settings").click().run()
    assert_ok(at)
    headline = " ".join(m.value for m in at.markdown)
    assert "meets the target" in headline, headline
    # apply the first (least-cost) setting
    applies = [b for b in at.button if b.label == "Apply"]
    assert applies
    applies[0].click().run()
    assert_ok(at)
    # the applied setting's button now says it is in use
    assert [b.label for b in at.button if b.label in ("Apply", "In use")][0] == "In use"
    chosen = at.session_state[closegap_views.APPLIED]
    chain = at.session_state[keys.WHATIF_CHAIN]
    (step,) = chain.active
    reranker = parse_rerank(chosen)
    assert step.name == reranker.NAME
    assert step.params == json.loads(json.dumps(reranker.get_params(), default=str))
    # the chosen setting's lists, recomputed independently, meet the target
    lists = reranker.fit(ctx.train, cands).rerank(cands, 10)
    gap = float(ctx.summarize(lists).gap("gender", "ndcg@10")["difference"])
    assert gap <= target
    # the page shows that gap from the full audit, and says the target is met
    now = next(m for m in at.metric if m.label == "Gap now")
    assert float(now.value) == pytest.approx(gap, abs=5e-5)
    assert any("The target is met" in s.value for s in at.success)
    # the audit page assesses the same re-ranked lists: its gender gap meets the target too
    at.switch_page("pages/4_Fairness_audit.py").run()
    assert_ok(at)
    shown = _audit_page_gap(at)
    assert shown == pytest.approx(gap, abs=5e-4) and shown <= target + 5e-4


def _audit_page_gap(at) -> float:
    """The gender ranking-accuracy gap as the audit page shows it (its "Difference" card once
    its groups selector is on gender and its metric on NDCG@10)."""
    at.selectbox(key=next(b.key for b in at.selectbox if b.label == "User groups")) \
        .set_value("gender").run()
    assert_ok(at)
    assert next(b for b in at.selectbox if b.label == "Metric").value == "ndcg@10"
    return float(next(m for m in at.metric if m.label == "Difference").value)


def _visible_text(at) -> str:
    """The page's own text (the main area; the sidebar's glossary names technical terms on
    purpose)."""
    main = at.main
    parts = [e.value for kind in (main.markdown, main.caption, main.title, main.success,
                                   main.warning, main.info) for e in kind]
    parts += [b.label for b in main.button] + [m.label for m in main.metric]
    for frame in main.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(str(p) for p in parts)


def test_unreachable_target_in_presenter_mode_says_so_in_plain_words(pipeline):
    from fairrec_app import layout

    ctx, cands = pipeline
    at = open_page(PAGE, state={layout.PRESENTER: True})
    at.number_input(key=TARGET_KEY).set_value(0.0).run()
    next(b for b in at.button if b.label == "Find settings").click().run()
    assert_ok(at)
    text = _visible_text(at)
    assert "No setting meets the target" in text and "these come closest" in text
    assert not at.success
    # presenter mode: no table of every setting, no downloads, no technical tooltips
    assert not at.expander and not at.get("download_button")
    assert not any(b.help for b in at.button if b.label == "Apply")
    for word in ("lam", "ugf", "popularity_band", "lambda="):
        assert word not in text, word


def test_every_setting_table_uses_plain_names_and_technical_specs_only_in_tooltips(pipeline):
    at = open_page(PAGE)
    next(b for b in at.button if b.label == "Find settings").click().run()
    assert_ok(at)
    text = _visible_text(at)
    assert "Narrow the accuracy gap between groups" in text
    for word in ("lam", "ugf", "popularity_band", "lambda="):
        assert word not in text, word
    helps = [b.help for b in at.button if b.label == "Apply"]
    assert helps and all(h.startswith("Technical: ") for h in helps)
    # each Apply tooltip's spec parses to the setting described beside it
    for h in helps:
        assert parse_rerank(h.removeprefix("Technical: ")).NAME in RERANKER_NAMES


RERANKER_NAMES = {"calibrated", "mmr", "popularity", "fair", "parity", "ugf"}


def test_applied_setting_survives_a_visit_to_what_if_first_and_after(pipeline):
    """What-if keeps its own widget state: a visit before applying must not undo the applied
    setting when What-if is opened afterwards (its sliders then show the applied strength)."""
    ctx, cands = pipeline
    model_gap = float(ctx.summarize(cands.top(10)).gap("gender", "ndcg@10")["difference"])
    at = open_page("pages/5_What-if.py")
    assert_ok(at)
    at.switch_page(PAGE).run()
    at.number_input(key=TARGET_KEY).set_value(round(0.85 * model_gap, 4)).run()
    next(b for b in at.button if b.label == "Find settings").click().run()
    next(b for b in at.button if b.label == "Apply").click().run()
    assert_ok(at)
    applied = at.session_state[keys.WHATIF_CHAIN]
    (step,) = applied.active
    at.switch_page("pages/5_What-if.py").run()
    assert_ok(at)
    assert at.session_state[keys.WHATIF_CHAIN].active == applied.active
    reranker = parse_rerank(at.session_state[closegap_views.APPLIED])
    strength = reranker.get_params()[reranker.STRENGTH]
    slider = at.slider(key=keys.widget("whatif", step.name, reranker.STRENGTH))
    assert slider.value == pytest.approx(strength)
    at.switch_page("pages/3_Recommendations.py").run()
    assert_ok(at)
    assert at.session_state[keys.WHATIF_CHAIN].active == applied.active
