"""Fairness audit: how well each group is served, what it is recommended, which items get seen."""

import json
import re

import streamlit as st

from fairrec_app import (
    audit_sections,
    audit_views,
    keys,
    layout,
    leakage_views,
    privacy_views,
    scorecard_views,
    services,
    workspace,
)
from fairrec_app.widgets import jsonable

layout.page("Fairness audit", ":material/balance:",
            "How well each group of users is served, what each group is recommended and which "
            "items get seen, with the uncertainty of every gap." if layout.presenter() else
            "Every metric per user group with 95% bootstrap intervals, gaps with intervals and "
            "permutation tests that allow for comparing many groups, the four-fifths rule, the "
            "gap at equal activity, what each group is recommended against what it "
            "chose before, and how exposure is spread over the catalogue.")
cur = workspace.current()
ds, k = cur.ds, cur.k
workspace.require_groups(cur.ds)
use_reranked = True
if cur.reranking.active:
    use_reranked = st.toggle(f"Assess the re-ranked lists ({cur.reranking.title})", value=True,
                             key=keys.widget("audit", "reranked"),
                             help=None if layout.presenter() else
                             f"Technical setting: {cur.reranking.label}")
lists, res, label = services.assessed(cur, reranked=use_reranked)
st.markdown(f"**Assessed:** {label} · {ds.data.name} · {res.n_evaluated:,} users with held-out "
            f"items · top-{k}")
if not layout.presenter():  # which groups the engine left out, with its option names
    for note in res.notes:  # the option that puts groups back is the CLI's and the API's
        st.caption(re.sub(r" \(include_uninformative / [^)]*\)", "", note))

attrs = res.attributes
attr, metric = audit_sections.choose(res, "audit")

# ---- groups and gaps ----------------------------------------------------------------------------
table = audit_sections.groups_and_gap(res, attr, metric, "audit")

audit_sections.comparisons(res, attr, metric)
reranked_on = bool(cur.reranking.active and use_reranked)
lists_key = f"{cur.ms.key}|{k}|{cur.reranking.label if reranked_on else ''}"
privacy_views.section(cur, lists, res, lists_key, attr, metric)

if not layout.presenter():
    audit_views.every_gap(res, attr)


# ---- demographic parity, exposure, popularity and calibration ---------------------------------
audit_sections.parity(res, attr, "audit")
audit_sections.exposure(res, "audit")
audit_sections.popularity(res, attr, "audit", presenter=layout.presenter())

# ---- per user -----------------------------------------------------------------------------------
audit_sections.spread(res, attr, metric, table, "audit")

# ---- attribute leakage --------------------------------------------------------------------------
leakage_views.section(cur, lists, lists_key, attrs)

if layout.presenter():
    st.stop()
st.divider()
st.markdown("**Downloads**")
row = st.container(horizontal=True)  # each button as wide as its label: nothing cut off
row.download_button("All figures (JSON)", lambda: json.dumps(res.to_dict(), indent=2,
                                                      default=jsonable).encode(),
                   "metrics.json", "application/json", icon=":material/download:",
                   on_click="ignore", key="audit.dl.json")
row.download_button("Per-user figures (CSV)", lambda: res.users.to_csv(index=False).encode(),
                   "user_metrics.csv", "text/csv", icon=":material/download:", on_click="ignore",
                   key="audit.dl.users")
row.download_button("Recommendations (CSV)", lambda: lists.to_frame(ds.data).to_csv(index=False).encode(),
                   "recommendations.csv", "text/csv", icon=":material/download:",
                   on_click="ignore", key="audit.dl.recs")


def _report() -> bytes:
    """The self-contained HTML report of what this page shows (same as ``audit --report``): the
    page's scorecard first (the session's policy and baseline), the re-ranking per group."""
    from fairrec_core.report import render_report, rerank_effect

    effect = groups = None
    reranked = cur.reranking.active and use_reranked
    if reranked:
        ctx = services.context_for(ds, k)
        effect, groups = rerank_effect(ctx, cur.ms.candidates.top(k), lists)
    settings = {"model": label, "data": ds.data.name, "split": ds.split_label,
                "rerank": [cur.reranking.label] if reranked else []}
    card = scorecard_views.card_of(res, ds.data.name)[0]
    return render_report(res, title=f"fairrec audit: {label} on {ds.data.name}",
                         dataset_summary=ds.data.describe(), settings=settings,
                         rerank_effect=effect, rerank_groups=groups,
                         scorecard=card).encode("utf-8")


row.download_button("Report (HTML)", _report, "report.html", "text/html",
                   icon=":material/download:", on_click="ignore", key="audit.dl.report",
                   help="One self-contained file that opens offline: every table and chart of "
                        "the audit, the re-ranking's effect and the methods.")
