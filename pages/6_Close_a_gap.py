"""Close a gap: pick a gap between user groups and a target; fairrec tries every re-ranker and
strength, shows the settings that reach the target at the least accuracy cost, and applies one
with a click."""

import streamlit as st

from fairrec_app import closegap_views as views
from fairrec_app import layout, services, workspace

layout.page("Close a gap", ":material/target:",
            "Say how small a gap between groups should be; fairrec tries every re-ranking and "
            "strength and shows which reach it for the least loss of accuracy.")
cur = workspace.current()
workspace.require_groups(cur.ds)
ds, ms, k = cur.ds, cur.ms, cur.k
ctx = services.context_for(ds, k)
before = services.model_summary(ms.key, k, ctx, ms.candidates)

request = views.request_form(before, k)
if request is None:
    st.info("Pick the groups, the measure and the target, then press **Find settings**.",
            icon=":material/info:")
    st.stop()

result = None
with layout.error_box("Close a gap"):
    result = views.search(services.split_key(ds.train, ds.test), ms.key, k, request, ctx,
                          ms.candidates)
if result is None:
    st.stop()

st.markdown(f"#### {result.sentence()}")
st.plotly_chart(views.pareto_chart(result), width="stretch")
views.shortlist(result, cur.reranking)
views.every_setting(result)
views.applied_gap(cur, request)
