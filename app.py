import streamlit as st

from fairrec_app import layout, workspace

layout.page("fairrec", ":material/balance:")
ds = workspace.data_state()
st.write(ds.data.name)
