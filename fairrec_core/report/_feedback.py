"""The feedback-loop section of a report (``simulate --report``): the truth's assumption, each
metric's drift per arm, and per metric a chart over rounds per group with seed bands."""

from __future__ import annotations

import json

import pandas as pd

from fairrec_core.report._html import Figures, ci, esc, table

#: Group charts drawn per metric: every user, then each attribute's groups.
CHARTED = ("ndcg", "popularity", "gini", "miscalibration", "list_similarity", "chosen_utility")


def feedback_section(results, figure: Figures) -> str:
    """HTML of one or more :class:`~fairrec_core.feedback.FeedbackResult` (arms on the same
    seeds), charts through ``figure``."""
    from fairrec_core.feedback import ALL, METRIC_NAMES, feedback_chart, t_interval

    first = results[0]
    s = first.settings
    out = [f"<p>{esc(first.assumption)}. Model <b>{esc(s['model'])}</b>, k = {s['k']}, "
           f"{s['rounds']} rounds after round 0, seeds {esc(s['seeds'])}; users choose with "
           f"<code>{esc(json.dumps(s['choice']))}</code>. Bands: mean over seeds and its 95% "
           "t interval.</p>"]
    if any(r.stopped for r in results):
        out.append('<p class="note">The run was stopped early: only finished rounds are '
                   "shown.</p>")
    rows = []
    for r in results:
        for metric in METRIC_NAMES:
            mean, lo, hi, n = t_interval(r.drift(metric, how="change"))
            rows.append({"arm": r.arm, "metric": METRIC_NAMES[metric],
                         "change, round 0 to last [95% interval]": ci(mean, lo, hi),
                         "seeds": n})
    out.append(table(pd.DataFrame(rows)))
    bands = pd.concat([r.bands() for r in results], ignore_index=True)
    attributes = [a for a in dict.fromkeys(bands["attribute"]) if a != ALL]
    for metric in CHARTED:
        out.append(f"<h3>{esc(METRIC_NAMES[metric])}</h3>")
        out.append(figure(feedback_chart(bands, metric)))
        for attribute in attributes:
            out.append(figure(feedback_chart(bands, metric, attribute=attribute,
                                             title=f"{METRIC_NAMES[metric]} by {attribute}")))
    return "".join(out)


def render_feedback(results, *, title: str, dataset_summary: dict, settings: dict) -> str:
    """A self-contained HTML document of ``results`` (plotly.js embedded once)."""
    from fairrec_core.report._mitigation import standalone

    body = feedback_section(results, Figures())
    return standalone(title, "feedback", "Feedback loop: recommend, choose, retrain", body,
                      dataset_summary=dataset_summary, settings=settings)
