"""A metric over rounds: one line per group (and arm), the band over seeds around it."""

from __future__ import annotations

import plotly.graph_objects as go

from fairrec_core.charts import PALETTE, _style
from fairrec_core.feedback._measure import ALL, METRIC_NAMES


def _rgba(color: str, alpha: float) -> str:
    color = color.strip()
    if color.startswith("rgb("):
        return color.replace("rgb(", "rgba(").replace(")", f", {alpha})")
    h = color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def feedback_chart(bands, metric: str, *, attribute: str = ALL, title: str | None = None,
                   level: float = 0.95) -> go.Figure:
    """``metric`` against the round for every group of ``attribute`` (``"all"``: every user)
    and every arm in ``bands`` (:meth:`FeedbackResult.bands` of one run or several runs
    concatenated): the mean over seeds as a line, its interval as a shaded band."""
    rows = bands[(bands["metric"] == metric) & (bands["attribute"] == attribute)]
    fig = go.Figure()
    keys = list(dict.fromkeys(zip(rows["arm"], rows["group"], strict=True)))
    several_arms = rows["arm"].nunique() > 1
    for i, (arm, group) in enumerate(keys):
        part = rows[(rows["arm"] == arm) & (rows["group"] == group)].sort_values("round")
        color = PALETTE[i % len(PALETTE)]
        name = "all users" if group == ALL else f"{attribute} = {group}"
        if several_arms:
            name = f"{name} ({arm})"
        x = part["round"].tolist()
        if part["lo"].notna().any():
            fig.add_trace(go.Scatter(
                x=x + x[::-1], y=part["hi"].tolist() + part["lo"].tolist()[::-1],
                mode="lines", fill="toself", fillcolor=_rgba(color, 0.18), line=dict(width=0),
                hoverinfo="skip", showlegend=False, legendgroup=name))
        fig.add_trace(go.Scatter(x=x, y=part["mean"], mode="lines+markers", name=name,
                                 legendgroup=name, line=dict(color=color, width=2)))
    fig.update_layout(title=title or METRIC_NAMES.get(metric, metric),
                      xaxis_title="round", yaxis_title=metric,
                      legend_title_text=f"mean over seeds, {level:.0%} band")
    return _style(fig)
