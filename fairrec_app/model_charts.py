"""Plotly figures of the Models page: a training's history (loss and validation accuracy on
their own y-axes) and models compared on accuracy and on the gap between groups. Pure
functions of DataFrames; no Streamlit."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fairrec_core.charts import PALETTE

LOSS, VALIDATION = "#868e96", "#3b5bdb"


def _style(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=70, b=10), template="plotly_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, title=None),
        title=dict(x=0, y=0.98, yanchor="top"),
    )
    return fig


def history(frame: pd.DataFrame, step_name: str = "epoch") -> go.Figure:
    """``step, loss, val_ndcg`` per training step: the training loss on the left axis, the
    validation ranking accuracy on the right one (their scales differ by orders of magnitude)."""
    fig = go.Figure()
    if frame["loss"].notna().any():
        fig.add_trace(go.Scatter(x=frame["step"], y=frame["loss"], name="training loss",
                                 mode="lines+markers", line=dict(color=LOSS), yaxis="y"))
    right = "y2" if frame["loss"].notna().any() else "y"  # alone, it takes the left axis
    if frame["val_ndcg"].notna().any():
        fig.add_trace(go.Scatter(x=frame["step"], y=frame["val_ndcg"], mode="lines+markers",
                                 name="ranking accuracy on held-out data", yaxis=right,
                                 line=dict(color=VALIDATION)))
    validation = dict(title=dict(text="validation accuracy", font=dict(color=VALIDATION)))
    fig.update_layout(title="How the training went, step by step", xaxis=dict(title=step_name),
                      showlegend=True)
    if right == "y2":
        fig.update_layout(
            yaxis=dict(title=dict(text="training loss", font=dict(color=LOSS))),
            yaxis2=dict(**validation, overlaying="y", side="right", showgrid=False))
    else:
        fig.update_layout(yaxis=validation)
    return _style(fig, 300)


def accuracy_vs_gap(points: pd.DataFrame, *, accuracy: str, groups: str) -> go.Figure:
    """fairlearn's model-comparison plot for recommenders: one point per model and re-ranking
    (``model, setting, re-ranking, accuracy, gap, ci_lo, ci_hi, label``), the gap's interval as
    an error bar; as trained = circle, re-ranked = diamond, one colour per model."""
    gap = f"Gap in {accuracy.lower()} between {groups} groups"
    fig = go.Figure()
    models = list(dict.fromkeys(points["model"]))
    for i, model in enumerate(models):
        for setting, symbol in (("as trained", "circle"), ("re-ranked", "diamond")):
            rows = points[(points["model"] == model) & (points["setting"] == setting)]
            if rows.empty:
                continue
            name = model if setting == "as trained" else f"{model}, re-ranked"
            fig.add_trace(go.Scatter(
                x=rows["accuracy"].tolist(), y=rows["gap"].tolist(), mode="markers", name=name,
                marker=dict(size=13, symbol=symbol, color=PALETTE[i % len(PALETTE)]),
                error_y=dict(type="data", symmetric=False, thickness=1.5,
                             array=(rows["ci_hi"] - rows["gap"]).tolist(),
                             arrayminus=(rows["gap"] - rows["ci_lo"]).tolist()),
                customdata=rows[["label", "re-ranking", "ci_lo", "ci_hi"]].to_numpy(),
                hovertemplate=(f"<b>{name}</b><br>%{{customdata[0]}}<br>re-ranking: "
                               f"%{{customdata[1]}}<br>{accuracy} %{{x:.4f}}<br>{gap} %{{y:.4f}} "
                               "[%{customdata[2]:.4f}, %{customdata[3]:.4f}]<extra></extra>"),
            ))
    fig.add_hline(y=0, line=dict(color="#adb5bd", dash="dot"))
    fig.update_layout(title=f"{accuracy} against the {groups} gap: right is more accurate, "
                            "lower is fairer",
                      xaxis_title=accuracy, yaxis_title=gap)
    return _style(fig, 420)
