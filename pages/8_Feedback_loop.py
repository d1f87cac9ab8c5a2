"""Feedback loop: recommend, let users choose, retrain — over many rounds — and watch accuracy,
popularity, homogenisation and taste drift per group, with and without an intervention."""

import streamlit as st

from fairrec_app import feedback_results as results
from fairrec_app import feedback_views as views
from fairrec_app import layout, services, workspace

layout.page("Feedback loop", ":material/autorenew:",
            "What happens when the recommendations become the next training data: each round "
            "every user gets a list, chooses from it as a position-biased user would, and the "
            "model is trained again on what was chosen.")
cur = workspace.current()
workspace.require_groups(cur.ds)
attributes = [a for a in services.audit_groups(cur.ds.data) if " & " not in a]
request = views.request_form(cur)
if request is not None:
    with layout.error_box("Feedback loop"):
        st.session_state[views.RESULT] = views.run(cur, request)
result = st.session_state.get(views.RESULT)
if result is None:
    st.info(f"Pick the loop's settings, then press **{views.RUN}**.", icon=":material/info:")
    st.stop()
results.show(result, attributes, cur.ds.data)
