"""The Privacy page: BPR or the two-tower model trained by DP-SGD at several ε
(:func:`fairrec_core.privacy.dp_tradeoff`) — the request form (the model, groups, budgets and
settings), the cached trainings behind one progress bar, and the trade-off on one chart
(accuracy overall and per group above, the gap below), a table of every point, a sentence and
downloads."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from fairrec_app import keys, layout, services
from fairrec_core import names, wording
from fairrec_core.errors import DataError
from fairrec_core.privacy import DP_MODELS

PAGE = "privacy_training"
REQUEST = "privacy_training.request"  # the TradeoffRequest of the last Run
RUN = "Train at every ε"
#: The ε offered besides "no privacy", all picked by default.
EPSILON_CHOICES = (8.0, 4.0, 2.0, 1.0)
#: The models offered, in words.
MODEL_NAMES = {"bpr": "BPR", "twotower": "Two-tower"}
#: The size the form's first field sets, per model: (parameter, label, model default).
SIZE = {"bpr": ("factors", "Factors", 64), "twotower": ("dim", "Dimensions", 32)}
#: The DP-SGD settings the form starts from, per model: the benchmark's (plus the clip norm and
#: δ; the model's size where the benchmark keeps the model's default).
MODEL_DEFAULTS = {
    m: {SIZE[m][0]: SIZE[m][2], **DP_MODELS[m], "dp_clip": 1.0, "dp_delta": 1e-5}
    for m in DP_MODELS
}
DEFAULTS = MODEL_DEFAULTS["bpr"]
#: What is private in each model's DP-SGD, for the caption under the chart.
PRIVATE_PART = {
    "bpr": "Only the item side of each model is private (joint differential privacy): each "
           "user's own factors depend on their own data.",
    "twotower": "The item tower and the user tower's shared layers are private; each user's own "
                "id embedding depends on their own data (joint differential privacy).",
}
INFINITY = "∞"
COLORS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692")


@dataclass(frozen=True)
class TradeoffRequest:
    """What one Run trains (hashable: the cache key)."""

    attribute: str
    epsilons: tuple[float, ...]
    params_json: str
    model: str = "bpr"

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)


def request_form(attributes: list[str]) -> TradeoffRequest | None:
    """The model, the attribute, the ε and the DP settings; the request when Run is pressed,
    else the last one of this session."""
    ss = st.session_state
    model = st.radio("Model", list(MODEL_NAMES), format_func=MODEL_NAMES.get, horizontal=True,
                     key=keys.widget(PAGE, "model"),
                     help="BPR (matrix factorisation) or the two-tower network.")
    cols = st.columns([1, 2])
    attribute = cols[0].selectbox(
        "User groups", attributes, format_func=names.attribute,
        index=attributes.index("gender") if "gender" in attributes else 0,
        key=keys.widget(PAGE, "attr"), help="The attribute whose groups each point is measured on.")
    epsilons = cols[1].multiselect(
        "Privacy budgets ε", EPSILON_CHOICES, default=EPSILON_CHOICES,
        format_func=lambda e: f"ε = {e:g}", key=keys.widget(PAGE, "epsilons"),
        help="Smaller ε: stronger privacy for each user's training data, more noise. The model "
             "without privacy (ε = ∞) is always included.")
    st.caption(f"Each model is {MODEL_NAMES[model]}. With a budget ε it is trained by DP-SGD "
               "(each user's gradient clipped, noise added; δ below); without privacy it is "
               "trained the same way (same settings, same epochs) without clipping or noise.")
    defaults = MODEL_DEFAULTS[model]
    size, size_label, _ = SIZE[model]
    # BPR keeps the page's first keys; the two-tower's fields are its own (their defaults differ)
    own = () if model == "bpr" else (model,)
    c = st.columns(5)
    params = {
        size: c[0].number_input(size_label, 2, 256, defaults[size], step=2,
                                key=keys.widget(PAGE, *own, size)),
        "epochs": c[1].number_input("Epochs", 1, 200, defaults["epochs"],
                                    key=keys.widget(PAGE, *own, "epochs")),
        "lr": c[2].number_input("Learning rate", 0.0001, 0.1, defaults["lr"], step=0.001,
                                format="%.4f", key=keys.widget(PAGE, *own, "lr")),
        "dp_clip": c[3].number_input("Clip norm", 0.01, 100.0, defaults["dp_clip"], step=0.1,
                                     key=keys.widget(PAGE, *own, "clip"),
                                     help="Each user's gradient is clipped to this norm."),
        "dp_delta": c[4].number_input("δ", 1e-9, 0.01, defaults["dp_delta"], format="%.0e",
                                      key=keys.widget(PAGE, *own, "delta"),
                                      help="The chance the ε guarantee may fail."),
    }
    # the benchmark's settings the form does not show (the two-tower's negatives per user)
    params = {**{k: v for k, v in defaults.items() if k not in params}, **params}
    if st.button(RUN, type="primary", icon=":material/play_arrow:", key=keys.widget(PAGE, "run")):
        with layout.error_box("Privacy"):
            ss[REQUEST] = checked(attribute, epsilons, params, model)
    return ss.get(REQUEST)


#: The settings that are counts (the rest are numbers).
COUNTS = ("factors", "dim", "epochs", "dp_negatives")


def checked(attribute: str, epsilons, params: dict, model: str = "bpr") -> TradeoffRequest:
    """The request (∞ first, then ε from large to small), or a DataError in words."""
    if not attribute:
        raise DataError("pick the user groups")
    if model not in MODEL_NAMES:
        raise DataError(f"pick a model: {', '.join(MODEL_NAMES.values())}")
    clean = {k: (int(v) if k in COUNTS else float(v)) for k, v in params.items()}
    eps = (math.inf, *sorted({float(e) for e in epsilons}, reverse=True))
    return TradeoffRequest(attribute, eps, json.dumps(clean, sort_keys=True), model)


@st.cache_data(show_spinner=False, max_entries=8)
def tradeoff(split_key: str, k: int, request: TradeoffRequest, _train, _test) -> pd.DataFrame:
    """:func:`fairrec_core.privacy.dp_tradeoff` for ``request`` on the split (``split_key``),
    behind a progress bar over every epoch of every training (created here: a cache hit
    replays it)."""
    import time

    from fairrec_core.models import limit_threads
    from fairrec_core.privacy import dp_tradeoff

    slot = st.empty()
    slot.progress(0.0, text="Training without privacy…")
    start = time.perf_counter()

    def progress(fraction: float, text: str) -> None:
        timing = services.describe_time(time.perf_counter() - start, fraction)
        slot.progress(min(1.0, fraction), text=f"{text} · {timing}")

    try:
        with limit_threads(services.threads()):
            return dp_tradeoff(_train, _test, epsilons=request.epsilons,
                               attribute=request.attribute, k=k, model=request.model,
                               params=request.params, progress=progress)
    finally:
        slot.empty()


def run(cur, request: TradeoffRequest) -> pd.DataFrame:
    ds = cur.ds
    return tradeoff(services.split_key(ds.train, ds.test), cur.k, request, ds.train, ds.test)


# ---- the result -----------------------------------------------------------------------------
def positions(epsilons) -> dict[float, float]:
    """Where each ε sits on the log x axis: itself, and ∞ four times right of the largest."""
    finite = [e for e in epsilons if not math.isinf(e)]
    far = 4 * max(finite) if finite else 1.0
    return {e: far if math.isinf(e) else e for e in epsilons}


def label(eps: float) -> str:
    return f"{INFINITY} (no privacy)" if math.isinf(eps) else f"{eps:g}"


def _band(fig, rows: pd.DataFrame, x, name: str, color: str, row: int, legend: bool) -> None:
    import plotly.graph_objects as go

    y = rows["value"].to_numpy(float)
    fig.add_trace(go.Scatter(  # lists, not arrays: the chart's JSON stays readable
        x=[float(v) for v in x], y=y.tolist(), mode="lines+markers", name=name, legendgroup=name, showlegend=legend,
        line={"color": color},
        error_y={"type": "data", "symmetric": False, "array": (rows["ci_hi"].to_numpy(float) - y).tolist(),
                 "arrayminus": (y - rows["ci_lo"].to_numpy(float)).tolist(), "color": color, "thickness": 1.2},
        customdata=rows[["ci_lo", "ci_hi"]].to_numpy(float).tolist(),
        hovertemplate=f"{name}<br>ε %{{text}}<br>%{{y:.3f}} [%{{customdata[0]:.3f}}, "
                      "%{customdata[1]:.3f}]<extra></extra>",
        text=[label(e) for e in rows["epsilon"]]), row=row, col=1)


def chart(table: pd.DataFrame, attribute: str, k: int):
    """NDCG@k overall and per group (95% intervals) against ε above, the gap below."""
    from plotly.subplots import make_subplots

    pos = positions(list(dict.fromkeys(table["epsilon"])))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38],
                        vertical_spacing=0.08,
                        subplot_titles=(f"Accuracy (NDCG@{k}) with 95% intervals",
                                        f"Gap between {names.groups(attribute)} "
                                        "(simultaneous 95% interval)"))
    overall = table[table["series"] == "overall"]
    _band(fig, overall, overall["epsilon"].map(pos), "All users", "#222222", 1, True)
    groups = table[table["series"] == "group"]
    for i, (group, rows) in enumerate(groups.groupby("group", sort=False)):
        _band(fig, rows, rows["epsilon"].map(pos), group_name(attribute, group),
              COLORS[i % len(COLORS)], 1, True)
    gap = table[table["series"] == "gap"]
    _band(fig, gap, gap["epsilon"].map(pos), "Gap", "#b22222", 2, True)
    fig.add_hline(y=0, line={"color": "#999999", "width": 1, "dash": "dot"}, row=2, col=1)
    ticks = sorted(pos.items(), key=lambda t: t[1])
    for r in (1, 2):
        fig.update_xaxes(type="log", tickvals=[p for _, p in ticks],
                         ticktext=[label(e) for e, _ in ticks], row=r, col=1)
    fig.update_xaxes(title_text="Privacy budget ε (log scale; smaller = more private)",
                     row=2, col=1)
    fig.update_yaxes(title_text=f"NDCG@{k}", row=1, col=1)
    fig.update_yaxes(title_text="Gap", row=2, col=1)
    fig.update_layout(height=620, margin={"l": 60, "r": 30, "t": 50, "b": 60},
                      legend={"orientation": "h", "y": -0.14, "x": 0},
                      hovermode="closest")
    return fig


def _with_interval(r) -> str:
    return f"{wording.num(r['value'])} {wording.interval(r['ci_lo'], r['ci_hi'])}"


def summary(table: pd.DataFrame, attribute: str) -> str:
    """One sentence: accuracy and the gap without privacy and at the largest ε trained (the
    smallest one too when there are several)."""
    overall = table[table["series"] == "overall"].set_index("epsilon")["value"]
    gap = table[table["series"] == "gap"].set_index("epsilon")
    finite = [e for e in overall.index if not math.isinf(e)]
    what = f"the {names.attribute(attribute).lower()} gap"
    base = gap.loc[math.inf]
    if not finite:
        return (f"Without privacy NDCG@10 is {wording.num(overall.loc[math.inf])}; {what} is "
                f"{_with_interval(base)}.")
    hi, lo = max(finite), min(finite)
    text = (f"At ε = {hi:g} accuracy falls from {wording.num(overall.loc[math.inf])} to "
            f"{wording.num(overall.loc[hi])}; {what} goes from {_with_interval(base)} to "
            f"{_with_interval(gap.loc[hi])}")
    if lo != hi:
        text += (f" (at ε = {lo:g}: accuracy {wording.num(overall.loc[lo])}, gap "
                 f"{_with_interval(gap.loc[lo])})")
    return text + "."


def group_name(attribute: str, group: str) -> str:
    return f"{names.attribute(attribute)} {group}"


def points(table: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """The table of every point, one row per ε: the ε spent, NDCG@k of all users and of each
    group and the gap, each with its 95% interval, and the gap's test."""
    rows = []
    for eps, each in table.groupby("epsilon", sort=False):
        spent = each["epsilon_spent"].iloc[0]
        row = {"ε": label(eps), "ε spent": "—" if math.isinf(eps) else wording.num(spent, 2)}
        for r in each.to_dict("records"):
            if r["series"] == "overall":
                row["All users"] = _with_interval(r)
            elif r["series"] == "group":
                row[group_name(attribute, r["group"])] = _with_interval(r)
            else:
                row["Gap between"] = r["group"]
                row["Gap"] = _with_interval(r)
                row["Gap's test"] = wording.p_text(r["p_value"])
        rows.append(row)
    return pd.DataFrame(rows)


def show(table: pd.DataFrame, request: TradeoffRequest, k: int) -> None:
    st.plotly_chart(chart(table, request.attribute, k), key=f"{PAGE}.chart")
    st.markdown(summary(table, request.attribute).replace("NDCG@10", f"NDCG@{k}"))
    st.caption("ε spent is what the privacy accountant reports after training (δ "
               f"{request.params['dp_delta']:g}). {PRIVATE_PART[request.model]}")
    st.dataframe(points(table, request.attribute), hide_index=True, width="stretch")
    if layout.presenter():
        return
    left, right = st.columns(2)
    left.download_button("Points (CSV)", table.to_csv(index=False), "privacy_tradeoff.csv",
                         "text/csv", key=keys.widget(PAGE, "csv"), icon=":material/download:")
    right.download_button("Points (JSON)", table.to_json(orient="records", indent=1),
                          "privacy_tradeoff.json", "application/json",
                          key=keys.widget(PAGE, "json"), icon=":material/download:")
