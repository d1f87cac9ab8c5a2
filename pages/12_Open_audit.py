"""Open an audit: the per-group results of an audit computed by the command line (its --out
folder or its metrics.json), without loading its data, model or recommendation lists."""

import streamlit as st

from fairrec_app import layout, opened_audit_views

layout.page("Open an audit", ":material/folder_open:",
            "See an audit computed by `python -m fairrec_core audit` — for example on data too "
            "large for the dashboard — from its output folder: every group with its interval, "
            "the gaps with their tests, parity, exposure and popularity. Only the folder's "
            "files are read; no data set or model is loaded.")
opened_audit_views.chooser()
held = st.session_state.get(opened_audit_views.OPENED)
if held is None:
    st.info("Name an audit's output folder or upload its metrics.json to see it here.",
            icon=":material/folder_open:")
    st.stop()
opened_audit_views.render(held[0], held[1])
