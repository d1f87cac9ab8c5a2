"""The Fairness audit page's statistics sections (Streamlit): the gap cards, pairs of groups,
each group against the rest, the ratios against a reference group and the gap with activity
held equal. Tables come from :mod:`fairrec_app.audit_tables`, words from
:mod:`fairrec_app.findings`, help texts from :mod:`fairrec_core.glossary`; no formula here."""

from __future__ import annotations

import streamlit as st

from fairrec_app import audit_tables, findings, layout, widgets
from fairrec_core import charts, glossary, names

P_FORMAT = "%.4f"
NUMBER = st.column_config.NumberColumn


def _p_card(p: float) -> str:
    return findings.p_text(p).removeprefix("p ").removeprefix("= ")


def gap_cards(res, attr: str, metric: str) -> None:
    """Difference with its simultaneous interval, ratio, the pair's p and the smallest gap the
    audit could detect; then the groups compared and left out, in words."""
    gap = res.gap(attr, metric)
    c1, c2 = st.columns(2)
    c1.metric("Difference", f"{gap['difference']:.3f}", help=glossary.GAPS["difference"],
              delta=f"95%: {findings.interval(gap['ci_lo'], gap['ci_hi'])}", delta_color="off",
              delta_arrow="off")
    c2.metric("Ratio", f"{gap['ratio']:.2f}", help=glossary.GAPS["ratio"],
              delta="below four-fifths" if gap["flag"] else "passes four-fifths",
              delta_color="inverse" if gap["flag"] else "normal", delta_arrow="off")
    c3, c4 = st.columns(2)
    significant = gap["p_value_pair"] < findings.ALPHA
    c3.metric("p-value (this pair)", _p_card(gap["p_value_pair"]),
              help=glossary.GAPS["p_value_pair"],
              delta="significant" if significant else "could be chance", delta_color="off",
              delta_arrow="off")
    c4.metric("Smallest detectable gap", f"{gap['min_detectable_gap']:.3f}",
              help=glossary.GAPS["min_detectable_gap"],
              delta="gap is larger" if gap["difference"] >= gap["min_detectable_gap"]
              else "gap is smaller", delta_color="off", delta_arrow="off")
    st.caption(f"Best served: **{gap['max_group']}**, worst served: **{gap['min_group']}** "
               f"({int(gap['n_groups'])} groups compared). Any pair different at all: "
               f"{findings.p_text(gap['p_value'])}.",
               help=glossary.GAPS["p_value_omnibus"] + " " + glossary.GAPS["interval"])
    if gap["flag"]:
        st.caption(f"Below four-fifths: {gap['min_group']} get less than 80% of what "
                   f"{gap['max_group']} get. The four-fifths rule is a rule of thumb borrowed "
                   "from hiring; here it flags a large relative gap, not a legal breach.",
                   help=glossary.FOUR_FIFTHS)
    for note in (findings.agreement_note(gap), findings.omnibus_note(gap), findings.power_note(gap),
                 findings.excluded_note(gap, res.min_group_size)):
        if note:
            st.caption(note, help=glossary.GAPS["excluded"] if note.startswith("Left") else None)


def pairs(res, attr: str, metric: str) -> None:
    """Every pair of compared groups with simultaneous intervals and adjusted p-values (not in
    presenter mode: the page leaves this section out)."""
    table = audit_tables.pairs(res, attr, metric)
    st.subheader("Which pairs of groups differ?")
    if table.empty:
        st.caption("Fewer than two groups to compare.")
        return
    st.caption(f"{len(table)} pairs. **Adjusted for comparing many pairs:** the more pairs we "
               "look at, the more likely one looks different by luck alone, so the intervals "
               "and adjusted p-values are widened to hold for all pairs at once.",
               help=glossary.GAPS["p_adjusted"])
    st.dataframe(table, hide_index=True, column_config={
        "pair": st.column_config.TextColumn("pair (a − b)"),
        **{c: NUMBER(format="%.4f") for c in ("mean a", "mean b", "difference", "95% low",
                                              "95% high")},
        "95% low": NUMBER(format="%.4f", help=glossary.GAPS["interval"]),
        "p (one pair)": NUMBER(format=P_FORMAT, help="Studentised permutation test of this "
                               "pair alone, not adjusted: do not read it after picking a pair."),
        "p adjusted (max-T)": NUMBER(format=P_FORMAT, help=glossary.GAPS["p_adjusted"]),
        "p adjusted (Holm)": NUMBER(format=P_FORMAT, help=glossary.GAPS["p_adjusted"]),
        "p adjusted (BH)": NUMBER(format=P_FORMAT, help=glossary.GAPS["p_adjusted"]),
    }, key="audit.pairs")


def vs_rest(res, attr: str, metric: str) -> None:
    """Each compared group against all other users, with Holm-adjusted p-values."""
    table = audit_tables.vs_rest(res, attr, metric)
    st.subheader("Is one group served differently from everyone else?")
    st.caption("Each group against all other users; p adjusted (Holm) allows for testing every "
               "group.", help=glossary.GAPS["p_adjusted"])
    st.dataframe(table, hide_index=True, column_config={
        "mean": NUMBER(format="%.4f"),
        "difference": NUMBER(format="%.4f", help="Group mean − mean of all other users."),
        "ratio": NUMBER(format="%.3f", help="Group mean / mean of all other users."),
        "p (one group)": NUMBER(format=P_FORMAT),
        "p adjusted (Holm)": NUMBER(format=P_FORMAT, help=glossary.GAPS["p_adjusted"]),
    }, key="audit.vs_rest")


def reference(res, attr: str, metric: str) -> None:
    """Each group's mean as a ratio of the reference group's, with the four-fifths band."""
    frame = audit_tables.reference(res, attr, metric)
    st.subheader("How each group compares with the largest one.")
    if frame.empty:
        st.caption("No reference group: fewer than two groups to compare.")
        return
    ref = str(frame["reference"].iloc[0])
    st.plotly_chart(charts.reference_ratios(frame, glossary.label(metric), ref),
                    key="audit.reference")
    st.caption(f"Reference: **{ref}** (the largest group compared). Red bars fall outside the "
               "four-fifths band (a rule of thumb borrowed from hiring: a group served less than "
               "80% as well stands out); grey groups are shown but left out of the comparison.",
               help=glossary.GAPS["reference_ratio"])


def adjusted(res, attr: str, metric: str) -> None:
    """The raw gap next to the gap with activity held equal, the share explained, and what it
    means (association, not cause)."""
    st.header("Does the gap remain when activity is held equal?")
    row = findings.adjusted_row(res, attr, metric)
    if row is None:
        st.caption(f"The gap with activity held equal is computed for accuracy metrics "
                   f"(ranking accuracy, recall, ...) between two groups; not for "
                   f"{glossary.label(metric)} here.")
        return
    gap = res.gap(attr, metric)
    c1, c2, c3 = st.columns(3)
    c1.metric("Raw gap", f"{gap['difference']:.3f}",
              delta=f"95%: {findings.interval(gap['ci_lo'], gap['ci_hi'])}", delta_color="off",
              delta_arrow="off", help=glossary.GAPS["difference"])
    c2.metric("Gap at equal activity", f"{row['difference']:.3f}",
              delta=f"95%: {findings.interval(row['ci_lo'], row['ci_hi'])}", delta_color="off",
              delta_arrow="off", help=glossary.GAPS["adjusted_difference"])
    c3.metric("Share explained by activity", findings.num(row["share_explained"] * 100, 0) + "%",
              help=glossary.GAPS["share_explained"])
    st.markdown(findings.adjusted_note(res, attr, metric))
    if layout.presenter():
        return
    st.dataframe(audit_tables.adjusted(res, attr, metric), hide_index=True, column_config={
        **{c: NUMBER(format="%.4f") for c in ("difference", "95% low", "95% high")},
        "p": NUMBER(format=P_FORMAT)}, key="audit.adjusted")
    st.caption(
        f"**What it means:** among users of {row['group_high']} and {row['group_low']} with "
        "the same number of past interactions, the gap is the second figure. Users with short "
        "histories are harder to recommend for, so when one group is less active, part of its "
        "gap goes with that. **What it does not mean:** this is an association, not a cause — "
        "it does not show that activity *causes* the gap, nor that the remaining gap is caused "
        "by the group; and a gap that goes with activity still affects those users. Fitted by "
        f"least squares over {int(row['n']):,} users; the raw gap's interval allows for picking "
        "the pair, the adjusted one is for this pair as given.")


def group_means(table, metric: str) -> None:
    """Each group's size, mean and interval (one users column: no duplicate ``n``)."""
    shown = audit_tables.group_means(table, glossary.label(metric))
    st.dataframe(shown, hide_index=True, column_config={
        c: NUMBER(format="%.4f") for c in shown.columns if c not in ("group", "users",
                                                                      "with a value")})


def every_gap(res, attr: str) -> None:
    """Every metric's gap for ``attr`` and the audit's tables to download (not in presenter
    mode)."""
    with st.expander(f"Every metric's gap between the {names.groups(attr)}"):
        gaps = res.gaps[res.gaps["attribute"] == attr].copy()
        gaps["metric"] = gaps["metric"].map(glossary.label)
        gaps["excluded_groups"] = gaps["excluded_groups"].map(lambda d: ", ".join(map(str, d)))
        st.dataframe(gaps.drop(columns=["attribute"]).style.apply(
            lambda r: ["background-color: #ffe3e3" if r["flag"] else ""] * len(r), axis=1),
            hide_index=True)
        widgets.downloads(res.groups, "groups", key="audit.groups")
        widgets.downloads(res.gaps, "gaps", key="audit.gaps")
        widgets.downloads(res.pairwise, "pairwise", key="audit.pairwise")
