"""Every page runs on the default session (demo shop, EASE) without an exception and shows
numbers that agree with the core computed independently here."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fairrec_app import keys, scorecard_views
from fairrec_app.layout import PAGES
from fairrec_core import glossary, names
from fairrec_core.audit import AuditContext
from fairrec_core.models import EASE, top_n
from fairrec_core.scorecard import OVERALL, scorecard
from tests.app.conftest import assert_ok, open_page


@pytest.fixture(scope="module")
def core(demo_split):
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    candidates = top_n(EASE().fit(demo_split.train), users, 100)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10)
    return demo_split, candidates, ctx, ctx.summarize(candidates.top(10))


def _cards(at):
    return {m.label: m.value for m in at.metric}


def check_home(at, core):
    _, _, _, summary = core
    label = glossary.label("ndcg@10")
    texts = [m.value for m in at.markdown if m.value.startswith(f"{label}:")]
    assert len(texts) == 3  # gender, age group, region
    region = next(t for t in texts if "Islands" in t)
    means = summary.group_table("region", "ndcg@10").set_index("group")["mean"]
    m = re.match(rf"{re.escape(label)}: (\S+) ([\d.]+) vs (\S+) ([\d.]+), gap ([\d.]+) "
                 r"\[([−\d.]+), ([−\d.]+)\], p", region)
    lo, lo_v, hi, hi_v, gap, ci_lo, ci_hi = m.groups()
    assert (lo, hi) == (means.idxmin(), means.idxmax())
    assert (lo_v, hi_v) == (f"{means.min():.3f}", f"{means.max():.3f}")
    assert gap == f"{means.max() - means.min():.3f}"
    assert float(ci_lo.replace("−", "-")) <= float(gap) <= float(ci_hi)
    # the verdict strip: the Scorecard page's verdicts, one per attribute, in plain names
    card = _scorecard(at)
    strip = [m.value for m in at.main.markdown if m.value.startswith(":") and "**" in m.value]
    assert strip == [f"{scorecard_views.badge(c.verdict)} **{names.attribute(c.attribute).capitalize()}**"
                     for c in card.cards]


def _scorecard(at):
    """The core's scorecard of the audit the page showed, under the page's policy."""
    metrics = at.session_state[scorecard_views.METRICS][1]
    policy, _ = scorecard_views.fitted(scorecard_views.file_policy()[0], metrics)
    return scorecard(metrics, policy)


def check_scorecard(at, core):
    summary = core[3]
    metrics = at.session_state[scorecard_views.METRICS][1]
    for attr in ("gender", "age_group", "region"):  # the audit is of the model's own top 10
        means = summary.group_table(attr, "ndcg@10").set_index("group")["mean"]
        for group, mean in means.items():
            assert metrics["groups"][attr][str(group)]["ndcg@10"] == pytest.approx(mean)
    card = _scorecard(at)
    md = [m.value for m in at.main.markdown]
    for c in card.cards:
        i = md.index(f"#### {names.attribute(c.attribute).capitalize()}")
        assert md[i + 1:i + 3] == [scorecard_views.badge(c.verdict),
                                   f"**{c.headline.sentence}**"]


def check_close_gap(at, core):
    summary = core[3]
    gap = summary.gap("gender", "ndcg@10")["difference"]
    target = next(n for n in at.number_input if n.label.startswith("Largest gap"))
    assert target.value == pytest.approx(round(gap / 2, 4))  # default: half the model's gap


def check_data(at, core):
    split, *_ = core
    cards = _cards(at)
    assert (cards["Users"], cards["Items"], cards["Interactions"]) == (
        f"{split.train.n_users:,}", f"{split.train.n_items:,}",
        f"{split.train.n_interactions + split.test.n_interactions:,}")


def check_models(at, core):
    cards = _cards(at)
    assert (cards["Model"], cards["Candidates per user"]) == (names.model("ease"), "100")
    overall = next(df.value for df in at.dataframe if "ndcg@10" in df.value.columns)
    assert overall.loc[names.model("ease"), "ndcg@10"] == pytest.approx(core[3].overall["ndcg@10"])


def check_recommendations(at, core):
    split, candidates, _, _ = core
    user = at.session_state[keys.RECS_USER]
    shown = next(t.value for t in at.table if "why" in t.value.columns)
    row = int(np.flatnonzero(candidates.users == user)[0])
    titles = split.train.items["title"].to_numpy()
    assert list(shown["title"]) == list(titles[candidates.items[row, :10]])
    held_out = set(split.test.interactions.query("user == @user")["item"])
    expected_hits = [int(i) in held_out for i in candidates.items[row, :10]]
    assert list(shown["hit"]) == ["✓" if h else "" for h in expected_hits]


def check_audit(at, core):
    _, _, _, summary = core
    # the page opens on the single attribute whose NDCG groups differ most (smallest ratio)
    singles = summary.gaps[(summary.gaps["metric"] == "ndcg@10")
                           & ~summary.gaps["attribute"].str.contains("&")]
    attr = singles.loc[singles["ratio"].idxmin(), "attribute"]
    assert at.selectbox(key=keys.widget("audit", "attr")).value == attr == "region"
    gap = summary.gap(attr, "ndcg@10")
    cards = _cards(at)
    assert cards["Difference"] == f"{gap['difference']:.3f}"
    assert cards["Ratio"] == f"{gap['ratio']:.2f}"
    assert len(at.get("plotly_chart")) >= 6


def check_whatif(at, core):
    summary = core[3]
    label = glossary.label("ndcg@10")
    assert _cards(at)[label] == f"{summary.overall['ndcg@10']:.3f}"
    assert len(at.toggle) >= 6  # one switch per re-ranker


def check_mitigation(at, core):
    """Before a Run: the user groups offered are the audit's single attributes, the model is
    ALS (the active EASE has no fairness penalty), every way can be pulled, nothing swept yet."""
    from fairrec_app import mitigation_views as views
    from fairrec_core.audit import audited_attributes

    singles = [a for a in audited_attributes(core[0].train) if " & " not in a]
    attr = at.selectbox(key=keys.widget("mitigation", "attr"))
    assert attr.value == "gender"
    assert list(attr.options) == [names.attribute(a) for a in singles]
    model = at.selectbox(key=keys.widget("mitigation", "model"))
    assert model.value == views.DEFAULT_MODEL
    assert not [c.value for c in at.main.caption if ":material/block:" in c.value]
    assert [i.value for i in at.info if views.RUN in i.value]
    assert not [c for c in at.get("plotly_chart") if "Accuracy against" in c.proto.spec]


def check_feedback(at, core):
    """Before a Run: the form offers the active model (EASE) and the documented defaults (10
    rounds, 3 repetitions, position bias 1, one item per round, no intervention, no other
    model); no charts."""
    from fairrec_app import feedback_views as views

    assert at.selectbox(key=keys.widget("feedback", "model")).value == "ease"
    assert at.slider(key=keys.widget("feedback", "rounds")).value == 10
    assert at.slider(key=keys.widget("feedback", "seeds")).value == 3
    assert at.number_input(key=keys.widget("feedback", "bias")).value == 1.0
    assert at.number_input(key=keys.widget("feedback", "budget")).value == 1
    assert at.selectbox(key=keys.widget("feedback", "intervention")).value == "None"
    assert at.selectbox(key=keys.widget("feedback", "versus")).value is None
    assert [i.value for i in at.info if views.RUN in i.value]
    assert not at.get("plotly_chart")


def check_new_items(at, core):
    """Before a Run: a fifth of the items held out, the text, category and plain models picked,
    nothing computed yet."""
    from fairrec_app import coldstart_views as views

    assert at.slider(key=keys.widget("coldstart", "share")).value == 0.2
    assert at.multiselect(key=keys.widget("coldstart", "models")).value == list(
        views.DEFAULT_VARIANTS)
    assert [i.value for i in at.info if views.RUN in i.value]
    assert not at.get("plotly_chart")


def check_llm_audit(at, core):
    """Before any step: the prompts form names every single attribute the audit groups by and
    200 users; nothing made yet."""
    from fairrec_app import llm_views
    from fairrec_core.audit import audited_attributes

    singles = [a for a in audited_attributes(core[0].train) if " & " not in a]
    assert at.multiselect(key=keys.widget("llm", "attrs")).value == singles
    assert at.number_input(key=keys.widget("llm", "users")).value == 200
    assert [i.value for i in at.info if llm_views.MAKE in i.value]
    assert llm_views.PROMPTS not in at.session_state and not at.get("plotly_chart")


def check_privacy(at, core):
    """Before a Run: the groups offered are the audit's single attributes (gender picked), every
    ε offered is picked, the DP settings are the benchmark's; nothing trained yet."""
    from fairrec_app import privacy_training_views as views
    from fairrec_core.audit import audited_attributes
    from fairrec_core.privacy import DP_BPR

    page = views.PAGE
    singles = [a for a in audited_attributes(core[0].train) if " & " not in a]
    attr = at.selectbox(key=keys.widget(page, "attr"))
    assert attr.value == "gender"
    assert list(attr.options) == [names.attribute(a) for a in singles]
    assert at.multiselect(key=keys.widget(page, "epsilons")).value == [8.0, 4.0, 2.0, 1.0]
    for key, want in (("factors", DP_BPR["factors"]), ("epochs", DP_BPR["epochs"]),
                      ("lr", DP_BPR["lr"]), ("clip", 1.0), ("delta", 1e-5)):
        assert at.number_input(key=keys.widget(page, key)).value == want, key
    assert [i.value for i in at.info if views.RUN in i.value]
    assert views.REQUEST not in at.session_state and not at.get("plotly_chart")


def check_open_audit(at, core):
    # nothing opened yet: the folder box under the data roots and the upload, no audit drawn
    from fairrec_app import paths

    assert at.text_input(key=keys.widget("open_audit", "path")).value == ""
    assert f"Data folders: {paths.roots_label()}" in [c.value for c in at.caption]
    assert at.info[-1].value.startswith("Name an audit's output folder")
    assert not at.get("plotly_chart") and not at.metric


CHECKS = {
    "app.py": check_home,
    "pages/0_Scorecard.py": check_scorecard,
    "pages/1_Data.py": check_data,
    "pages/2_Models.py": check_models,
    "pages/3_Recommendations.py": check_recommendations,
    "pages/4_Fairness_audit.py": check_audit,
    "pages/5_What-if.py": check_whatif,
    "pages/6_Close_a_gap.py": check_close_gap,
    "pages/7_Mitigation.py": check_mitigation,
    "pages/8_Feedback_loop.py": check_feedback,
    "pages/9_New_items.py": check_new_items,
    "pages/10_LLM_audit.py": check_llm_audit,
    "pages/11_Privacy.py": check_privacy,
    "pages/12_Open_audit.py": check_open_audit,
}


def test_every_page_is_checked():
    assert set(CHECKS) == {path for path, _, _ in PAGES}


@pytest.mark.parametrize("path", list(CHECKS))
def test_page_runs_and_shows_core_numbers(path, core):
    at = open_page(None if path == "app.py" else path)
    assert_ok(at)
    # no error box, but for the scorecard's overall verdict when it is red
    assert not [e.value for e in at.error if not e.value.startswith(OVERALL["red"])]
    label = next(lab for p, lab, _ in PAGES if p == path)
    assert at.title[0].value == ("fairrec" if path == "app.py" else label)
    CHECKS[path](at, core)


def test_two_sessions_are_independent():
    a = open_page("pages/5_What-if.py")
    b = open_page("pages/5_What-if.py")
    a.toggle(key=keys.widget("whatif", "mmr", "on")).set_value(True).run()
    b.run()
    assert [s.name for s in a.session_state[keys.WHATIF_CHAIN].active] == ["mmr"]
    assert b.session_state[keys.WHATIF_CHAIN].active == ()
    label = glossary.label("ndcg@10")
    assert _cards(a)[label] != _cards(b)[label]


@pytest.mark.parametrize("path", list(CHECKS))
def test_pages_on_data_without_user_attributes(path):
    """Interactions only (no users file): no groups to compare — the pages say so, no crash."""
    from fairrec_app.sources import CsvUpload, DataSource

    rng = np.random.default_rng(0)
    rows = [f"c{u},p{rng.integers(0, 60)}" for u in range(120) for _ in range(12)]
    raw = ("user_id,item_id\n" + "\n".join(rows)).encode()
    source = DataSource.csv_files(CsvUpload("interactions.csv", raw))
    at = open_page(None if path == "app.py" else path, state={keys.DATA_SOURCE: source})
    assert_ok(at)
    if path in ("app.py", "pages/0_Scorecard.py", "pages/4_Fairness_audit.py",
                "pages/5_What-if.py", "pages/6_Close_a_gap.py", "pages/7_Mitigation.py",
                "pages/8_Feedback_loop.py", "pages/9_New_items.py", "pages/10_LLM_audit.py",
                "pages/11_Privacy.py"):
        [warning] = [w.value for w in at.warning]
        assert "no user attributes" in warning
