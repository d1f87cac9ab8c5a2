"""The mitigation section of a report (``mitigate``'s ``report.html``, and ``render_report``'s
``mitigation=``): the best point within the accuracy budget, the trade-off chart, every point's
figures, and every metric per group folded."""

from __future__ import annotations

import json

import pandas as pd
from plotly.offline import get_plotlyjs

from fairrec_core.report._html import Figures, ci, esc, fmt, table


def mitigation_section(result, figure: Figures) -> str:
    """HTML of a :class:`~fairrec_core.mitigation.MitigationResult`, charts through
    ``figure``."""
    from fairrec_core.mitigation import LEVER_NAMES, MAX_LOSS, TABLE_COLUMNS, pareto_chart

    t = result.table
    pts = result.points
    out = [f"<p>Target: <b>{esc(result.target.spec)}</b> at k = {result.k}; model "
           f"<b>{esc(result.model)}</b>; strength 0 is the plain model, trained once. Intervals: "
           f"{result.n_bootstrap} bootstrap resamples of users.</p>"]
    plain = pts[pts["strength"] == 0].head(1)
    if len(plain):
        p = plain.iloc[0]
        out.append(f"<p>Plain model: gap {ci(p['gap'], p['gap_lo'], p['gap_hi'])}, "
                   f"NDCG@{result.k} {fmt(p['accuracy'])}.</p>")
    best = result.best(MAX_LOSS)
    if best is not None and best["strength"] > 0:
        out.append(f"<p class=\"lead\">Largest gap reduction within {MAX_LOSS:.0%} accuracy "
                   f"loss: <b>{esc(LEVER_NAMES.get(best['lever'], best['lever']))}</b> at "
                   f"strength {best['strength']:g} — gap {ci(best['gap'], best['gap_lo'], best['gap_hi'])} "
                   f"({best['gap_change']:+.0%}), accuracy {best['accuracy_change']:+.1%} "
                   f"(<code>{esc(best['setting'])}</code>).</p>")
    elif best is not None:
        out.append(f"<p class=\"lead\">No lever reduced the gap within {MAX_LOSS:.0%} accuracy "
                   "loss.</p>")
    for lever, note in result.notes.items():
        out.append(f'<p class="note">{esc(LEVER_NAMES.get(lever, lever))}: {esc(note)}.</p>')
    if result.stopped:
        out.append('<p class="note">The sweep was stopped early: only finished points are '
                   "shown.</p>")
    if len(pts):
        out.append(figure(pareto_chart(result)))
    main = pd.DataFrame({
        "lever": t["lever"].map(lambda x: LEVER_NAMES.get(x, x)),
        "strength": t["strength"], "setting": t["setting"].astype(str),
        f"NDCG@{result.k}": t["accuracy"], "accuracy change": t["accuracy_change"],
        "gap [95% interval]": [ci(g, lo, hi) for g, lo, hi in
                               zip(t["gap"], t["gap_lo"], t["gap_hi"], strict=True)],
        "gap change": t["gap_change"], "seconds": t["seconds"],
        "note": t["note"].astype(str)})
    if t["p_value"].notna().any():
        main.insert(6, "p-value", t["p_value"])
    on_front = set(result.pareto.index)
    out.append(table(main, flag=pd.Series([i in on_front for i in t.index])))
    out.append('<p class="note">Highlighted: the Pareto front (no other point is both more '
               "accurate and fairer).</p>")
    rest = [c for c in t.columns if c not in TABLE_COLUMNS]
    every = pd.concat([main[["lever", "strength"]], t[rest]], axis=1)
    out.append("<details><summary>Every metric, overall and per group</summary>"
               f"{table(every)}</details>")
    return "".join(out)


def render_mitigation(result, *, title: str, dataset_summary: dict, settings: dict) -> str:
    """A self-contained HTML document of ``result`` (plotly.js embedded once): the dataset,
    the settings and :func:`mitigation_section`."""
    figure = Figures()
    body = mitigation_section(result, figure)
    return standalone(title, "mitigation", "Mitigation: pre-, in- and post-processing", body,
                      dataset_summary=dataset_summary, settings=settings)


def standalone(title: str, section: str, heading: str, body: str, *, dataset_summary: dict,
               settings: dict) -> str:
    """A self-contained HTML document (plotly.js embedded once) of one section ``body`` with id
    ``section`` under ``heading``, then the dataset and the settings folded."""
    from fairrec_core.report._render import _CSS, _RESIZE, _dataset

    rows = pd.DataFrame([(k, v if isinstance(v, str) else json.dumps(v, default=str))
                         for k, v in settings.items()], columns=["setting", "value"])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<h1>{esc(title)}</h1>"
        f'<section id="{section}"><h2>{esc(heading)}</h2>{body}'
        "</section>"
        f"<details><summary>Dataset</summary>{_dataset(dataset_summary)}</details>"
        f"<details><summary>Settings</summary>{table(rows)}</details>"
        f"{_RESIZE}</body></html>\n"
    )
