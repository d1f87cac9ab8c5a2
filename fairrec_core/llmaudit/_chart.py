"""One attribute's values side by side: each value's mean score with its interval over anchors,
and for a similarity the level two neutral answers reach (the LLM's own noise) as a line."""

from __future__ import annotations

import plotly.graph_objects as go

from fairrec_core.charts import PALETTE, _style
from fairrec_core.llmaudit._prompts import NEUTRAL
from fairrec_core.llmaudit._result import metric_name
from fairrec_core.llmaudit._similarity import SIMILARITY
from fairrec_core.names import attribute as attribute_words
from fairrec_core.wording import p_text


def llm_audit_chart(result, attribute: str, metric: str = "jaccard", *,
                    title: str | None = None) -> go.Figure:
    """Bars of ``metric``'s mean per value of ``attribute`` (an
    :class:`~fairrec_core.llmaudit.LLMAuditResult`), error bars from its interval; the neutral
    row as a dashed line (for a similarity: neutral answers against each other)."""
    table = result.value_table(metric, attribute)
    rows = table[table["attribute"] == attribute]
    neutral = table[table["attribute"] == NEUTRAL]
    fig = go.Figure(go.Bar(
        x=rows["value"].astype(str), y=rows["mean"],
        marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(rows))],
        error_y=dict(type="data", symmetric=False, array=(rows["hi"] - rows["mean"]).tolist(),
                     arrayminus=(rows["mean"] - rows["lo"]).tolist()),
        hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    if len(neutral) and neutral["mean"].notna().all():
        label = ("neutral vs neutral (the model's own variation)" if metric in SIMILARITY
                 else "neutral prompt")
        fig.add_hline(y=float(neutral["mean"].iloc[0]), line_dash="dash", line_color="#495057",
                      annotation_text=label, annotation_position="top left")
    s = result.summary
    row = s[(s["attribute"] == attribute) & (s["metric"] == metric)]
    if title is None:
        title = f"{metric_name(metric, result.k)} by {attribute_words(attribute)}"
        if len(row):
            r = row.iloc[0]
            title += f" — SNSR {r['snsr']:.4f}, {p_text(r['p_snsr'])}"
    fig.update_layout(title=title, xaxis_title=attribute_words(attribute), yaxis_title=metric,
                      showlegend=False)
    fig.update_xaxes(type="category")
    return _style(fig)
