"""fairrec — home page and entry point (`make run`). Pages live in pages/ (classic multipage:
each page bootstraps the session itself, so a page opened by its URL works on a fresh server)."""

import streamlit as st

from fairrec_app import findings, layout, services, workspace
from fairrec_app import scorecard_views as scorecard
from fairrec_app.layout import TAGLINE
from fairrec_core import charts, glossary, names

layout.page("fairrec", ":material/balance:", "Fairness audits for recommender systems")
st.markdown(TAGLINE)

cur = workspace.current()  # first visit: demo shop + EASE, trained behind a progress bar
ds, ms, k = cur.ds, cur.ms, cur.k
workspace.require_groups(cur.ds)
lists, res, label = services.assessed(cur)
st.markdown(f"**Assessing** {label} on **{ds.data.name}** ({ds.data.n_users:,} users, "
            f"{ds.data.n_items:,} items) — {ds.split_label}.")
scorecard.strip(res, ds.data.name)

st.header("How well is each group of users served?")
metric = f"ndcg@{k}"
st.caption(f"{glossary.label(metric)}: {glossary.plain_help(metric)} Gap = best-served minus "
           "worst-served group, with a 95% interval and a p-value that both allow for picking "
           "the most extreme pair out of many.",
           help=f"{glossary.GAPS['interval']} {glossary.GAPS['p_value_pair']} "
                f"{glossary.GAPS['adjusted_difference']}")
singles = [a for a in res.attributes if " & " not in a]
cols = st.columns(max(1, len(singles)))
for col, attr in zip(cols, singles, strict=False):
    finding = findings.headline(res, attr, metric)
    with col.container(border=True):
        st.markdown(f"##### {names.attribute(attr).capitalize()}")
        if finding is None:
            left_out = findings.excluded_note(res.gap(attr, metric), res.min_group_size)
            st.caption(" ".join(["Fewer than two groups large enough to compare.",
                                 left_out or ""]))
            continue
        st.markdown(finding.text)
        if not layout.presenter():
            for note in finding.notes:
                st.caption(note)

if singles:
    first = findings.most_unequal(res, metric) or singles[0]
    a, b = st.columns([3, 2])
    a.plotly_chart(charts.bars_with_ci(res.group_table(first, metric), glossary.label(metric),
                                       overall=res.overall.get(metric),
                                       attribute=names.attribute(first)), key="home.bars")
    with b:
        st.markdown("##### What gets recommended, and what gets seen")
        item_attr = "category" if "category" in res.item_attributes else res.item_attributes[0]
        phrase = findings.parity_headline(res, first, item_attr)
        if phrase:
            st.markdown(f"- {phrase}")
        if "brand_tier" in res.item_attributes:
            phrase = findings.exposure_headline(res, "brand_tier", "small")
        else:
            phrase = findings.exposure_headline(res, "popularity_band", "tail")
        if phrase:
            st.markdown(f"- {phrase}")
        gini = f"gini_exposure@{k}"
        st.markdown(f"- {glossary.label(gini)} {res.overall[gini]:.2f}: "
                    f"{glossary.plain_help(gini)}", help=glossary.help_text(gini))

st.header("Where to go next")
pages = (
    ("Scorecard", "One verdict per group of users against your team's thresholds."),
    ("Data", "Choose the demo shop, MovieLens or your own CSVs; see who is in the data."),
    ("Models", "Train and compare recommenders, save them, or upload lists from your own system."),
    ("Recommendations", "One user at a time: history, top-k, why, and the effect of re-ranking."),
    ("Fairness audit", "Every metric per group with intervals, gaps, parity, exposure."),
    ("What-if", "Switch on re-rankers that mitigate a gap and see what each setting costs."),
    ("Close a gap", "Set a target for a gap; fairrec finds the re-ranking that reaches it."),
)
cols = st.columns(4) + st.columns(4)
for col, (page, text) in zip(cols, pages, strict=False):
    with col.container(border=True):
        layout.link(page)
        st.caption(text)
