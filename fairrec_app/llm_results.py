"""The LLM audit page's result: a verdict per attribute in words (does naming it change the
recommendations beyond the model's own variation?), the chart of each value against the
neutral answers, the FaiRLLM summary table (SNSR, SNSV and their permutation p-values), the
grounding per group, and the downloads (tables, JSON, the HTML report)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from fairrec_app import keys, layout
from fairrec_core import names
from fairrec_core.wording import p_text

#: The significance level of the verdicts (the benchmark's detection level).
ALPHA = 0.01
#: The downloads' labels, by file.
FILE_LABELS = {"llm_audit.csv": "Summary (CSV)", "llm_audit_values.csv": "Per value (CSV)",
               "llm_audit.json": "Everything (JSON)"}
#: The measures offered, in this order (those the result has).
SHOWN = ("jaccard", "serp", "prag", "category_divergence", "popularity_shift", "ndcg", "hit")


def measure_label(metric: str, k: int) -> str:
    from fairrec_core.llmaudit import metric_name

    text = metric_name(metric, k)
    return text[0].upper() + text[1:]


def verdict(result, attribute: str, metric: str) -> str:
    """One sentence: whether naming ``attribute`` changes the answers (SNSR's permutation
    p-value below :data:`ALPHA`) and which values are furthest apart."""
    from fairrec_core.llmaudit import SIMILARITY

    row = result.row(attribute, metric)
    label, p = measure_label(metric, result.k), row["p_snsr"]
    words = names.attribute(attribute)
    spread = f"{label}: spread {row['snsr']:.3f}, {p_text(p)}"
    if math.isnan(p) or p >= ALPHA:
        return f"No detectable effect of naming the user's {words} ({spread})."
    if metric in SIMILARITY:
        where = (f"answers asked as {row['lowest']} are the least like the neutral answers, "
                 f"as {row['highest']} the most")
    else:
        where = f"lowest when asked as {row['lowest']}, highest as {row['highest']}"
    return (f"Naming the user's {words} changes the recommendations beyond the model's own "
            f"variation: {where} ({spread}).")


def summary_table(result) -> pd.DataFrame:
    s = result.summary
    return pd.DataFrame({
        "Attribute": s["attribute"].map(names.attribute),
        "Measure": [measure_label(m, result.k) for m in s["metric"]],
        "SNSR (max − min)": s["snsr"], "p (SNSR)": s["p_snsr"],
        "SNSV (spread)": s["snsv"], "p (SNSV)": s["p_snsv"],
        "Highest": s["highest"].astype(str), "Lowest": s["lowest"].astype(str),
        "Users": s["anchors"]})


def grounding_table(result) -> pd.DataFrame:
    g = result.grounding()
    return pd.DataFrame({
        "Asked as": [("neutral" if a in (None, "neutral") or pd.isna(a) else
                      f"{names.attribute(a)} = {v}") for a, v in zip(g["attribute"], g["value"],
                                                                   strict=True)],
        "Answers": g["answers"], "Titles": g["titles"], "Found in the catalogue": g["rate"],
        "Not in the catalogue": g["hallucinations"]})


def show(result, data) -> None:
    from fairrec_core.llmaudit import llm_audit_chart

    g = result.grounded
    st.caption(f"{int(g.answers['grounded'].sum()):,} of {int(g.answers['titles'].sum()):,} "
               f"titles found in the catalogue ({g.rate:.1%}); top {result.k} of each answer; "
               f"{result.settings.get('permutations', '')} shuffles per test.")
    metrics = [m for m in SHOWN if m in set(result.summary["metric"])]
    metric = st.selectbox("Measure", metrics, format_func=lambda m: measure_label(m, result.k),
                          key=keys.widget("llm", "metric"))
    attributes = list(dict.fromkeys(result.summary["attribute"]))
    for attribute in attributes:
        st.markdown(f"**{verdict(result, attribute, metric)}**")
    cols = st.columns(min(len(attributes), 3))
    for i, attribute in enumerate(attributes):
        row = result.row(attribute, metric)
        fig = llm_audit_chart(result, attribute, metric, title=(
            f"{names.attribute(attribute).capitalize()}: spread {row['snsr']:.4f}, "
            f"{p_text(row['p_snsr'])}"))
        fig.update_layout(height=380, yaxis_title=None)
        fig.layout.annotations = ()  # the neutral line's label: the caption below says it
        cols[i % len(cols)].plotly_chart(fig, key=f"llm.chart.{attribute}")
    st.caption("Bars: each value's mean over users with its 95% interval; the dashed line: "
               "two neutral answers compared with each other — how much the model varies "
               "anyway. p-values: the permutation test shuffles which value each of a user's "
               "answers was asked with.")
    if layout.presenter():
        return
    st.dataframe(summary_table(result), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.4f")
                                for c in ("SNSR (max − min)", "p (SNSR)", "SNSV (spread)",
                                          "p (SNSV)")})
    st.markdown("##### Grounding: were the recommended titles real items?")
    st.dataframe(grounding_table(result), hide_index=True, width="stretch",
                 column_config={"Found in the catalogue": st.column_config.NumberColumn(
                     format="percent")})
    _downloads(result, data)


def _downloads(result, data) -> None:
    from fairrec_core.report import render_llm_audit

    files = result.files()
    cols = st.columns(len(files) + 1)
    for col, (name, text) in zip(cols, files.items(), strict=False):
        col.download_button(FILE_LABELS.get(name, name), text, file_name=name,
                            icon=":material/download:", key=f"llm.download.{name}")
    report = render_llm_audit(result, title=f"fairrec LLM audit on {data.name}",
                              dataset_summary=data.describe(), settings=result.settings)
    cols[-1].download_button("Report (HTML)", report, file_name="llm_audit.html",
                             mime="text/html", icon=":material/download:",
                             key="llm.download.report")
