"""New items: hold out a share of the catalogue entirely and see how each model ranks items it
has never seen interactions for, and who gets to see them — per user group and item group."""

import streamlit as st

from fairrec_app import coldstart_views as views
from fairrec_app import layout, services, workspace

layout.page("New items", ":material/fiber_new:",
            "Items that are new to the catalogue have no interactions yet. Hold out a share of "
            "the items entirely and compare models that read item descriptions or categories "
            "with one that cannot: how well is each new item ranked, and do they get seen?")
cur = workspace.current()
workspace.require_groups(cur.ds)
attributes = [a for a in services.audit_groups(cur.ds.data) if " & " not in a]
request = views.request_form(cur)
if request is not None:
    with layout.error_box("New items"):
        st.session_state[views.RESULT] = views.run(cur, request)
result = st.session_state.get(views.RESULT)
if result is None:
    st.info(f"Pick the share of new items and the models, then press **{views.RUN}**.",
            icon=":material/info:")
    st.stop()
views.show(result, attributes, cur.ds.data)
