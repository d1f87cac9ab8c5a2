"""LLM audit: does naming who asks (gender, age, region) change what a large language model
recommends? Make the prompts, bring the answers, and test each attribute against the model's
own variation (FaiRLLM)."""

import streamlit as st

from fairrec_app import layout, llm_results, llm_views, services, workspace

layout.page("LLM audit", ":material/smart_toy:",
            "Ask a language model for recommendations as each user, once without saying who "
            "they are and once per gender, age group or region, and see whether the answers "
            "change more than the model's own variation.")
cur = workspace.current()
workspace.require_groups(cur.ds)
attributes = [a for a in services.audit_groups(cur.ds.data) if " & " not in a]
st.markdown("#### 1 · The prompts")
with layout.error_box("Prompts"):
    llm_views.prompts_step(cur, attributes)
prompts = st.session_state.get(llm_views.PROMPTS)
if prompts is None:
    st.info(f"Pick who asks, then press **{llm_views.MAKE}**.", icon=":material/info:")
    st.stop()
llm_views.show_prompts(prompts)
st.markdown("#### 2 · The answers")
with layout.error_box("Answers"):
    llm_views.answers_step(cur, prompts)
answers = st.session_state.get(llm_views.ANSWERS)
if answers is None:
    st.info("Bring the model's answers to these prompts.", icon=":material/info:")
    st.stop()
st.caption(llm_views.answers_caption(answers))
st.markdown("#### 3 · The audit")
with layout.error_box("LLM audit"):
    llm_views.audit_step(cur, prompts, answers)
result = st.session_state.get(llm_views.RESULT)
if result is not None:
    llm_results.show(result, cur.ds.data)
