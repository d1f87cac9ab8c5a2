"""One self-contained HTML report of an audit: tables with every figure to 4 decimals (the values
of ``metrics.json``) and interactive plotly charts, plotly.js embedded once, no network needed."""

from __future__ import annotations

import json

import pandas as pd
from plotly.offline import get_plotlyjs

from fairrec_core import charts, glossary, names
from fairrec_core.audit import INTERSECTION, AuditResult
from fairrec_core.report._html import Figures as _Figures
from fairrec_core.report._html import ci as _ci
from fairrec_core.report._html import esc as _e
from fairrec_core.report._html import fmt
from fairrec_core.report._html import table as _table
from fairrec_core.report._methods import METHODS_HTML
from fairrec_core.report._mitigation import mitigation_section
from fairrec_core.report._rerank import rerank_section
from fairrec_core.report._statistics import (
    adjusted_section,
    gaps_section,
    pairwise_section,
    reference_section,
)
from fairrec_core.report._summary import summary_section
from fairrec_core.wording import EXCLUDED_REASONS

#: Per-group bar charts (with intervals) are drawn for these metrics, where audited.
CHART_METRICS = ("ndcg", "recall", "aplt", "calibration_kl")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#212529;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #dee2e6;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #dee2e6;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f1f3f5}tr.flag td{background:#fff3bf}
.note{color:#495057;font-size:.9em}.figure{margin:.5em 0 1.5em}
dt{font-weight:600;margin-top:.4em}
details{border:1px solid #dee2e6;border-radius:6px;padding:.3em .8em;margin:.4em 0}
summary{cursor:pointer;font-weight:600;font-size:1.05em;padding:.2em 0}
details[open] summary{border-bottom:1px solid #dee2e6;margin-bottom:.4em}
.badge{display:inline-block;padding:.1em .55em;border-radius:1em;font-weight:600;white-space:nowrap}
.lead{font-size:1.1em}table.summary td{font-size:1.05em}table.summary .note{margin-top:.3em}
"""


def render_report(result: AuditResult, *, title: str, dataset_summary: dict, settings: dict,
                  rerank_effect: pd.DataFrame | None = None, scorecard=None, policy=None,
                  rerank_groups: pd.DataFrame | None = None, mitigation=None) -> str:
    """The audit as one HTML document (str) that opens offline: the scorecard first (executive
    summary), the re-ranking's effect per group, then every detail folded (``<details>``).

    ``dataset_summary`` is :meth:`Dataset.describe`; ``settings`` the run's settings (model or
    ``"imported lists"``, split, re-ranking, resampling...); ``rerank_effect`` (``metric, before,
    after``) the overall figures of the model's lists and of the re-ranked ones, and
    ``rerank_groups`` (``attribute, group, metric, n_users, before, after``) the same per group —
    both from :func:`fairrec_core.report.rerank_effect`. ``scorecard`` is the
    :class:`~fairrec_core.scorecard.Scorecard` to lead with; without it, the scorecard of
    ``result`` under ``policy`` (default: :class:`~fairrec_core.scorecard.Policy`).
    ``mitigation``: a :class:`~fairrec_core.mitigation.MitigationResult` shown after the
    re-ranking (its trade-off chart and table).
    """
    from fairrec_core.scorecard import Policy
    from fairrec_core.scorecard import scorecard as make_scorecard

    card = scorecard if scorecard is not None else make_scorecard(result, policy or Policy())
    figure = _Figures()
    sections = [
        ("Dataset", _dataset(dataset_summary)),
        ("Model and settings", _settings(result, settings)),
        ("Overall metrics", _overall(result)),
        ("Metrics per group", _groups(result, figure)),
        ("Gaps between groups", gaps_section(result)),
        ("Pairs of groups", pairwise_section(result)),
        ("Compared with a reference group", reference_section(result, figure)),
        ("Gaps at equal activity", adjusted_section(result)),
        ("What is recommended to each group (parity)", _parity(result, figure)),
        ("Item exposure", _exposure(result, figure)),
        ("Popularity bias", _popularity(result, figure)),
        ("Methods", METHODS_HTML),
    ]
    details = "".join(f'<details id="d{i}"><summary>{_e(name)}</summary>{content}</details>'
                      for i, (name, content) in enumerate(sections))
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in result.notes)
    n_audit = figure.n
    mitigated = "" if mitigation is None else (
        '<section id="mitigation"><h2>Mitigation: pre-, in- and post-processing</h2>'
        f"{mitigation_section(mitigation, figure)}</section>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<h1>{_e(title)}</h1><p class=\"note\">fairrec audit at k = {result.k}: "
        f"{result.n_users:,} users listed, {result.n_evaluated:,} with held-out items.</p>"
        f'<section id="summary"><h2>Summary</h2>{summary_section(card)}{notes}</section>'
        f'<section id="rerank"><h2>Re-ranking: before → after per group</h2>'
        f"{rerank_section(settings, rerank_effect, rerank_groups)}</section>"
        f"{mitigated}"
        f'<section id="details"><h2>Details</h2><p class="note">Every table and chart of the '
        f"audit ({n_audit} interactive charts); click a heading to open it.</p>{details}"
        f"</section>{_RESIZE}</body></html>\n"
    )


#: Charts drawn inside a closed ``<details>`` get their size when it opens.
_RESIZE = """<script>document.querySelectorAll('details').forEach(d => d.addEventListener('toggle',
() => d.querySelectorAll('.js-plotly-plot').forEach(p => Plotly.Plots.resize(p))));</script>"""


# ---- sections ---------------------------------------------------------------------------------
def _dataset(summary: dict) -> str:
    keys = [("name", "Name"), ("users", "Users"), ("items", "Items"),
            ("interactions", "Interactions"), ("density", "Density")]
    rows = pd.DataFrame([(label, summary[k]) for k, label in keys if k in summary],
                        columns=["", "value"])
    out = [_table(rows.astype({"value": object}))]
    for attr, groups in summary.get("groups", {}).items():
        frame = pd.DataFrame([(g, v["users"], v["interactions"]) for g, v in groups.items()],
                             columns=[names.attribute(attr), "users", "interactions"])
        out.append(f"<h3>By {_e(names.attribute(attr))}</h3>{_table(frame)}")
    return "".join(out)


def _settings(result: AuditResult, settings: dict) -> str:
    model = settings.get("model", "imported lists")
    rows = [("Lists", str(model)), ("Cutoff k", result.k),
            ("Bootstrap resamples", result.n_bootstrap),
            ("Permutation shuffles", result.n_permutations),
            ("Confidence level", result.level), ("Minimum group size", result.min_group_size)]
    shown = {"model", "n_bootstrap", "n_permutations", "confidence_level", "min_group_size"}
    for key, value in settings.items():
        if key in shown:
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append((key, text))
    frame = pd.DataFrame(rows, columns=["setting", "value"]).astype({"value": object})
    return f"<p>Assessed: <b>{_e(model)}</b>.</p>{_table(frame)}"


def _overall(result: AuditResult) -> str:
    ci = result.overall_ci.set_index("metric")
    rows = []
    for metric, value in result.overall.items():
        lo, hi = (ci.loc[metric, "ci_lo"], ci.loc[metric, "ci_hi"]) if metric in ci.index else (
            None, None)
        rows.append((metric, glossary.label(metric), value, lo, hi,
                     glossary.info(metric).direction))
    frame = pd.DataFrame(rows, columns=["metric", "name", "value", "95% low", "95% high",
                                        "direction"])
    return _table(frame)


def _groups(result: AuditResult, figure: _Figures) -> str:
    out = [f"<p>Group means with {result.level:.0%} bootstrap intervals, as "
           "<i>mean [low, high]</i>. Groups left out of the gaps (too few users, or a label that "
           "says nothing about the users) are listed with the reason and not charted.</p>"]
    metrics = list(dict.fromkeys(result.groups["metric"]))
    first = metrics[0] if metrics else None
    for attr in result.attributes:
        rows = result.groups[result.groups["attribute"] == attr]
        groups = list(dict.fromkeys(rows["group"]))
        excluded = _excluded_groups(result, attr)
        table = pd.DataFrame({names.attribute(attr): groups})
        sizes = rows.drop_duplicates("group").set_index("group")["n_users"]
        table["users"] = [int(sizes[g]) for g in groups]
        table["left out"] = [excluded.get(str(g), "") for g in groups]
        for m in metrics:
            one = rows[rows["metric"] == m].set_index("group")
            table[glossary.label(m)] = [
                _ci(one.loc[g, "mean"], one.loc[g, "ci_lo"], one.loc[g, "ci_hi"])
                if g in one.index else "—" for g in groups]
        out.append(f"<h3>{_e(names.attribute(attr))}</h3>{_table(table)}")
        if INTERSECTION in attr or first is None:
            continue
        for name in CHART_METRICS:
            metric = f"{name}@{result.k}"
            if metric not in metrics:
                continue
            frame = result.group_table(attr, metric)
            frame = frame[~frame["group"].astype(str).isin(excluded)]
            out.append(figure(charts.bars_with_ci(frame, glossary.label(metric),
                                                  overall=result.overall.get(metric))))
    return "".join(out)


def _excluded_groups(result: AuditResult, attr: str) -> dict[str, str]:
    """``{group: reason in words}`` left out of ``attr``'s gaps (over every metric)."""
    rows = result.gaps[result.gaps["attribute"] == attr]
    merged: dict = {}
    for excluded in rows["excluded_groups"]:
        merged.update(dict(excluded or {}))
    return {str(g): EXCLUDED_REASONS.get(why, why) for g, why in merged.items()}


def _parity(result: AuditResult, figure: _Figures) -> str:
    pg = result.parity_gaps
    out = ["<p>Share of recommended slots per item value and user group, next to the same share "
           "in the groups' training histories. Largest gaps per grouping:</p>",
           _table(pd.DataFrame({
               "users by": pg["attribute"].map(names.attribute),
               "item attribute": pg["item_attribute"].map(names.attribute),
               "difference": pg["difference"], "ratio": pg["ratio"],
               "history difference": pg["history_difference"],
               "history ratio": pg["history_ratio"]}))]
    if not result.item_attributes:
        return "".join(out)
    item_attr = result.item_attributes[0]
    singles = [a for a in result.attributes if INTERSECTION not in a]
    for attr in singles:
        try:
            rec = result.parity_table(attr, item_attr, "recommended_share")
            hist = result.parity_table(attr, item_attr, "history_share")
        except Exception:  # noqa: BLE001 - a grouping without a parity table is left out
            continue
        zmax = float(max(rec.max().max(), hist.max().max()))
        out.append(f"<h3>{_e(names.attribute(attr))} × {_e(names.attribute(item_attr))}</h3>")
        out.append(figure(charts.heatmap(rec, f"Recommended: {item_attr} share by {attr}",
                                         zmax=zmax)))
        out.append(figure(charts.heatmap(hist, f"History: {item_attr} share by {attr}",
                                         zmax=zmax)))
    return "".join(out)


def _exposure(result: AuditResult, figure: _Figures) -> str:
    k = result.k
    out = [f"<p>Exposure Gini@{k}: <b>{fmt(result.overall.get(f'gini_exposure@{k}'))}</b>; "
           f"coverage@{k}: <b>{fmt(result.overall.get(f'coverage@{k}'))}</b> "
           "(position weights 1/log2(1 + rank)).</p>",
           figure(charts.lorenz({"lists": result.lorenz}))]
    for item_attr in result.item_attributes:
        rows = result.exposure[result.exposure["item_attribute"] == item_attr]
        frame = rows.drop(columns=["item_attribute"]).astype({"value": str})
        out.append(f"<h3>{_e(names.attribute(item_attr))}</h3>{_table(frame)}")
        out.append(figure(charts.grouped_bars(
            frame, "value", {"catalogue_share": "catalogue", "relevant_share": "relevant",
                             "exposure_share": "exposure"},
            f"Exposure by {item_attr}", percent=True)))
    return "".join(out)


def _popularity(result: AuditResult, figure: _Figures) -> str:
    p = result.popularity
    head = ", ".join(f"{_e(k)} {fmt(v) if not isinstance(v, str) else _e(v)}"
                     for k, v in result.head.items())
    out = ["<p>Average popularity of the items in each group's profiles and in its lists; "
           "ΔGAP = (recommended − profile) / profile: the popularity lift the lists add "
           f"(Abdollahpouri et al. 2019). Head: {head}.</p>"]
    frame = p.astype({"attribute": str, "group": str})
    out.append(_table(frame))
    for attr in [a for a in result.attributes if INTERSECTION not in a]:
        rows = frame[frame["attribute"] == attr]
        if rows.empty:
            continue
        out.append(figure(charts.grouped_bars(
            rows, "group", {"profile_popularity": "profile", "recommended_popularity":
                            "recommended"}, f"Popularity of profiles and lists by {attr}")))
    return "".join(out)
