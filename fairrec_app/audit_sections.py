"""The sections of an audit that the Fairness audit page and the Open an audit page both draw
(Streamlit): the choice of attribute and metric, the groups with their gap, what each group is
recommended, which items get seen and the popularity of what is recommended. Each takes an
:class:`~fairrec_core.audit.AuditResult` — computed in the session or read back from an
``audit --out`` folder — so the two pages show the same figures. ``page`` prefixes the widget
and chart keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fairrec_app import audit_views, findings, keys, layout, widgets
from fairrec_core import charts, glossary, names


def choose(res, page: str) -> tuple[str, str]:
    """The user grouping and metric (the page opens on the attribute with the largest ranking
    accuracy gap, and on NDCG)."""
    k = res.k
    attrs = res.attributes
    metrics = list(res.metrics)
    a, b = st.columns(2)
    start = findings.most_unequal(res, f"ndcg@{k}")
    attr = a.selectbox("User groups", attrs, index=attrs.index(start) if start in attrs else 0,
                       key=keys.widget(page, "attr"), format_func=names.attribute,
                       help="A user attribute, or the intersection of two (e.g. gender & age "
                            "group). The page opens on the attribute with the largest gap in "
                            "ranking accuracy.")
    first = f"ndcg@{k}"
    metric = b.selectbox("Metric", metrics, index=metrics.index(first) if first in metrics else 0,
                         format_func=glossary.label, key=keys.widget(page, "metric"),
                         help="Every metric of the audit; hover the cards below for what it "
                              "measures.")
    st.caption(f"**{glossary.label(metric)}** — {glossary.plain_help(metric)}",
               help=glossary.help_text(metric))
    return attr, metric


def groups_and_gap(res, attr: str, metric: str, page: str):
    """The group means with intervals (chart and table) beside the gap cards; returns the
    group table."""
    table = res.group_table(attr, metric)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(charts.bars_with_ci(table, glossary.label(metric),
                                            attribute=names.attribute(attr),
                                            overall=res.overall.get(metric)),
                        key=f"{page}.bars")
    with right:
        st.subheader(f"How far apart the {names.groups(attr)} are.")
        audit_views.gap_cards(res, attr, metric)
        audit_views.group_means(table, metric)
    return table


def comparisons(res, attr: str, metric: str, *, no_pairs: str | None = None) -> None:
    """Which groups differ: in presenter mode the reference-group chart only; otherwise every
    pair (or, where ``no_pairs`` says why they are not kept, that sentence), each group against
    the rest and against the reference; then the gaps at equal activity."""
    if layout.presenter():  # the verdicts: the cards above and the ratio chart; no p-values
        audit_views.reference(res, attr, metric)
    else:
        if no_pairs:
            st.subheader("Which pairs of groups differ?")
            st.caption(no_pairs)
        else:
            audit_views.pairs(res, attr, metric)
        left, right = st.columns(2)
        with left:
            audit_views.vs_rest(res, attr, metric)
        with right:
            audit_views.reference(res, attr, metric)
    audit_views.adjusted(res, attr, metric)


def parity(res, attr: str, page: str) -> None:
    """Demographic parity: each group's share of recommended slots and of its history per value
    of an item attribute, the largest difference and ratio, and the JS divergence."""
    st.header("What each group gets recommended.")
    item_attrs = res.item_attributes
    item_attr = st.selectbox("Item attribute", item_attrs, key=keys.widget(page, "item_attr"),
                             format_func=names.attribute,
                             help="Share of each group's recommended slots (left) and of its own "
                                  "history (right) per value. A difference larger than in the "
                                  "histories means the model amplifies it.")
    parity_attr = attr
    if parity_attr not in set(res.parity["attribute"]):  # parity is per single attribute
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
                   key=f"{page}.parity_rec")
    b.plotly_chart(charts.heatmap(hist, f"History (what they chose): {item_by} by {parity_by}",
                                  zmax=zmax), key=f"{page}.parity_hist")
    pg = res.parity_gaps[(res.parity_gaps["attribute"] == parity_attr)
                         & (res.parity_gaps["item_attribute"] == item_attr)]
    if not pg.empty:
        r = pg.iloc[0]
        c1, c2, c3 = st.columns(3)
        c1.metric("Largest share difference", f"{r['difference']:.3f}",
                  delta=f"{r['difference'] - r['history_difference']:+.3f} vs histories",
                  delta_color="inverse", help="The largest, over values, of max − min share "
                                              "across groups. Lower is closer to parity.")
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
                      f"parity_{parity_attr}_{item_attr}", key=f"{page}.parity")


def exposure(res, page: str) -> None:
    """The exposure Gini and coverage, the Lorenz curve and exposure per item group."""
    st.header("Which items get seen, and how often.")
    k = res.k
    item_attrs = res.item_attributes
    a, b = st.columns([2, 3])
    with a:
        gini_m, cov_m = f"gini_exposure@{k}", f"coverage@{k}"
        c1, c2 = st.columns(2)
        c1.metric(glossary.label(gini_m), f"{res.overall[gini_m]:.3f}",
                  help=glossary.help_text(gini_m))
        c2.metric(glossary.label(cov_m), f"{res.overall[cov_m]:.1%}",
                  help=glossary.help_text(cov_m))
        st.plotly_chart(charts.lorenz({"lists": res.lorenz}), key=f"{page}.lorenz")
    with b:
        exp_attr = st.selectbox(
            "Item groups", item_attrs, format_func=names.attribute,
            index=item_attrs.index("brand_tier") if "brand_tier" in item_attrs
            else item_attrs.index("popularity_band") if "popularity_band" in item_attrs else 0,
            key=keys.widget(page, "exp_attr"))
        exp = res.exposure[res.exposure["item_attribute"] == exp_attr]
        if len(exp) > 20:
            exp = exp.nlargest(20, "catalogue_share")
        st.plotly_chart(charts.grouped_bars(
            exp, "value", {"catalogue_share": "share of catalogue", "relevant_share":
                           "share of held-out items", "exposure_share": "share of exposure"},
            f"Exposure by {names.attribute(exp_attr)} (position-discounted)", percent=True),
            key=f"{page}.exposure")
        widgets.downloads(res.exposure, "exposure", key=f"{page}.exposure")


def popularity(res, attr: str, page: str, *, presenter: bool = False) -> None:
    """Average popularity of each group's history against its recommendations (ΔGAP), beside
    each group's calibration."""
    k = res.k
    by = names.attribute(attr)
    st.header("Are some groups pushed toward popular items?")
    pop = res.popularity[res.popularity["attribute"] == attr]
    a, b = st.columns(2)
    with a:
        st.plotly_chart(charts.grouped_bars(
            pop, "group", {"profile_popularity": "history",
                           "recommended_popularity": "recommended"},
            f"Average item popularity by {by}: history vs recommended"),
            key=f"{page}.popularity")
        st.caption(("" if presenter else "ΔGAP (Abdollahpouri et al. 2019). ") +
                   "The relative rise in average popularity from a "
                   "group's histories to its recommendations. Closer to 0 is better; a larger "
                   "value means the group is pushed toward popular items more. " + ", ".join(
                       f"{g}: {v:+.0%}" for g, v in zip(pop["group"], pop["delta_gap"],
                                                        strict=True)))
    with b:
        cal = f"calibration_kl@{k}"
        st.plotly_chart(charts.bars_with_ci(res.group_table(attr, cal), glossary.label(cal),
                                            overall=res.overall.get(cal), attribute=by),
                        key=f"{page}.calibration")
        st.caption(glossary.plain_help(cal), help=glossary.help_text(cal))


def spread(res, attr: str, metric: str, table, page: str) -> None:
    """How much users within each group differ: box plots of the per-user ``metric`` (needs
    ``res.users``), groups in the order of ``table``."""
    st.header("How much users within each group differ.")
    name = metric.partition("@")[0]
    parts = attr.split(" & ")
    users = res.users
    group = users[parts].astype(str).agg(" & ".join, axis=1) if len(parts) > 1 \
        else users[attr].astype(str)
    dist = pd.DataFrame({"group": group, "value": users[name]}).dropna()
    order = list(table["group"])
    dist["group"] = pd.Categorical(dist["group"], categories=order, ordered=True)
    st.plotly_chart(charts.distributions(dist.sort_values("group"), glossary.label(metric),
                                         attribute=names.attribute(attr)), key=f"{page}.dist")
    st.caption("Box: middle half of the users; line: median; dashed: mean. Many users at 0 means "
               "their list found none of their held-out items.")
