"""The trade-off chart: overall accuracy against the targeted gap, one colour per lever."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from fairrec_core.charts import PALETTE, _style

#: Lever names as the chart's legend shows them.
LEVER_NAMES = {"pre": "Rebalance the data (pre)", "in": "Fairness in training (in)",
               "post": "Re-rank the output (post)"}


def pareto_chart(result, *, title: str | None = None) -> go.Figure:
    """Accuracy (x) against the gap (y) of every point of ``result`` (a
    :class:`MitigationResult`): error bars are the gap's interval, one colour and line per lever
    in strength order, the strength written at each point, the plain model as a black diamond
    and the Pareto front as a dashed grey line."""
    k = result.k
    pts = result.points
    fig = go.Figure()
    front = result.pareto.sort_values("accuracy")
    fig.add_trace(go.Scatter(x=front["accuracy"], y=front["gap"], mode="lines",
                             line=dict(color="#adb5bd", dash="dash", width=1.5),
                             name="Pareto front", hoverinfo="skip"))
    for i, lever in enumerate(result.levers):
        rows = pts[pts["lever"] == lever].sort_values("strength")
        if rows.empty:
            continue
        lo = (rows["gap"] - rows["gap_lo"]).to_numpy(float)
        hi = (rows["gap_hi"] - rows["gap"]).to_numpy(float)
        has_ci = bool(np.isfinite(lo).any())
        fig.add_trace(go.Scatter(
            x=rows["accuracy"], y=rows["gap"], mode="lines+markers+text",
            name=LEVER_NAMES.get(lever, lever), text=[f"{s:g}" for s in rows["strength"]],
            textposition="top center", marker=dict(size=9, color=PALETTE[i % len(PALETTE)]),
            line=dict(color=PALETTE[i % len(PALETTE)], width=1.5),
            error_y=dict(type="data", symmetric=False, array=hi, arrayminus=lo,
                         visible=has_ci, thickness=1),
            customdata=np.stack([rows["strength"], rows["setting"].astype(str),
                                 rows["gap_lo"], rows["gap_hi"]], axis=1),
            hovertemplate=("strength %{customdata[0]}<br>%{customdata[1]}<br>"
                           f"NDCG@{k} " "%{x:.4f}<br>gap %{y:.4f} "
                           "[%{customdata[2]:.4f}, %{customdata[3]:.4f}]<extra></extra>"),
        ))
    plain = pts[pts["strength"] == 0].head(1)
    fig.add_trace(go.Scatter(x=plain["accuracy"], y=plain["gap"], mode="markers",
                             marker=dict(symbol="diamond", size=13, color="#212529"),
                             name="plain model", hovertemplate="plain model<extra></extra>"))
    what = (f"{result.target.metric.upper()}@{k} gap between {result.target.attribute} groups"
            if result.target.side == "user" else
            f"exposure shortfall of {result.target.item_attribute}={result.target.protected}")
    fig.update_layout(title=title or f"Accuracy against the {what}, by lever and strength",
                      xaxis_title=f"overall NDCG@{k} (higher is better)",
                      yaxis_title=f"{what} (lower is better)")
    return _style(fig, 460)
