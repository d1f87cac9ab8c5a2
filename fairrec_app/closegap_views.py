"""The "Close a gap" page's parts: the request form, the cached search (with its progress),
the Pareto chart, the best settings in words with an Apply button each, and the gap of the
applied re-ranking from the page's full audit."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fairrec_app import keys, layout, services, widgets
from fairrec_app.settings import RerankStep
from fairrec_core import glossary, names
from fairrec_core.audit import ACCURACY_METRICS
from fairrec_core.gapsearch import GapSearch, GapTarget, search_gap

#: Session-state keys of this page (page-prefixed, like :mod:`fairrec_app.keys`).
REQUEST = "closegap.request"  # the GapTarget of the last "Find settings"
APPLIED = "closegap.applied"  # the setting (spec string) applied from this page

GAP, RATIO = "Largest gap", "Smallest ratio"


def request_form(before, k: int) -> GapTarget | None:
    """Attribute, metric and target (default: half the model's gap); the request when "Find
    settings" is pressed, else the last one of this session."""
    ss = st.session_state
    singles = [a for a in before.attributes if " & " not in a]
    left, mid, right = st.columns([1, 1, 1])
    attribute = left.selectbox("Groups", singles, format_func=names.attribute,
                               key=keys.widget("closegap", "attr"),
                               help="The user attribute whose groups should be served alike.")
    metric = mid.selectbox("Measure", ACCURACY_METRICS, index=ACCURACY_METRICS.index("ndcg"),
                           format_func=lambda m: glossary.label(f"{m}@{k}"),
                           key=keys.widget("closegap", "metric"),
                           help="The per-user figure whose gap between groups should shrink.")
    row = before.gap(attribute, f"{metric}@{k}")
    kind = right.radio("Target", (GAP, RATIO), horizontal=True,
                       key=keys.widget("closegap", "kind"),
                       help="A largest gap (best- minus worst-served group) or a smallest ratio "
                            "(worst- over best-served group).")
    now = float(row["difference"]) if kind == GAP else float(row["ratio"])
    if not math.isfinite(now):
        st.warning(f"The {names.attribute(attribute)} groups cannot be compared: fewer than two "
                   "of them have enough users with a value. Pick other groups.",
                   icon=":material/group_off:")
        return None
    default = (now / 2) if kind == GAP else min(1.0, (1 + now) / 2)
    default = 0.0 if not math.isfinite(default) else round(default, 4)
    value = st.number_input(
        f"{kind} to reach (the model's: {now:.3f}; the default is half the way to no gap)",
        min_value=0.0, max_value=1.0, value=default, step=0.001, format="%.4f",
        key=keys.widget("closegap", "target", attribute, metric, kind))
    if st.button("Find settings", type="primary", icon=":material/search:",
                 key=keys.widget("closegap", "find")):
        with layout.error_box("Target"):  # e.g. a smallest ratio of 0
            ss[REQUEST] = GapTarget(attribute, metric, max_gap=value if kind == GAP else None,
                                    min_ratio=value if kind == RATIO else None)
    return ss.get(REQUEST)


@st.cache_data(show_spinner=False, max_entries=16)
def search(split_key: str, model_key: str, k: int, request: GapTarget, _ctx,
           _candidates) -> GapSearch:
    """The search (cached by split, model, k and request), with a progress bar while it runs."""
    slot = st.empty()  # created here, so that a cache hit replays it (and its removal)

    def progress(fraction: float, text: str) -> None:
        slot.progress(fraction, text=_progress_text(text))

    try:
        return search_gap(_ctx, _candidates, request, progress=progress)
    finally:
        slot.empty()


def _progress_text(text: str) -> str:
    if text.startswith("Trying "):
        return f"Trying: {names.reranker(text.removeprefix('Trying '))}"
    return text


def axis_label(target: GapTarget, k: int) -> str:
    what = glossary.label(target.column(k)).lower()
    word = "Ratio (worst / best group)" if target.by_ratio else "Gap"
    return f"{word} in {what} between {names.attribute(target.attribute)} groups"


def pareto_chart(result: GapSearch) -> go.Figure:
    """Accuracy against the gap for every setting tried (Pareto-optimal ones joined), the best
    few with their intervals, the target line and the model's own point."""
    t, table = result.target, result.table
    x = "ratio" if t.by_ratio else "gap"
    fig = go.Figure()
    tried = table[table["reranker"] != ""]
    for name, rows in tried.groupby("reranker", sort=False):
        fig.add_trace(go.Scatter(x=rows[x], y=rows["accuracy"], mode="markers",
                                 name=names.reranker(name), opacity=0.45, marker={"size": 7},
                                 text=rows["title"], hovertemplate="%{text}<extra></extra>"))
    front = table[table["pareto"]].sort_values(x)
    fig.add_trace(go.Scatter(x=front[x], y=front["accuracy"], mode="lines",
                             name="Best trade-offs", line={"color": "#888", "dash": "dot"},
                             hoverinfo="skip"))
    best = result.shortlist
    if len(best) and not t.by_ratio:
        fig.add_trace(go.Scatter(
            x=best["gap"], y=best["accuracy"], mode="markers", name="Best settings (interval)",
            marker={"size": 12, "color": "#2e7d32", "symbol": "diamond"},
            error_x={"type": "data", "symmetric": False, "array": best["ci_hi"] - best["gap"],
                     "arrayminus": best["gap"] - best["ci_lo"], "color": "#2e7d32"},
            text=best["title"], hovertemplate="%{text}<extra></extra>"))
    elif len(best):
        fig.add_trace(go.Scatter(x=best["ratio"], y=best["accuracy"], mode="markers",
                                 name="Best settings", text=best["title"],
                                 marker={"size": 12, "color": "#2e7d32", "symbol": "diamond"},
                                 hovertemplate="%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[result.model[x]], y=[result.model["accuracy"]], mode="markers",
                             name="The model as it is",
                             marker={"size": 14, "color": "#c62828", "symbol": "star"}))
    goal = t.min_ratio if t.by_ratio else t.max_gap
    fig.add_vline(x=goal, line={"color": "#2e7d32", "dash": "dash"},
                  annotation_text="target", annotation_position="top")
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis_title=axis_label(t, result.k),
                      yaxis_title=f"{glossary.label(f'ndcg@{result.k}')} (all users)",
                      legend={"orientation": "h", "y": -0.2})
    return fig


def _cost(share: float) -> str:
    if abs(share) < 0.0005:
        return "accuracy unchanged"
    return f"accuracy {-share:+.1%}".replace("-", "−")


def setting_line(row: pd.Series, by_ratio: bool) -> str:
    """"Narrow the accuracy gap between groups (strength 0.6): gap 0.011 [0.002, 0.020],
    accuracy −3.0%"."""
    if by_ratio:
        figure = f"ratio {row['ratio']:.2f}"
    else:
        figure = f"gap {row['gap']:.4f} [{row['ci_lo']:.3f}, {row['ci_hi']:.3f}]"
    return f"{row['title']}: {figure}, {_cost(row['cost_share'])}"


def apply(row: pd.Series) -> None:
    """Make the setting the session's re-ranking: the default chain with that step replaced
    and switched on (the What-if, audit and Recommendations pages use it)."""
    step = RerankStep(row["reranker"], True).with_params(_params(row))
    st.session_state[keys.WHATIF_CHAIN] = services.default_reranking().replace_step(step)
    st.session_state[APPLIED] = row["setting"]


def _params(row: pd.Series) -> dict:
    import json

    return json.loads(row["params"])


def _in_use(row: pd.Series, reranking) -> bool:
    """True when the session's re-ranking is exactly this setting."""
    active = reranking.active
    return (len(active) == 1 and active[0].name == row["reranker"]
            and active[0].params == _params(row))


def shortlist(result: GapSearch, reranking) -> None:
    """The best few settings in words, each with an Apply button ("In use" for the session's
    current re-ranking)."""
    t = result.target
    met = result.met
    heading = ("The settings that meet the target at the least accuracy cost" if met else
               "No setting meets the target; these come closest")
    st.markdown(f"#### {heading}")
    if not layout.presenter():
        st.caption(f"The interval is the audit's 95% simultaneous interval of the gap "
                   f"({result.n_resamples} bootstrap resamples and permutations; the audit page "
                   "uses 1,000 once a setting is applied).")
    for i, row in result.shortlist.reset_index(drop=True).iterrows():
        with st.container(border=True):
            text, button = st.columns([5, 1], vertical_alignment="center")
            mark = ":green[:material/check_circle:] " if row["meets"] else ""
            text.markdown(f"{mark}{setting_line(_plain(row), t.by_ratio)}")
            used = _in_use(row, reranking)
            button.button("In use" if used else "Apply", disabled=used,
                          key=keys.widget("closegap", "apply", str(i)),
                          on_click=apply, args=(row,), type="primary" if i == 0 else "secondary",
                          help=None if layout.presenter() else f"Technical: {row['setting']}")


def _plain(row: pd.Series) -> pd.Series:
    """In presenter mode the setting is named by what it does and its strength only."""
    if not layout.presenter() or not row["reranker"]:
        return row
    from fairrec_core.reranking import RERANKERS

    strength = RERANKERS[row["reranker"]].STRENGTH
    short = names.reranker_setting(row["reranker"], {strength: _params(row)[strength]}, strength)
    return pd.concat([row.drop("title"), pd.Series({"title": short})])


def every_setting(result: GapSearch) -> None:
    """Every setting tried (not in presenter mode), with CSV / JSON downloads."""
    if layout.presenter():
        return
    with st.expander(f"All {len(result.table)} settings tried"):
        shown = pd.DataFrame({
            "Setting": result.table["title"],
            "Gap": result.table["gap"].round(4),
            "Ratio": result.table["ratio"].round(3),
            "Accuracy": result.table["accuracy"].round(4),
            "Change": (-result.table["cost_share"]).map(
                lambda v: "none" if abs(v) < 0.0005 else f"{v:+.1%}".replace("-", "−")),
            "Meets": result.table["meets"],
            "Best trade-off": result.table["pareto"],
        })
        st.dataframe(shown, hide_index=True, width="stretch")
        widgets.downloads(result.table, "close_gap_settings", json_data=result.to_dict(),
                          key="closegap.settings")


def applied_gap(cur, t: GapTarget) -> None:
    """The gap of the session's re-ranked lists from the full audit (the audit page's), and
    whether the target is met."""
    if not cur.reranking.active:
        return
    _, res, label = services.assessed(cur)
    row = res.gap(t.attribute, t.column(cur.k))
    value = float(row["ratio"] if t.by_ratio else row["difference"])
    ok = t.met(float(row["difference"]), float(row["ratio"]))
    st.markdown("#### With the re-ranking in use")
    st.caption(f"Lists: {label}. Figures from the full audit, as on the audit page.")
    word = "Ratio" if t.by_ratio else "Gap"
    c1, c2 = st.columns([1, 3])
    c1.metric(f"{word} now", f"{value:.4f}",
              help=f"95% simultaneous interval [{row['ci_lo']:.3f}, {row['ci_hi']:.3f}]")
    interval = f" [{row['ci_lo']:.3f}, {row['ci_hi']:.3f}]" if not t.by_ratio else ""
    goal = t.min_ratio if t.by_ratio else t.max_gap
    if ok:
        c2.success(f"The target is met: the {word.lower()} is {value:.4f}{interval} "
                   f"({'≥' if t.by_ratio else '≤'} {goal:g}).", icon=":material/check_circle:")
    else:
        c2.warning(f"The target is not met: the {word.lower()} is {value:.4f}{interval}, the "
                   f"target {goal:g}.", icon=":material/warning:")
