"""Plotly figures for the pages. Pure functions of DataFrames: no Streamlit here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

#: One colour per position in a group order, used consistently across pages.
PALETTE = px.colors.qualitative.Safe
BEFORE, AFTER = "#9aa5b1", "#3b5bdb"


def _style(fig: go.Figure, height: int = 340) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=70, b=10), template="plotly_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, title=None),
        title=dict(x=0, y=0.98, yanchor="top"),
    )
    return fig


def group_bars(frame: pd.DataFrame, value: str, title: str, *, pct: bool = False,
               x_title: str | None = None) -> go.Figure:
    """One bar per group (``group`` column); ``x_title`` names the attribute on the axis."""
    fig = px.bar(frame, x="group", y=value, title=title, color="group",
                 color_discrete_sequence=PALETTE, text_auto=".0%" if pct else ".3s")
    fig.update_layout(showlegend=False, xaxis_title=x_title, yaxis_title=None)
    fig.update_xaxes(type="category")
    if pct:
        fig.update_yaxes(tickformat=".0%")
    return _style(fig, 300)


def mix_bars(table: pd.DataFrame, title: str) -> go.Figure:
    """Stacked 100% bars: each row of ``table`` (a group) split by its columns (values)."""
    long = table.reset_index().melt(id_vars=table.index.name or "index", var_name="value",
                                    value_name="share")
    idx = table.index.name or "index"
    fig = px.bar(long, y=idx, x="share", color="value", orientation="h", title=title,
                 color_discrete_sequence=px.colors.qualitative.Pastel + px.colors.qualitative.Set2)
    fig.update_layout(barmode="stack", xaxis_tickformat=".0%", xaxis_title=None, yaxis_title=None,
                      legend_title=None)
    fig.update_yaxes(categoryorder="array", categoryarray=list(table.index)[::-1])
    return _style(fig, 80 + 36 * len(table))


def long_tail(frame: pd.DataFrame) -> go.Figure:
    """Item popularity by rank (log scale), the head shaded."""
    fig = go.Figure()
    n_head = int(frame["head"].sum())
    fig.add_trace(go.Scatter(x=frame["rank"], y=frame["interactions"], mode="lines",
                             fill="tozeroy", line=dict(color=AFTER), name="interactions"))
    fig.add_vrect(x0=0.5, x1=n_head + 0.5, fillcolor="#f59f00", opacity=0.15, line_width=0,
                  annotation_text=f"head: {n_head} items hold 20% of interactions",
                  annotation_position="top left")
    fig.update_layout(title="A few popular items get most of the interactions",
                      xaxis_title="item popularity rank", yaxis_title="interactions (log scale)",
                      yaxis_type="log", showlegend=False)
    # powers of ten only (1, 10, 100, …): the default log ticks label 2, 5 in every decade
    fig.update_yaxes(dtick=1, tickformat=",d", minor=dict(showgrid=False, ticks=""))
    return _style(fig)


def bars_with_ci(frame: pd.DataFrame, metric_label: str, *, overall: float | None = None,
                 compare: pd.DataFrame | None = None, attribute: str | None = None) -> go.Figure:
    """Group means with 95% intervals (``group, mean, ci_lo, ci_hi``); an optional dashed overall line
    and an optional second series (``compare``, e.g. before re-ranking). ``attribute`` (its human
    name) is named in the title and on the axis."""
    fig = go.Figure()
    if compare is not None:
        fig.add_trace(_ci_bar(compare, "before", BEFORE))
        fig.add_trace(_ci_bar(frame, "after", AFTER))
    else:
        fig.add_trace(_ci_bar(frame, metric_label, AFTER, per_group=True))
    if overall is not None and np.isfinite(overall):
        # the label sits right of the plot, clear of the bars and their value labels
        fig.add_hline(y=overall, line_dash="dash", line_color="#495057")
        fig.add_annotation(x=1, xref="paper", xanchor="left", y=overall, yref="y",
                           text=f"all users<br>{overall:.3f}", showarrow=False, align="left",
                           font=dict(size=11, color="#495057"))
    by = f" by {attribute}" if attribute else " by group"
    fig.update_layout(title=f"{metric_label}{by} (95% interval)", yaxis_title=metric_label,
                      xaxis_title=attribute, showlegend=compare is not None, barmode="group")
    fig = _style(fig)
    if overall is not None and np.isfinite(overall):
        fig.update_layout(margin=dict(r=70))
    return fig


def _ci_bar(frame: pd.DataFrame, name: str, color: str, per_group: bool = False) -> go.Bar:
    err = dict(type="data", symmetric=False, array=frame["ci_hi"] - frame["mean"],
               arrayminus=frame["mean"] - frame["ci_lo"], color="#343a40", thickness=1.2)
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(frame))] if per_group else color
    return go.Bar(x=frame["group"].astype(str), y=frame["mean"], error_y=err, name=name,
                  marker_color=colors, text=[f"{v:.3f}" for v in frame["mean"]],
                  textposition="inside", insidetextanchor="start",
                  hovertemplate="%{x}: %{y:.4f}<extra>" + name + "</extra>")


#: The four-fifths band of ratios against a reference group (as Aequitas draws it).
FOUR_FIFTHS_BAND = (0.8, 1.25)
FLAG, UNCOMPARED = "#e03131", "#ced4da"


def reference_ratios(frame: pd.DataFrame, metric_label: str, reference: str) -> go.Figure:
    """Each group's mean over the reference group's (``group, ratio, flag, compared``) as
    horizontal bars, the four-fifths band 0.8–1.25 shaded and 1 marked; bars outside the band
    red, groups left out of the comparison grey."""
    colors = [UNCOMPARED if not c else FLAG if f else AFTER
              for f, c in zip(frame["flag"], frame["compared"], strict=True)]
    fig = go.Figure(go.Bar(
        y=frame["group"].astype(str), x=frame["ratio"], orientation="h", marker_color=colors,
        text=[f"{r:.2f}" if np.isfinite(r) else "" for r in frame["ratio"]],
        textposition="inside", insidetextanchor="start", textfont_color="white",
        hovertemplate="%{y}: %{x:.3f} × " + reference + "<extra></extra>"))
    lo, hi = FOUR_FIFTHS_BAND
    fig.add_vrect(x0=lo, x1=hi, fillcolor="#40c057", opacity=0.15, line_width=0, layer="below")
    fig.add_vline(x=1, line_dash="dot", line_color="#495057")
    fig.add_annotation(x=(lo + hi) / 2, y=1, xref="x", yref="paper", yanchor="bottom",
                       text=f"four-fifths band {lo:g}–{hi:g}", showarrow=False,
                       font=dict(size=11, color="#2b8a3e"))
    top = float(np.nanmax(np.append(frame["ratio"].to_numpy(dtype=float), hi)))
    fig.update_layout(title=f"{metric_label} compared with {reference} (ratio)",
                      xaxis_title=f"group mean / {reference}'s mean", yaxis_title=None,
                      showlegend=False)
    fig.update_xaxes(range=[0, top * 1.12])
    fig.update_yaxes(type="category", autorange="reversed")
    return _style(fig, max(300, 130 + 28 * len(frame)))


def heatmap(table: pd.DataFrame, title: str, *, zmax: float | None = None) -> go.Figure:
    """Group x value shares as a heatmap — values as rows, groups as columns, so long value
    names stay readable — with the share written in each cell."""
    t = table.T
    z = t.to_numpy(dtype=float)
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(c) for c in t.columns], y=[str(i) for i in t.index],
        colorscale="Blues", zmin=0, zmax=zmax if zmax is not None else np.nanmax(z),
        text=np.vectorize(lambda v: f"{v:.0%}" if np.isfinite(v) else "")(z),
        texttemplate="%{text}", hovertemplate="%{x} · %{y}: %{z:.1%}<extra></extra>",
        colorbar=dict(tickformat=".0%", thickness=10),
    ))
    fig.update_layout(title=title, xaxis_title=None, yaxis_title=None)
    fig.update_xaxes(side="top", type="category")
    fig.update_yaxes(autorange="reversed", type="category")
    return _style(fig, 110 + 28 * len(t))


def lorenz(curves: dict[str, pd.DataFrame]) -> go.Figure:
    """Lorenz curves (``item_share``, ``exposure_share``) with the equality line."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="equal exposure",
                             line=dict(color="#adb5bd", dash="dot")))
    colors = {"before": BEFORE}
    for name, frame in curves.items():
        fig.add_trace(go.Scatter(x=frame["item_share"], y=frame["exposure_share"], mode="lines",
                                 name=name, line=dict(color=colors.get(name, AFTER), width=2.5)))
    fig.update_layout(title="Lorenz curve of item exposure", xaxis_title="share of items (least exposed first)",
                      yaxis_title="share of exposure", xaxis_tickformat=".0%", yaxis_tickformat=".0%")
    return _style(fig)


def grouped_bars(frame: pd.DataFrame, x: str, columns: dict[str, str], title: str, *,
                 percent: bool = False) -> go.Figure:
    """Bars of several columns (``{column: legend name}``) side by side for each ``x``."""
    long = frame[[x, *columns]].rename(columns=columns).melt(id_vars=x, var_name="measure",
                                                             value_name="v")
    fig = px.bar(long, x=x, y="v", color="measure", barmode="group", title=title,
                 color_discrete_sequence=["#adb5bd", "#74c0fc", AFTER, "#f59f00"],
                 text_auto=".0%" if percent else ".3s")
    fig.update_layout(xaxis_title=None, yaxis_title=None, legend_title=None)
    if percent:
        fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category")
    return _style(fig)


def distributions(frame: pd.DataFrame, metric_label: str, *,
                  attribute: str | None = None) -> go.Figure:
    """Per-user values (``group``, ``value``) as box plots with the mean marked; ``attribute``
    names the grouping in the title."""
    fig = go.Figure()
    for i, (g, sub) in enumerate(frame.groupby("group", sort=False)):
        fig.add_trace(go.Box(y=sub["value"], name=str(g), boxmean=True,
                             marker_color=PALETTE[i % len(PALETTE)], boxpoints=False))
    fig.update_layout(title=f"Per-user {metric_label} by {attribute or 'group'}",
                      yaxis_title=metric_label, xaxis_title=attribute, showlegend=False)
    return _style(fig)


def tradeoff(frame: pd.DataFrame, x: str, y: str, *, x_label: str, y_label: str,
             strength: str, current: tuple[float, float] | None) -> go.Figure:
    """The sweep as a line over strengths (labelled), the current setting as a star."""
    fig = go.Figure(go.Scatter(
        x=frame[x], y=frame[y], mode="lines+markers+text", name="sweep",
        text=[f"{s:g}" for s in frame[strength]], textposition="top center",
        line=dict(color=BEFORE), marker=dict(size=7, color=BEFORE),
        hovertemplate=f"{strength}=%{{text}}<br>{x_label} %{{x:.4f}}<br>{y_label} %{{y:.4f}}<extra></extra>",
    ))
    if current is not None and all(np.isfinite(current)):
        fig.add_trace(go.Scatter(x=[current[0]], y=[current[1]], mode="markers",
                                 name="current setting",
                                 marker=dict(size=18, color=AFTER, symbol="star")))
    fig.update_layout(title=f"{y_label} against {x_label}", xaxis_title=x_label, yaxis_title=y_label)
    return _style(fig, 400)


def model_bars(frame: pd.DataFrame, metric_label: str) -> go.Figure:
    """Models side by side, per group (``model, group, value``)."""
    fig = px.bar(frame, x="group", y="value", color="model", barmode="group",
                 title=f"{metric_label} by model and group", color_discrete_sequence=PALETTE,
                 text_auto=".3f")
    fig.update_layout(xaxis_title=None, yaxis_title=metric_label, legend_title=None)
    return _style(fig)
