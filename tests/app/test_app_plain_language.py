"""Plain language on the pages of issue 14: short plain metric labels with the technical name in
the tooltip, a glossary of every term shown on demand, presenter mode hiding technical detail,
and the display defects (one users column, charts naming their attribute, the all-users label
clear of the bars, log ticks in powers of ten, the Data page opening the loaded data's tab)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_app import audit_tables, data_views, keys, layout
from fairrec_app.services import default_reranking
from fairrec_app.settings import RerankStep
from fairrec_app.sources import DataSource
from fairrec_core import charts, glossary, names
from tests.app.conftest import assert_ok, open_page

AUDIT, WHATIF, DATA = "pages/4_Fairness_audit.py", "pages/5_What-if.py", "pages/1_Data.py"
#: Words of the jargon list of issue 14 that no plain label may hold.
JARGON = ("NDCG", "MRR", "ILD", "APLT", "Miscalibration", "Gini", "xQuAD", "FA*IR", "ugf", "KL")


def _on(lam: float = 0.5) -> dict:
    step = RerankStep("calibrated", enabled=True).with_params({"lam": lam})
    return {keys.WHATIF_CHAIN: default_reranking().replace_step(step)}


# ---- glossary ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(glossary.METRICS))
def test_metric_label_is_plain_short_and_its_technical_name_is_in_the_tooltip(name):
    metric = f"{name}@10"
    label = glossary.label(metric)
    assert not any(j.lower() in label.lower().split() or j in label for j in JARGON), label
    assert len(label) <= 20  # fits a metric card of four to a row at 1440 px
    info = glossary.METRICS[name]
    technical = f"{info.technical or info.label}@10"
    assert glossary.technical(metric) == technical
    assert glossary.help_text(metric).endswith(f"Technical name: {technical}.")
    assert "Technical name" not in glossary.plain_help(metric)
    assert glossary.help_text(metric).startswith(glossary.plain_help(metric))
    assert "top 10" in glossary.plain_help(metric) or "{k}" not in info.measures


def test_four_fifths_rule_says_why_it_is_applied_to_accuracy():
    why = glossary.FOUR_FIFTHS
    assert "80%" in why and "ranking accuracy" in why and "rule of thumb" in why
    # one definition: the ratio help and the reference ratio help carry the same text
    assert glossary.GAPS["ratio"].endswith(why)
    assert glossary.GAPS["reference_ratio"].endswith(why)


def test_glossary_lists_every_metric_reranker_and_term_once():
    entries = dict(glossary.entries(10))
    assert len(entries) == len(glossary.entries(10))  # no term twice
    for info in glossary.METRICS.values():
        term = f"{info.label} ({info.technical})" if info.technical else info.label
        assert entries[term] == info.help(10).split(" Technical name:")[0]
    for name, text in glossary.RERANKERS.items():
        assert entries[names.reranker(name)] == f"{text} Method: {glossary.METHODS[name]}."
        assert not any(j in text for j in JARGON)  # shown under each What-if toggle
    assert set(glossary.RERANKERS) == set(names.RERANKERS) == set(glossary.METHODS)
    for term, text in glossary.TERMS.items():
        assert entries[term] == text
    assert entries["95% interval"] == glossary.GAPS["interval"]
    assert entries["Four-fifths rule"] == glossary.FOUR_FIFTHS


def test_groups_of_an_attribute_read_as_words():
    assert [names.groups(a) for a in ("gender", "age_group", "gender & age_group")] == [
        "gender groups", "age groups", "groups by gender & age group"]


# ---- tables and charts ------------------------------------------------------------------------
def test_group_means_has_one_users_column_unless_some_users_lack_a_value():
    table = pd.DataFrame({"group": ["F", "M"], "n_users": [10, 20], "n": [10, 20],
                          "mean": [0.3, 0.4], "ci_lo": [0.2, 0.35], "ci_hi": [0.4, 0.45]})
    shown = audit_tables.group_means(table, "Ranking accuracy")
    assert list(shown.columns) == ["group", "users", "Ranking accuracy", "95% low", "95% high"]
    np.testing.assert_array_equal(shown["users"], table["n_users"])
    np.testing.assert_array_equal(shown["Ranking accuracy"], table["mean"])
    fewer = audit_tables.group_means(table.assign(n=[9, 20]), "Ranking accuracy")
    assert list(fewer["with a value"]) == [9, 20]  # shown only because it differs


def test_charts_name_their_attribute_and_keep_labels_clear(demo):
    frame = pd.DataFrame({"group": ["F", "M"], "mean": [0.3, 0.4], "ci_lo": [0.2, 0.35],
                          "ci_hi": [0.4, 0.45]})
    fig = charts.bars_with_ci(frame, "Ranking accuracy", overall=0.35, attribute="age group")
    assert fig.layout.title.text == "Ranking accuracy by age group (95% interval)"
    assert fig.layout.xaxis.title.text == "age group"
    # the all-users label sits right of the plot area (x = 1 of the paper, anchored left), at
    # the overall value, with room kept for it in the right margin
    [note] = fig.layout.annotations
    assert (note.xref, note.x, note.xanchor, note.y) == ("paper", 1, "left", 0.35)
    assert note.text == "all users<br>0.350" and fig.layout.margin.r >= 60
    sizes = data_views.group_sizes(demo)
    bars = charts.group_bars(sizes[sizes["attribute"] == "gender"], "users", "Users per gender",
                             x_title="gender")
    assert bars.layout.xaxis.title.text == "gender"
    box = charts.distributions(pd.DataFrame({"group": ["F", "M"], "value": [0.1, 0.2]}),
                               "Ranking accuracy", attribute="region")
    assert box.layout.title.text == "Per-user Ranking accuracy by region"
    # log axis: ticks only at powers of ten (dtick 1 on a log axis), no minor ticks
    tail = charts.long_tail(data_views.long_tail(demo))
    assert tail.layout.yaxis.type == "log" and tail.layout.yaxis.dtick == 1
    assert tail.layout.yaxis.minor.ticks == ""


# ---- pages ------------------------------------------------------------------------------------
def _texts(at) -> str:
    main = at.main
    return " ".join([m.value for m in main.markdown] + [c.value for c in main.caption]
                    + [h.value for h in (*main.header, *main.subheader)]
                    + [w.label for w in (*main.toggle, *main.slider, *main.selectbox)]
                    + [w.format_func(o) for w in main.selectbox for o in w.options])


def _downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_glossary_is_in_the_sidebar_of_every_page():
    at = open_page(DATA)
    side = " ".join(m.value for m in at.sidebar.markdown)
    for term, text in glossary.entries():
        assert f"- **{term}** — {text}" in side


def test_audit_in_presenter_mode_keeps_verdicts_and_hides_detail():
    normal = open_page(AUDIT, _on())
    assert_ok(normal)
    presenter = open_page(AUDIT, {**_on(), layout.PRESENTER: True})
    assert_ok(presenter)
    cards = {m.label for m in presenter.metric}
    assert {"Difference", "Ratio", "p-value (this pair)"} <= cards
    assert cards == {m.label for m in normal.metric}  # every verdict card stays
    assert len(presenter.get("plotly_chart")) == len(normal.get("plotly_chart"))
    # hidden: downloads, the tables of p-values, the every-gap expander, the engine's notes
    assert _downloads(normal) and not _downloads(presenter)
    p_tables = [df for df in presenter.dataframe if any(str(c).startswith("p ")
                                                        for c in df.value.columns)]
    assert not p_tables and any("p adjusted (max-T)" in df.value.columns for df in normal.dataframe)
    assert any(e.label.startswith("Every metric's gap") for e in normal.expander)
    assert not any(e.label.startswith("Every metric's gap") for e in presenter.expander)
    # no section left empty by what it hides: the pairs and each-against-the-rest sections go
    heads = {h.value for h in presenter.main.subheader}
    assert not heads & {"Which pairs of groups differ?",
                        "Is one group served differently from everyone else?"}
    assert "How each group compares with the largest one." in heads
    # plain words: headline sentences and human names on both
    for at in (normal, presenter):
        text = _texts(at)
        for ident in ("lam=", "calibrated(", "popularity_band", "ugf(", "NDCG", "Miscalibration"):
            assert ident not in text, ident
        heads = [h.value for h in (*at.main.header, *at.main.subheader)]
        assert heads and all(h.endswith((".", "?")) for h in heads), heads


def test_whatif_in_presenter_mode_shows_the_curve_without_its_table():
    presenter = open_page(WHATIF, {**_on(0.9), layout.PRESENTER: True})
    assert_ok(presenter)
    assert not _downloads(presenter)
    assert not any("strength" in df.value.columns for df in presenter.dataframe)
    assert any(c.proto.spec and "against" in c.proto.spec for c in presenter.get("plotly_chart"))
    [caption] = [c for c in presenter.caption if c.value.startswith("Computed for")]
    assert caption.value.startswith(f"Computed for: {names.reranker('calibrated')} (strength 0.9")
    normal = open_page(WHATIF, _on(0.9))
    [table] = [df.value for df in normal.dataframe if "strength" in df.value.columns]
    # the sweep's table with plain column names, its strengths the re-ranker's grid
    assert list(table.columns) == ["strength", glossary.label("ndcg@10"),
                                   glossary.label("calibration_kl@10"), "best trade-off"]
    assert table["strength"].iloc[0] == 0 and table["strength"].iloc[-1] == 1


def _default_tab(at) -> str:
    """The default tab label of the page's first ``st.tabs`` (from the block protos)."""
    stack = list(at.main.children.values())
    while stack:
        node = stack.pop(0)
        if getattr(node, "type", None) == "tab_container":
            tabs = node.proto.tab_container  # the label, or the index when it is the first
            labels = [t.label for t in node.children.values()]
            return tabs.default_tab_label or labels[tabs.default_tab_index]
        stack.extend(getattr(node, "children", {}).values())
    raise AssertionError("no tabs on the page")


def test_data_page_opens_the_tab_of_the_data_in_use(ml100k_path):
    demo = open_page(DATA)
    assert _default_tab(demo) == "Demo shop"
    at = open_page(DATA, {keys.DATA_SOURCE: DataSource.movielens_path(str(ml100k_path))})
    assert_ok(at)
    assert _default_tab(at) == "MovieLens"
    [ok] = [s.value for s in at.success if s.value.startswith("In use now")]
    assert ok == "In use now: MovieLens 100K — 943 users, 1,682 items, 100,000 ratings."
    assert any(c.value == "In use now: MovieLens (ml-100k). Generating a shop replaces it."
               for c in at.caption)
    assert [h.value for h in at.main.markdown if h.value.startswith("####")][0] == \
        "#### You are assessing MovieLens 100K."
