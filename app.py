import streamlit as st

from fairrec_app import layout, workspace

layout.page("fairrec", ":material/balance:")
cur = workspace.current()
st.write(cur.ds.data.name, cur.ms.choice.label)
