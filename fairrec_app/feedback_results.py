"""The Feedback loop page's result: a headline, the what-changed table (each measure's change
from round 0 with its interval over repetitions, the gap in that change between two groups, and
the comparison's effect), a chart per measure and group with seed bands, and the downloads."""

from __future__ import annotations

import json
import math

import pandas as pd
import streamlit as st

from fairrec_app import keys, layout
from fairrec_app.feedback_views import SHOWN, FeedbackRun, arm_label, metric_label
from fairrec_core import names


def _fmt(x: float) -> str:
    return f"{x:+.4f}".replace("-", "−")


def _ci(lo: float, hi: float) -> str:
    """"[−0.1, +0.2]"; "(one repetition)" where an interval needs two."""
    return "(one repetition)" if math.isnan(lo) or math.isnan(hi) else f"[{_fmt(lo)}, {_fmt(hi)}]"


def summary(fr: FeedbackRun, attribute: str, data) -> pd.DataFrame:
    """Per shown metric: the change from round 0 to the last round over every user (mean over
    repetitions with its 95% interval), the gap in that change between the attribute's two
    largest informative groups, and, with an intervention, how much it changes the change."""
    from fairrec_core.feedback import ALL, drift_difference, group_drift_gap, t_interval

    rows = []
    groups = groups_of(fr.plain, attribute, data)
    for metric in SHOWN:
        mean, lo, hi, _ = t_interval(fr.plain.drift(metric, how="change"))
        row = {"Measure": metric_label(metric), "Change": mean, "95% interval": _ci(lo, hi)}
        if len(groups) >= 2:
            g = group_drift_gap(fr.plain, metric, attribute, groups[0], groups[1], how="change")
            row[f"{groups[1]} − {groups[0]}"] = g["difference"]
            row["Its interval"] = _ci(g["lo"], g["hi"])
        if fr.other is not None:
            d = drift_difference(fr.plain, fr.other, metric, ALL, ALL, how="change")
            effect, interval = effect_columns(fr)
            row[effect] = d["difference"]
            row[interval] = _ci(d["lo"], d["hi"])
        rows.append(row)
    return pd.DataFrame(rows)


def effect_columns(fr: FeedbackRun) -> tuple[str, str]:
    """The what-changed table's last two columns: the intervention's effect on the change, or
    the other model's change minus the model's."""
    if fr.request.versus is None:
        return "Intervention's effect", "Effect's interval"
    return (f"{names.model(fr.request.versus)} − {names.model(fr.request.model)}",
            "Difference's interval")


def groups_of(result, attribute: str, data) -> list[str]:
    """The attribute's groups in the run (the audit's informative ones), largest first."""
    t = result.table
    present = set(t.loc[t["attribute"] == attribute, "group"].astype(str))
    counts = data.user_groups(attribute).astype(str).value_counts()
    return [g for g in counts.index if g in present]


def headline(fr: FeedbackRun) -> str:
    """One sentence: how the recommendations' accuracy and taste mismatch moved over the run,
    and what the intervention did to the mismatch."""
    from fairrec_core.feedback import ALL, drift_difference, t_interval

    last = int(fr.plain.table["round"].max())
    acc = t_interval(fr.plain.drift(SHOWN[0], how="change"))
    mis = t_interval(fr.plain.drift("miscalibration", how="change"))
    text = (f"Over {last} rounds, the ranking accuracy changed by {_fmt(acc[0])} "
            f"{_ci(acc[1], acc[2])} and the taste drift by {_fmt(mis[0])} {_ci(mis[1], mis[2])}")
    if fr.other is not None:
        d = drift_difference(fr.plain, fr.other, "miscalibration", ALL, ALL, how="change")
        change = f"{_fmt(d['difference'])} {_ci(d['lo'], d['hi'])}"
        if fr.request.versus is None:
            arm = arm_label(fr.other.arm)
            text += f"; {arm[0].lower() + arm[1:]} changes the taste drift by {change}"
        else:
            text = text.replace("the ranking accuracy", f"{names.model(fr.request.model)}'s "
                                "ranking accuracy", 1)
            text += (f"; with {names.model(fr.request.versus)} instead, the taste drift "
                     f"differs by {change}")
    return text + "."


def chart(fr: FeedbackRun, metric: str, attribute: str):
    """The core's chart of one metric per group, with the groups and arms named in words."""
    from fairrec_core.feedback import ALL, feedback_chart

    fig = feedback_chart(fr.bands(), metric, attribute=attribute,
                         title=f"{metric_label(metric)} — "
                               + ("all users" if attribute == ALL else
                                  f"by {names.attribute(attribute)}"))
    for trace in fig.data:
        if trace.name:
            name = trace.name.replace(f"{attribute} = ", f"{names.attribute(attribute)} ")
            for arm in (r.arm for r in fr.results):
                if f"({arm})" in name:
                    label = arm_label(arm)  # a model's name keeps its capitals
                    label = label if fr.request.versus is not None else label.lower()
                    name = name.replace(f" ({arm})", f" · {label}")
            trace.name = name
    fig.update_layout(height=430, yaxis_title=None, xaxis_title="round",
                      legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
                      margin=dict(t=50, b=20))
    return fig


def show(fr: FeedbackRun, attributes: list[str], data) -> None:
    """The result: a headline, the what-changed table, charts and the downloads."""
    if fr.stopped:
        st.warning("The simulation was stopped: these are the rounds it finished.",
                   icon=":material/stop_circle:")
    st.markdown(f"#### {headline(fr)}")
    st.caption(fr.plain.assumption)
    attribute = st.selectbox("User groups", attributes, format_func=names.attribute,
                             key=keys.widget("feedback", "attr"))
    table = summary(fr, attribute, data)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%+.4f")
                                for c in table.columns if table[c].dtype.kind == "f"})
    st.caption("Change = the value at the last round minus round 0, averaged over the "
               "repetitions; intervals are 95% Student-t over repetitions, the same repetitions "
               "for both groups and both runs."
               + ("" if fr.request.versus is None else
                  f" The change and the group gap are {names.model(fr.request.model)}'s."))
    cols = st.columns(2)
    for i, metric in enumerate(SHOWN):
        cols[i % 2].plotly_chart(chart(fr, metric, attribute), key=f"feedback.chart.{metric}")
    if not layout.presenter():
        table = fr.table()
        a, b = st.columns(2)
        a.download_button("Per-round table (CSV)", table.to_csv(index=False),
                          file_name="rounds.csv", mime="text/csv", icon=":material/download:")
        b.download_button("Summary (JSON)", json.dumps([r.to_dict() for r in fr.results],
                                                       indent=2, default=str),
                          file_name="feedback.json", mime="application/json",
                          icon=":material/download:")
