"""The Scorecard page (AppTest) shows the core's scorecard of the same audit, computed here
independently: one card per attribute with the core's verdict, sentence and next step; a saved
baseline makes the change of each gap appear after the model changes; an edited threshold moves
the verdicts exactly as the core does, on the home page's strip too; presenter mode hides the
figures; a broken policy file is one error box."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from fairrec_app import keys, layout
from fairrec_app import scorecard_views as views
from fairrec_app.settings import ModelChoice
from fairrec_core.audit import AuditContext, audited_attributes
from fairrec_core.models import MODELS, top_n
from fairrec_core.scorecard import LABELS, OVERALL, MetricPolicy, load_policy, scorecard
from tests.app.conftest import assert_ok, open_page
from tests.conftest import ROOT

PAGE = "pages/0_Scorecard.py"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """The app's working directory: the repository's policy file, no saved audits."""
    shutil.copy(ROOT / "fairness-policy.toml", tmp_path / "fairness-policy.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _audit(split, name: str):
    """The app's full audit of a model's top 10, computed here with the core alone."""
    users = np.flatnonzero(split.test.user_counts > 0)
    lists = top_n(MODELS[name]().fit(split.train), users, 100).top(10)
    ctx = AuditContext(split.train, split.test, k=10, groups=audited_attributes(split.train))
    return ctx.audit(lists, n_bootstrap=1000, n_permutations=1000, seed=0)


@pytest.fixture(scope="module")
def ease_audit(demo_split):
    return _audit(demo_split, "ease")


def _markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def _shown(at) -> list[tuple[str, str]]:
    """(badge, sentence) per card, in page order."""
    md = _markdown(at)
    return [(md[i + 1], md[i + 2]) for i, m in enumerate(md) if m.startswith("#### ")]


def _expected(card) -> list[tuple[str, str]]:
    return [(views.badge(c.verdict), f"**{c.headline.sentence}**" if c.headline.sentence
             else c.headline.summary) for c in card.cards]


def test_cards_are_the_cores_scorecard_of_the_same_audit(workdir, ease_audit):
    at = open_page(PAGE)
    assert_ok(at)
    core = scorecard(ease_audit, load_policy(workdir / "fairness-policy.toml"))
    assert [c.attribute for c in core.cards] == ["gender", "age_group", "region"]
    assert _shown(at) == _expected(core)
    md = _markdown(at)
    for c in core.cards:
        assert f"**Next step:** {c.headline.next_step}" in md
    boxes = [e.value for e in [*at.error, *at.warning, *at.success, *at.info]]
    assert OVERALL[core.verdict] + (" The policy's release gate fails." if core.failed
                                    else "") in boxes
    # the groups left out are disclosed with the reason, never as a card's headline
    for c in core.cards:
        if c.excluded_groups:
            assert f"Left out of the verdict: {views.left_out_text(c.excluded_groups)}." in [
                x.value for x in at.caption]
            assert not any(f"{g} get" in c.headline.sentence for g in c.excluded_groups)


def test_saved_baseline_shows_the_change_after_the_model_changes(workdir, ease_audit,
                                                                  demo_split):
    at = open_page(PAGE)
    assert not any("Since the previous audit" in m for m in _markdown(at))
    at.button(key=keys.widget("scorecard", "save")).click().run()
    assert_ok(at)
    saved = json.loads((workdir / "audits" / "demo-shop" / "metrics.json").read_text())
    assert saved["gaps"] == json.loads(json.dumps(ease_audit.to_dict()["gaps"]))
    assert saved["settings"]["data"] == "Demo shop" and saved["settings"]["saved_at"]
    # a change of model: the cards compare the new audit with the saved one
    at.session_state[keys.MODELS_ACTIVE] = ModelChoice.of("popularity")
    at.run()
    assert_ok(at)
    policy = load_policy(workdir / "fairness-policy.toml")
    now = scorecard(_audit(demo_split, "popularity"), policy, previous=saved)
    assert _shown(at) == _expected(now)
    md = _markdown(at)
    for c in now.cards:
        for ch in c.changes:
            then = saved["gaps"][c.attribute][ch.metric]["difference"]
            assert ch.then == then and ch.now != then
            assert any(m.endswith(f"gap went {ch.text}.") for m in md)
    assert any("Compared with the baseline saved" in x.value for x in at.caption)


def test_an_edited_threshold_moves_the_verdicts_as_the_core_does(workdir, ease_audit):
    at = open_page(PAGE)
    file_policy = load_policy(workdir / "fairness-policy.toml")
    before = scorecard(ease_audit, file_policy)
    assert "red" in [c.verdict for c in before.cards]
    at.number_input(key=keys.widget("scorecard", "gap", "ndcg")).set_value(0.5).run()
    at.number_input(key=keys.widget("scorecard", "gap", "recall")).set_value(0.5).run()
    assert_ok(at)
    edited = replace(file_policy, metrics=tuple(MetricPolicy(m.name, 0.5, m.min_ratio)
                                                for m in file_policy.metrics))
    after = scorecard(ease_audit, edited)
    assert _shown(at) == _expected(after)
    assert [c.verdict for c in after.cards] != [c.verdict for c in before.cards]
    assert at.session_state[views.POLICY] == edited
    # the home page's strip judges with the same edited policy
    at.switch_page("app.py").run()
    assert_ok(at)
    strip = [m.value for m in at.markdown if m.value.startswith(":") and "**" in m.value]
    assert strip == [f"{views.badge(c.verdict)} **{c.attribute.replace('_', ' ').capitalize()}**"
                     for c in after.cards]
    # back on the page, the thresholds are still the edited ones; one click restores the file's
    at.switch_page(PAGE).run()
    assert at.number_input(key=keys.widget("scorecard", "gap", "ndcg")).value == 0.5
    at.button(key=keys.widget("scorecard", "reset")).click().run()
    assert _shown(at) == _expected(before)


def test_presenter_mode_hides_the_figures_and_keeps_the_verdicts(workdir, ease_audit):
    at = open_page(PAGE, state={layout.PRESENTER: True})
    assert_ok(at)
    core = scorecard(ease_audit, load_policy(workdir / "fairness-policy.toml"))
    assert _shown(at) == _expected(core)
    shown = " ".join([*(m.value for m in at.main.markdown), *(c.value for c in at.main.caption)])
    assert "p <" not in shown and "p =" not in shown and "interval)" not in shown
    assert not at.get("download_button") and not at.dataframe
    assert LABELS["red"] in " ".join(_markdown(at))


def test_a_broken_policy_file_is_one_error_box_and_the_defaults_apply(workdir, ease_audit):
    (workdir / "fairness-policy.toml").write_text("significance = 3\n")
    at = open_page(PAGE)
    assert_ok(at)
    errors = [e.value for e in at.error if "Policy file" in e.value]
    assert len(errors) == 1 and "significance" in errors[0] and "fairness-policy.toml" in errors[0]
    assert _shown(at) == _expected(scorecard(ease_audit))


def test_close_this_gap_opens_close_a_gap_on_the_cards_attribute_and_measure(workdir,
                                                                              ease_audit):
    core = scorecard(ease_audit, load_policy(workdir / "fairness-policy.toml"))
    red = next(c for c in core.cards if c.headline.reason == "red")
    at = open_page(PAGE)
    at.button(key=keys.widget("scorecard", "close", red.attribute)).click().run()
    assert_ok(at)
    assert at.title[0].value == "Close a gap"
    assert at.selectbox(key=keys.widget("closegap", "attr")).value == red.attribute
    assert at.selectbox(key=keys.widget("closegap", "metric")).value == \
        red.headline.metric.partition("@")[0]
