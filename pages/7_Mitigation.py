"""Mitigation: compare the three ways to reduce a gap — rebalance the training data, a fairness
penalty in training, re-rank the output — at several strengths, on one trade-off chart."""

import streamlit as st

from fairrec_app import layout, mitigation_results, services, workspace
from fairrec_app import mitigation_views as views

layout.page("Mitigation", ":material/healing:",
            "Reduce a gap three ways — rebalance the training data, train with a fairness "
            "penalty, re-rank the output — each at several strengths, and see on one chart what "
            "each costs in accuracy.")
cur = workspace.current()
workspace.require_groups(cur.ds)
message = st.session_state.pop(views.MESSAGE, None)
if message:
    st.info(message, icon=":material/cancel:")
if cur.ds.imported is not None:
    st.info("The lists in use were imported from another system: the comparison trains models "
            "here, on the same data.", icon=":material/info:")
attributes = [a for a in services.audit_groups(cur.ds.train) if " & " not in a]
request = views.request_form(cur, attributes)
if request is None:
    st.info(f"Pick what to reduce and how, then press **{views.RUN}**.", icon=":material/info:")
    st.stop()

result = None
with layout.error_box("Mitigation"):
    result = views.run(cur, request)
if result is None:
    st.stop()
mitigation_results.show(cur, result)
