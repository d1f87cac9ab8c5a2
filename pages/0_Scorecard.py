"""Scorecard: one verdict per user attribute against the team's thresholds, for a product owner
to read in a minute — who is served worse, by how much, what changed, what to do next."""

import streamlit as st

from fairrec_app import layout, services, workspace
from fairrec_app import scorecard_views as views

layout.page("Scorecard", ":material/traffic:",
            "One verdict per group of users against the thresholds your team sets: green, no "
            "clear gap; amber, watch it or collect more data; red, a group is served clearly "
            "worse than the policy allows.")
cur = workspace.current()
workspace.require_groups(cur.ds)
lists, res, label = services.assessed(cur)
name = cur.ds.data.name
st.markdown(f"**Assessing** {label} on **{name}** — top {cur.k} recommendations of "
            f"{res.n_evaluated:,} users.")

metrics = views.audit_metrics(res)
board = st.container()  # the verdicts first; the thresholds that set them below
policy = views.policy_editor(metrics)
card = None
with board, layout.error_box("Scorecard"):
    card, source, notes = views.card_of(res, name, policy)
    views.overall_box(card, source)
    for note in notes:
        st.caption(note)
    views.cards(card)
if card is None:
    st.stop()
views.baseline(metrics, name, label)
if not layout.presenter():
    views.details(card)
