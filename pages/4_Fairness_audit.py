"""Fairness audit: how well each group is served, what it is recommended, which items get seen."""

import json
import re

import numpy as np
import pandas as pd
import streamlit as st

from fairrec_app import (
    audit_views,
    findings,
    keys,
    layout,
    leakage_views,
    privacy_views,
    scorecard_views,
    services,
    widgets,
    workspace,
)
from fairrec_app.widgets import jsonable
from fairrec_core import charts, glossary, names

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
metrics = list(res.metrics)
a, b = st.columns(2)
start = findings.most_unequal(res, f"ndcg@{k}")
attr = a.selectbox("User groups", attrs, index=attrs.index(start) if start in attrs else 0,
                   key=keys.widget("audit", "attr"), format_func=names.attribute,
                   help="A user attribute, or the intersection of two (e.g. gender & age group). "
                        "The page opens on the attribute with the largest gap in ranking "
                        "accuracy.")
metric = b.selectbox("Metric", metrics, index=metrics.index(f"ndcg@{k}"),
                     format_func=glossary.label, key=keys.widget("audit", "metric"),
                     help="Every metric of the audit; hover the cards below for what it measures.")
st.caption(f"**{glossary.label(metric)}** — {glossary.plain_help(metric)}",
           help=glossary.help_text(metric))

# ---- groups and gaps ----------------------------------------------------------------------------
table = res.group_table(attr, metric)
by = names.attribute(attr)
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(charts.bars_with_ci(table, glossary.label(metric), attribute=by,
                                        overall=res.overall.get(metric)), key="audit.bars")
with right:
    st.subheader(f"How far apart the {names.groups(attr)} are.")
    audit_views.gap_cards(res, attr, metric)
    audit_views.group_means(table, metric)

if layout.presenter():  # the verdicts: the cards above and the ratio chart; no p-value tables
    audit_views.reference(res, attr, metric)
else:
    audit_views.pairs(res, attr, metric)
    left, right = st.columns(2)
    with left:
        audit_views.vs_rest(res, attr, metric)
    with right:
        audit_views.reference(res, attr, metric)
audit_views.adjusted(res, attr, metric)
reranked_on = bool(cur.reranking.active and use_reranked)
lists_key = f"{cur.ms.key}|{k}|{cur.reranking.label if reranked_on else ''}"
privacy_views.section(cur, lists, res, lists_key, attr, metric)

if not layout.presenter():
    audit_views.every_gap(res, attr)


# ---- demographic parity -------------------------------------------------------------------------
st.header("What each group gets recommended.")
item_attrs = res.item_attributes
item_attr = st.selectbox("Item attribute", item_attrs, key=keys.widget("audit", "item_attr"),
                         format_func=names.attribute,
                         help="Share of each group's recommended slots (left) and of its own "
                              "history (right) per value. A difference larger than in the "
                              "histories means the model amplifies it.")
parity_attr = attr
if parity_attr not in set(res.parity["attribute"]):  # parity is assessed per single attribute
    parity_attr = attr.split(" & ")[0]
    st.caption(f"Demographic parity is assessed for single attributes; showing "
               f"{names.attribute(parity_attr)}.")
rec = res.parity_table(parity_attr, item_attr)
hist = res.parity_table(parity_attr, item_attr, "history_share")
if rec.shape[1] > 20:  # many values (brands): the 20 most recommended
    top = rec.mean().nlargest(20).index
    rec, hist = rec[top], hist[top]
zmax = float(np.nanmax([np.nanmax(rec.to_numpy()), np.nanmax(hist.to_numpy())]))
a, b = st.columns(2)
item_by, parity_by = names.attribute(item_attr), names.attribute(parity_attr)
a.plotly_chart(charts.heatmap(rec, f"Recommended: {item_by} by {parity_by}", zmax=zmax),
               key="audit.parity_rec")
b.plotly_chart(charts.heatmap(hist, f"History (what they chose): {item_by} by {parity_by}",
                              zmax=zmax), key="audit.parity_hist")
pg = res.parity_gaps[(res.parity_gaps["attribute"] == parity_attr)
                     & (res.parity_gaps["item_attribute"] == item_attr)]
if not pg.empty:
    r = pg.iloc[0]
    c1, c2, c3 = st.columns(3)
    c1.metric("Largest share difference", f"{r['difference']:.3f}",
              delta=f"{r['difference'] - r['history_difference']:+.3f} vs histories",
              delta_color="inverse", help="The largest, over values, of max − min share across "
                                          "groups. Lower is closer to parity.")
    c2.metric("Smallest share ratio", f"{r['ratio']:.2f}",
              delta=f"{r['ratio'] - r['history_ratio']:+.2f} vs histories",
              help=glossary.GAPS["ratio"])
    js = res.parity_js[(res.parity_js["attribute"] == parity_attr)
                       & (res.parity_js["item_attribute"] == item_attr)]
    c3.metric("Largest JS divergence", f"{js['js_divergence'].max():.4f}",
              help=glossary.GAPS["js_divergence"])
phrase = findings.parity_headline(res, parity_attr, item_attr)
if phrase:
    st.info(phrase, icon=":material/lightbulb:")
widgets.downloads(res.parity[(res.parity["attribute"] == parity_attr)
                             & (res.parity["item_attribute"] == item_attr)],
                  f"parity_{parity_attr}_{item_attr}", key="audit.parity")

# ---- exposure -----------------------------------------------------------------------------------
st.header("Which items get seen, and how often.")
a, b = st.columns([2, 3])
with a:
    gini_m, cov_m = f"gini_exposure@{k}", f"coverage@{k}"
    c1, c2 = st.columns(2)
    c1.metric(glossary.label(gini_m), f"{res.overall[gini_m]:.3f}", help=glossary.help_text(gini_m))
    c2.metric(glossary.label(cov_m), f"{res.overall[cov_m]:.1%}", help=glossary.help_text(cov_m))
    st.plotly_chart(charts.lorenz({"lists": res.lorenz}), key="audit.lorenz")
with b:
    exp_attr = st.selectbox("Item groups", item_attrs, format_func=names.attribute,
                            index=item_attrs.index("brand_tier") if "brand_tier" in item_attrs
                            else item_attrs.index("popularity_band") if "popularity_band" in item_attrs
                            else 0, key=keys.widget("audit", "exp_attr"))
    exp = res.exposure[res.exposure["item_attribute"] == exp_attr]
    if len(exp) > 20:
        exp = exp.nlargest(20, "catalogue_share")
    st.plotly_chart(charts.grouped_bars(
        exp, "value", {"catalogue_share": "share of catalogue", "relevant_share":
                       "share of held-out items", "exposure_share": "share of exposure"},
        f"Exposure by {names.attribute(exp_attr)} (position-discounted)", percent=True),
        key="audit.exposure")
    widgets.downloads(res.exposure, "exposure", key="audit.exposure")

# ---- popularity and calibration -----------------------------------------------------------------
st.header("Are some groups pushed toward popular items?")
pop = res.popularity[res.popularity["attribute"] == attr]
a, b = st.columns(2)
with a:
    st.plotly_chart(charts.grouped_bars(
        pop, "group", {"profile_popularity": "history", "recommended_popularity": "recommended"},
        f"Average item popularity by {by}: history vs recommended"), key="audit.popularity")
    st.caption(("" if layout.presenter() else "ΔGAP (Abdollahpouri et al. 2019). ") +
               "The relative rise in average popularity from a "
               "group's histories to its recommendations. Closer to 0 is better; a larger value "
               "means the group is pushed toward popular items more. " + ", ".join(
                   f"{g}: {v:+.0%}" for g, v in zip(pop["group"], pop["delta_gap"], strict=True)))
with b:
    cal = f"calibration_kl@{k}"
    st.plotly_chart(charts.bars_with_ci(res.group_table(attr, cal), glossary.label(cal),
                                        overall=res.overall.get(cal), attribute=by),
                    key="audit.calibration")
    st.caption(glossary.plain_help(cal), help=glossary.help_text(cal))

# ---- per user -----------------------------------------------------------------------------------
st.header("How much users within each group differ.")
name = metric.partition("@")[0]
parts = attr.split(" & ")
users = res.users
group = users[parts].astype(str).agg(" & ".join, axis=1) if len(parts) > 1 else users[attr].astype(str)
dist = pd.DataFrame({"group": group, "value": users[name]}).dropna()
order = list(table["group"])
dist["group"] = pd.Categorical(dist["group"], categories=order, ordered=True)
st.plotly_chart(charts.distributions(dist.sort_values("group"), glossary.label(metric),
                                     attribute=by), key="audit.dist")
st.caption("Box: middle half of the users; line: median; dashed: mean. Many users at 0 means "
           "their list found none of their held-out items.")

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
