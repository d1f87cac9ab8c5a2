"""The Mitigation page's result: the best point in one sentence, one trade-off chart of every
lever (the core's :func:`fairrec_core.mitigation.pareto_chart` in the page's words), the table of
every point, every measure per group, and the downloads (CSV, JSON, HTML report)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fairrec_app import layout
from fairrec_app.mitigation_views import unavailable
from fairrec_core import glossary, names
from fairrec_core.mitigation import MAX_LOSS, MitigationResult, MitigationTarget


def gap_words(target: MitigationTarget, k: int) -> str:
    """What the gap axis measures: "gap in ranking accuracy between gender groups", or
    "shortfall in exposure of brand tier small items"."""
    if target.side == "user":
        return (f"gap in {glossary.label(target.column(k)).lower()} between "
                f"{names.groups(target.attribute)}")
    return (f"shortfall in exposure of {names.attribute(target.item_attribute)} "
            f"{target.protected} items")


def sentence(result: MitigationResult) -> str:
    """The best point within the accuracy budget, in one sentence."""
    what = gap_words(result.target, result.k)
    best = result.best(MAX_LOSS)
    if best is None or not best["strength"] or not best["gap_change"] < 0:
        return (f"No setting narrows the {what} while losing at most {MAX_LOSS:.0%} of the "
                "accuracy.")
    change = float(best["accuracy_change"])
    cost = "accuracy unchanged" if abs(change) < 0.0005 else \
        f"accuracy {change:+.1%}".replace("-", "−")
    return (f"{names.lever(best['lever'])} at strength {best['strength']:g} narrows the {what} "
            f"by {-best['gap_change']:.0%}: {best['gap']:.4f} [{best['gap_lo']:.4f}, "
            f"{best['gap_hi']:.4f}], {cost}.")


def chart(result: MitigationResult) -> go.Figure:
    """The core's trade-off chart (:func:`fairrec_core.mitigation.pareto_chart`) in the page's
    words: one trace per lever (its plain name), the best trade-offs, the model as it is."""
    from fairrec_core.mitigation import LEVER_NAMES, pareto_chart

    what = gap_words(result.target, result.k)
    fig = pareto_chart(result, title=f"Accuracy against the {what}")
    renamed = {LEVER_NAMES[lever]: names.lever(lever) for lever in LEVER_NAMES}
    renamed |= {"Pareto front": "Best trade-offs", "plain model": "The model as it is"}
    fig.for_each_trace(lambda t: t.update(name=renamed.get(t.name, t.name)))
    fig.update_layout(
        xaxis_title=f"{glossary.label(f'ndcg@{result.k}')}, all users (higher is better)",
        yaxis_title=f"{what[0].upper()}{what[1:]} (lower is better)")
    return fig


def points_table(result: MitigationResult) -> pd.DataFrame:
    """Every measured point with plain column names (the figures unchanged)."""
    pts = result.points
    gap = "Gap" if result.target.side == "user" else "Shortfall"
    out = pd.DataFrame({
        "Way": pts["lever"].map(names.lever),
        "Strength": pts["strength"].astype(float),
        glossary.label(f"ndcg@{result.k}"): pts["accuracy"].astype(float),
        gap: pts["gap"].astype(float),
        "95% low": pts["gap_lo"].astype(float),
        "95% high": pts["gap_hi"].astype(float),
        "Accuracy change": pts["accuracy_change"].astype(float),
        f"{gap} change": pts["gap_change"].astype(float),
    })
    if not layout.presenter():
        out["Seconds"] = pts["seconds"].astype(float)
    return out.reset_index(drop=True)


def column_name(column: str, k: int) -> str:
    """A metric column of the core's table in words: "ndcg@10 gender=F" -> "Ranking accuracy ·
    gender F"."""
    metric, _, group = column.partition(" ")
    if "@" not in metric:
        return {"exposure_share": "Exposure share", "catalogue_share": "Catalogue share"}.get(
            column, column.replace("_", " "))
    label = glossary.label(metric)
    if not group:
        return label
    attr, _, value = group.partition("=")
    return f"{label} · {names.attribute(attr)} {value}"


def every_metric(result: MitigationResult) -> pd.DataFrame:
    """Every metric overall and per group at every point (plain headers)."""
    from fairrec_core.mitigation import TABLE_COLUMNS

    pts = result.points
    rest = [c for c in pts.columns if c not in TABLE_COLUMNS]
    out = pd.DataFrame({"Way": pts["lever"].map(names.lever), "Strength": pts["strength"]})
    for c in rest:
        out[column_name(c, result.k)] = pts[c].astype(float)
    return out.reset_index(drop=True)


def notes(result: MitigationResult) -> None:
    for lever in result.notes:
        st.info(f"{names.lever(lever)} was left out: "
                f"{unavailable(lever, result.model, result.target) or 'not available'}",
                icon=":material/block:")


def show(cur, result: MitigationResult) -> None:
    """The sentence, the chart, the table of every point and (outside presenter mode) every
    metric per group and the downloads."""
    from fairrec_app import widgets

    if result.stopped:
        st.warning("The comparison stopped early; the points below are those finished.",
                   icon=":material/warning:")
    st.markdown(f"#### {sentence(result)}")
    notes(result)
    st.plotly_chart(chart(result), key="mitigation.chart")
    st.caption("Each point is the model with one way to reduce the gap at one strength; bars "
               f"are the 95% interval of the gap ({result.n_bootstrap} bootstrap resamples of "
               "the users). Numbers at the points are the strengths; the dashed line joins the "
               "best trade-offs." if not layout.presenter() else
               "Each point is the model with one way to reduce the gap at one strength; bars "
               "show how uncertain the gap is.")
    table = points_table(result)
    percent = [c for c in table.columns if c.endswith("change")]
    st.dataframe(table, hide_index=True, key="mitigation.points", column_config={
        **{c: st.column_config.NumberColumn(format="%.4f") for c in table.columns[2:6]},
        **{c: st.column_config.NumberColumn(format="percent") for c in percent}})
    if layout.presenter():
        return
    with st.expander("Every measure, overall and per group"):
        st.dataframe(every_metric(result), hide_index=True)
    _downloads(cur, result, widgets)


def _downloads(cur, result: MitigationResult, widgets) -> None:
    """CSV and JSON of the core's table, and the HTML report (as ``python -m fairrec_core
    mitigate`` writes it)."""
    widgets.downloads(result.table, "mitigation", json_data=result.to_dict(),
                      key="mitigation.table")

    def report() -> bytes:
        from fairrec_core.report import render_mitigation

        ds = cur.ds
        settings = {"data": ds.data.name, "split": ds.split_label, "model": result.model,
                    "params": result.params, "target": result.target.spec,
                    "levers": list(result.levers), "strengths": list(result.strengths)}
        return render_mitigation(result, title=f"fairrec mitigation: {names.model(result.model)} "
                                               f"on {ds.data.name}",
                                 dataset_summary=ds.data.describe(),
                                 settings=settings).encode("utf-8")

    st.download_button("Report (HTML)", report, "mitigation.html", "text/html",
                       icon=":material/download:", on_click="ignore", key="mitigation.dl.report",
                       help="One self-contained file that opens offline: the chart, every point "
                            "and the settings.")

