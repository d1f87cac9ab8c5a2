"""Headline findings of an audit in plain words, for the home page (pure; no Streamlit).

The gap's interval and p-value come from the audit engine (``AuditResult.gaps``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core import glossary


@dataclass(frozen=True)
class Finding:
    attribute: str
    metric: str
    text: str  # "NDCG@10: F 0.41 vs M 0.46, gap 0.05 [0.03, 0.07], p < 0.001"
    flagged: bool  # ratio below four-fifths
    significant: bool  # p < 0.05


def p_text(p: float) -> str:
    if p is None or np.isnan(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 + 1e-12 else f"p = {p:.3f}"


def headline(result, attribute: str, metric: str) -> Finding | None:
    """The gap in ``metric`` between the best- and worst-served groups of ``attribute``."""
    gap = result.gap(attribute, metric)
    if not gap["max_group"] or not gap["min_group"] or np.isnan(gap["difference"]):
        return None
    means = result.group_table(attribute, metric).set_index("group")["mean"]
    hi, lo = str(gap["max_group"]), str(gap["min_group"])
    ci = (gap["ci_lo"], gap["ci_hi"])
    text = (f"{glossary.label(metric)}: {lo} {means[lo]:.2f} vs {hi} {means[hi]:.2f}, "
            f"gap {gap['difference']:.2f} [{ci[0]:.2f}, {ci[1]:.2f}], {p_text(gap['p_value'])}")
    return Finding(attribute, metric, text, bool(gap["flag"]), bool(gap["p_value"] < 0.05))


def parity_headline(result, attribute: str, item_attribute: str) -> str | None:
    """The item-attribute value whose share of recommendations differs most between groups, with
    the same difference in the groups' histories (inherited or amplified)."""
    values = result.parity_values
    rows = values[(values["attribute"] == attribute) & (values["item_attribute"] == item_attribute)]
    if rows.empty or rows["difference"].isna().all():
        return None
    top = rows.loc[rows["difference"].idxmax()]
    table = result.parity_table(attribute, item_attribute)[top["value"]]
    hist = result.parity_table(attribute, item_attribute, "history_share")[top["value"]]
    hi, lo = table.idxmax(), table.idxmin()
    verdict = ("amplified by the model" if top["difference"] > top["history_difference"] + 0.005
               else "reduced by the model" if top["difference"] < top["history_difference"] - 0.005
               else "inherited from the histories")
    return (f"{item_attribute} '{top['value']}': {hi} get {table[hi]:.0%} of their recommendations "
            f"from it, {lo} {table[lo]:.0%} (histories: {hist[hi]:.0%} vs {hist[lo]:.0%}) — "
            f"{verdict}.")


def exposure_headline(result, item_attribute: str, value: str) -> str | None:
    """``value``'s share of exposure against its share of the catalogue and of relevant items."""
    rows = result.exposure[(result.exposure["item_attribute"] == item_attribute)
                           & (result.exposure["value"].astype(str) == value)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return (f"{item_attribute} '{value}': {r['catalogue_share']:.0%} of the catalogue and "
            f"{r['relevant_share']:.0%} of the held-out items, but {r['exposure_share']:.0%} of "
            "the exposure in the lists.")


def most_unequal(result, metric: str) -> str | None:
    """The single attribute whose groups differ most in ``metric`` (smallest ratio)."""
    gaps = result.gaps[(result.gaps["metric"] == metric)
                       & ~result.gaps["attribute"].str.contains(" & ", regex=False)]
    gaps = gaps.dropna(subset=["ratio"])
    return None if gaps.empty else str(gaps.loc[gaps["ratio"].idxmin(), "attribute"])
