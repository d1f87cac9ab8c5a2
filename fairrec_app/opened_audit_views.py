"""The Open an audit page (Streamlit): name an ``audit --out`` folder on the server (under the
data roots, :mod:`fairrec_app.paths`) or upload its ``metrics.json``, then see its per-group
results with the Fairness audit page's own sections (:mod:`fairrec_app.audit_sections`,
:mod:`fairrec_app.audit_views`). Nothing here loads a data set, trains a model or reads the
recommendation lists: an audit computed by the command line on data too large for a session
opens from its files (:func:`fairrec_core.audit.read_audit_folder`)."""

from __future__ import annotations

import json
import re

import streamlit as st

from fairrec_app import audit_sections, audit_views, findings, keys, layout, paths, uploads
from fairrec_core import charts, glossary, names
from fairrec_core.audit import (
    INTERSECTION,
    METRICS_FILE,
    USERS_FILES,
    OpenedAudit,
    open_audit_metrics,
    read_audit_folder,
)

PAGE = "open_audit"
#: Session-state key: ``(what was opened, OpenedAudit, upload id or None)``.
OPENED = "open_audit.opened"
#: Session-state key: the id of the last upload opened.
SEEN = "open_audit.upload_seen"
NOT_AVAILABLE = (
    "**Not available from a folder:** one user's recommendations and the per-user drill-down, "
    "the re-ranking sliders (What-if, Close a gap), a new private release and attribute "
    "leakage — they need the recommendation lists and the data, which a folder does not "
    "bring. To use them, load the data on the Data page.")
NUMBER = st.column_config.NumberColumn
#: The files of a folder that are read (:func:`fairrec_core.audit.read_audit_folder`).
FILES = (METRICS_FILE, *USERS_FILES)


@st.cache_data(show_spinner="Reading the audit folder…", max_entries=8)
def _read_folder(path: str, changed: tuple) -> OpenedAudit:
    """The folder's audit, read again when its ``metrics.json`` or per-user table changes
    (``changed``: their modification times and sizes, part of the cache key only)."""
    return read_audit_folder(path)


def _stamp(folder) -> tuple:
    out = []
    for name in FILES:
        f = folder / name
        info = f.stat() if f.is_file() else None
        out.append((name, info.st_mtime_ns, info.st_size) if info else (name,))
    return tuple(out)


def chooser() -> None:
    """The folder box (when server paths are on) and the metrics.json upload; what they open is
    kept in session state under :data:`OPENED`."""
    left, right = st.columns(2)
    with left:
        if paths.server_paths_enabled():
            path = st.text_input("Audit folder on the server", key=keys.widget(PAGE, "path"),
                                 placeholder="data/audits/ease",
                                 help="The --out folder of `python -m fairrec_core audit`. Only "
                                      f"folders under the data folders can be read (set by "
                                      f"{paths.ROOTS_ENV}).")
            st.caption(f"Data folders: {paths.roots_label()}")
            if st.button("Open folder", key=keys.widget(PAGE, "open"),
                         icon=":material/folder_open:"):
                st.session_state.pop(OPENED, None)  # a failed open shows no older audit
                with layout.input_box("Opening the audit", "read this folder"):
                    folder = paths.resolve_data_path(path)
                    for name in FILES:  # a file linked from outside the roots is refused too
                        if (folder / name).exists():
                            paths.resolve_data_path(str(folder / name))
                    opened = _read_folder(str(folder), _stamp(folder))
                    st.session_state[OPENED] = (str(folder), opened, None)
        else:
            st.caption("Reading folders on the server is switched off here; upload the "
                       "audit's metrics.json instead.")
    with right:
        up = st.file_uploader("…or upload its metrics.json", type=["json"],
                              key=keys.widget(PAGE, "upload"),
                              help="The metrics.json of `python -m fairrec_core audit` or of the "
                                   "Fairness audit page's download. Without the folder's "
                                   "users.csv the spread within groups is not shown.")
        if up is not None and st.session_state.get(SEEN) != up.file_id:
            st.session_state[SEEN] = up.file_id  # opened once; the folder box may replace it
            st.session_state.pop(OPENED, None)
            with layout.input_box(up.name, "read this file"):
                uploads.check_size(up)
                opened = open_audit_metrics(up.getvalue(), up.name, users_note=(
                    "an uploaded metrics.json has no per-user table"))
                st.session_state[OPENED] = (up.name, opened, up.file_id)


def render(where: str, opened: OpenedAudit) -> None:
    """Everything the opened audit holds."""
    with st.sidebar:
        st.divider()
        st.caption(f"**Open audit** · {where}  \nNo data or model loaded for it.")
    about = dict(opened.description())
    what = f"{about['Lists']} on {about['Data']}" if {"Lists", "Data"} <= set(about) else where
    st.markdown(f"**Opened:** `{where}` · {what} · top-{opened.k}")
    if not layout.presenter():
        st.caption(" · ".join(f"{label} {text}" if label == "Computed" else f"{label}: {text}"
                              for label, text in opened.description()
                              if label not in ("Lists", "Data")))
    st.info(NOT_AVAILABLE, icon=":material/info:")
    if opened.differentially_private:
        _private(opened)
    else:
        _full(opened)


def _full(opened: OpenedAudit) -> None:
    res = opened.result
    st.markdown(f"{res.n_evaluated:,} users with held-out items of {res.n_users:,} listed.")
    if not layout.presenter():  # as on the Fairness audit page: the CLI's option, no API name
        for note in res.notes:
            st.caption(re.sub(r"include_uninformative / ", "", note))
    if not res.attributes:
        st.warning("This audit has no user groups to compare.", icon=":material/group_off:")
        return
    attr, metric = audit_sections.choose(res, PAGE)
    table = audit_sections.groups_and_gap(res, attr, metric, PAGE)
    audit_sections.comparisons(
        res, attr, metric, no_pairs=NO_PAIRS if INTERSECTION in attr else None)
    if not layout.presenter():
        audit_views.every_gap(res, attr)
    audit_sections.parity(res, attr, PAGE)
    audit_sections.exposure(res, PAGE)
    audit_sections.popularity(res, attr, PAGE, presenter=layout.presenter())
    if len(res.users):
        audit_sections.spread(res, attr, metric, table, PAGE)
    else:
        st.header("How much users within each group differ.")
        st.caption(f"Not shown: {opened.users_note}.")
    if not layout.presenter():
        st.download_button("All figures (JSON)", json.dumps(opened.metrics, indent=2).encode(),
                           "metrics.json", "application/json", icon=":material/download:",
                           on_click="ignore", key=f"{PAGE}.dl.json")


#: Why the Open an audit page lists no pairs for an intersection.
NO_PAIRS = ("metrics.json keeps every pair for single attributes only (an intersection has "
            "hundreds); its gap, above, allows for all of them.")


def _private(opened: OpenedAudit) -> None:
    """A private release: the noisy group means with intervals and each gap, nothing else."""
    privacy = opened.metrics.get("privacy") or {}
    delta = privacy.get("delta") or 0
    st.warning(f"A differentially private release (ε = {privacy.get('epsilon')}"
               + (f", δ = {delta:g}" if delta else "") + "): every number below is noisy, "
               "computed from noisy counts and sums only. The release holds group means and "
               "gaps; no parity, exposure or per-user figures.", icon=":material/lock:")
    groups, gaps = opened.private["groups"], opened.private["gaps"]
    attrs = list(dict.fromkeys(groups["attribute"]))
    metrics = list(dict.fromkeys(groups["metric"]))
    if not attrs:
        st.warning("This release has no user groups.", icon=":material/group_off:")
        return
    a, b = st.columns(2)
    attr = a.selectbox("User groups", attrs, format_func=names.attribute,
                       key=keys.widget(PAGE, "dp_attr"))
    metric = b.selectbox("Metric", metrics, format_func=glossary.label,
                         key=keys.widget(PAGE, "dp_metric"))
    rows = groups[(groups["attribute"] == attr) & (groups["metric"] == metric)]
    shown = rows[~rows["suppressed"]]
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.bars_with_ci(shown, glossary.label(metric),
                                          attribute=names.attribute(attr)),
                      key=f"{PAGE}.dp_bars")
    with right:
        gap = gaps[(gaps["attribute"] == attr) & (gaps["metric"] == metric)]
        if len(gap):
            g = gap.iloc[0]
            c1, c2 = st.columns(2)
            c1.metric("Difference", f"{g['difference']:.3f}", delta_color="off",
                      delta=f"95%: {findings.interval(g['ci_lo'], g['ci_hi'])}",
                      delta_arrow="off", help=glossary.GAPS["difference"])
            c2.metric("p-value", findings.p_text(g["p_value"]).removeprefix("p ")
                      .removeprefix("= "), help="Parametric bootstrap of the largest "
                      "difference under equal means, from the noisy figures only.")
            st.caption(f"Best served: **{g['max_group']}**, worst served: **{g['min_group']}** "
                       f"({int(g['n_groups'])} groups compared); ratio {g['ratio']:.2f}.")
        st.dataframe(rows.assign(shown=~rows["suppressed"])[
            ["group", "n_noisy", "mean", "ci_lo", "ci_hi", "shown"]].rename(columns={
                "n_noisy": "users (noisy)", "mean": glossary.label(metric),
                "ci_lo": "95% low", "ci_hi": "95% high"}), hide_index=True,
            column_config={"users (noisy)": NUMBER(format="%.0f"),
                           glossary.label(metric): NUMBER(format="%.4f"),
                           "95% low": NUMBER(format="%.4f"), "95% high": NUMBER(format="%.4f")},
            key=f"{PAGE}.dp_groups")
        if rows["suppressed"].any():
            st.caption("Groups whose noisy count was too small are suppressed: nothing of "
                       "them is released.")
