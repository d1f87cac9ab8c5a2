"""Privacy: what training with differential privacy (DP-SGD) costs in accuracy, and whether it
widens a gap between user groups — BPR or the two-tower model at several privacy budgets ε on
one chart."""

import streamlit as st

from fairrec_app import layout, services, workspace
from fairrec_app import privacy_training_views as views

layout.page("Privacy", ":material/lock:",
            "Train the model with differential privacy at several budgets ε and see on one "
            "chart what privacy costs in accuracy, and whether it widens the gap between groups.")
cur = workspace.current()
workspace.require_groups(cur.ds)
attributes = [a for a in services.audit_groups(cur.ds.train) if " & " not in a]
request = views.request_form(attributes)
if request is None:
    st.info(f"Pick the groups and budgets, then press **{views.RUN}**.", icon=":material/info:")
    st.stop()

table = None
with layout.error_box("Privacy"):
    table = views.run(cur, request)
if table is None:
    st.stop()
views.show(table, request, cur.k)
