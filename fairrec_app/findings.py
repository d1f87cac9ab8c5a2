"""Headline findings of an audit in plain words, for the home page and the audit page (pure; no
Streamlit).

Every number comes from the audit engine (``AuditResult.gaps`` and ``.adjusted``): the gap's
simultaneous interval (valid although the pair was picked after seeing the data), the pair's
max-T adjusted p-value (which agrees with that interval), the gap with activity held equal and
the minimum detectable gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairrec_core import glossary, names
from fairrec_core.audit import ACTIVITY
from fairrec_core.wording import EXCLUDED_REASONS, excludes_zero, interval, num, p_text

#: Significance level of every verdict the pages write.
ALPHA = 0.05


@dataclass(frozen=True)
class Finding:
    attribute: str
    metric: str
    text: str  # "NDCG@10: F 0.413 vs M 0.465, gap 0.052 [0.031, 0.073], p < 0.001"
    flagged: bool  # ratio below four-fifths
    significant: bool  # the pair's adjusted p < 0.05
    notes: tuple[str, ...] = ()  # agreement, power, activity-adjusted gap, groups left out


def agreement_note(gap) -> str | None:
    """One sentence when the interval and the pair's p-value disagree about significance (both
    come from the same shuffles, so only Monte-Carlo error at the 5% edge can split them)."""
    p = gap["p_value_pair"]
    if np.isnan(p) or np.isnan(gap["ci_lo"]):
        return None
    if excludes_zero(gap["ci_lo"], gap["ci_hi"]) == (p < ALPHA):
        return None
    return ("The interval and the p-value disagree only because both are estimated from random "
            "shuffles: this gap sits right at the edge of significance.")


def omnibus_note(gap) -> str | None:
    """When some pair differs (omnibus p < 0.05) but not clearly the headline pair: the most
    extreme means need not be the most clearly separated pair (small groups are noisy)."""
    if not (gap["p_value"] < ALPHA <= gap["p_value_pair"]):
        return None
    return (f"Some pair of groups is served differently ({p_text(gap['p_value'])}), but not "
            "clearly this one: see the pairs of groups.")


def power_note(gap) -> str | None:
    """When the gap is not significant: the smallest gap these group sizes could have shown."""
    p, mdg = gap["p_value_pair"], gap["min_detectable_gap"]
    if np.isnan(p) or p < ALPHA or not np.isfinite(mdg):
        return None
    return (f"Not significant: with these group sizes we could only have detected a gap of "
            f"{num(mdg)} or more.")


def adjusted_row(result, attribute: str, metric: str):
    """The ``adjusted`` row of ``attribute`` and ``metric`` (None if not computed)."""
    adj = result.adjusted
    if adj is None or adj.empty:
        return None
    rows = adj[(adj["attribute"] == attribute) & (adj["metric"] == metric)]
    if rows.empty or np.isnan(rows["difference"].iloc[0]):
        return None
    return rows.iloc[0]


def covariate_words(covariates: str) -> str:
    """``"log1p(n_train), age"`` -> "how many items people have interacted with and age"."""
    names = [c for c in str(covariates).split(", ") if c]
    words = ["how many items people have interacted with" if c == ACTIVITY else c for c in names]
    return " and ".join(words) or "activity"


def adjusted_note(result, attribute: str, metric: str) -> str | None:
    """"Held at equal activity, the gap is 0.012 [−0.017, 0.042]: about 73% of it goes with how
    many items people have interacted with." """
    r = adjusted_row(result, attribute, metric)
    if r is None:
        return None
    head = (f"Held at equal activity, the gap is {num(r['difference'])} "
            f"{interval(r['ci_lo'], r['ci_hi'])}")
    share, what = r["share_explained"], covariate_words(r["covariates"])
    if not np.isfinite(share):
        return head + "."
    if share < 0:
        return head + f": {what} does not account for it (at equal activity it is larger)."
    if share > 1:
        return head + (f": more than all of it goes with {what} (at equal activity the order of "
                       "the two groups reverses).")
    return head + f": about {share:.0%} of it goes with {what}."


def excluded_note(gap, min_group_size: int | None = None) -> str | None:
    """Which groups are left out of the gap and why, in one sentence."""
    excluded = gap.get("excluded_groups") if hasattr(gap, "get") else None
    if not excluded:
        return None
    by_reason: dict[str, list[str]] = {}
    for group, reason in dict(excluded).items():
        by_reason.setdefault(reason, []).append(str(group))
    parts = []
    for reason, groups in by_reason.items():
        why = EXCLUDED_REASONS.get(reason, reason)
        if reason == "small" and min_group_size:
            why = f"fewer than {min_group_size} users, too few for a reliable mean"
        parts.append(f"{', '.join(groups)} ({why})")
    return "Left out of the gap: " + "; ".join(parts) + "."


def headline(result, attribute: str, metric: str) -> Finding | None:
    """The gap in ``metric`` between the best- and worst-served groups of ``attribute``, with its
    simultaneous interval and the pair's adjusted p-value, and notes in plain words."""
    gap = result.gap(attribute, metric)
    if not gap["max_group"] or not gap["min_group"] or np.isnan(gap["difference"]):
        return None
    means = result.group_table(attribute, metric).set_index("group")["mean"]
    hi, lo = str(gap["max_group"]), str(gap["min_group"])
    p = gap["p_value_pair"]
    text = (f"{glossary.label(metric)}: {lo} {num(means[lo])} vs {hi} {num(means[hi])}, "
            f"gap {num(gap['difference'])} {interval(gap['ci_lo'], gap['ci_hi'])}, {p_text(p)}")
    notes = (agreement_note(gap), omnibus_note(gap), power_note(gap),
             adjusted_note(result, attribute, metric),
             excluded_note(gap, result.min_group_size))
    return Finding(attribute, metric, text, bool(gap["flag"]), bool(p < ALPHA),
                   tuple(n for n in notes if n))


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
    return (f"{names.attribute(item_attribute)} '{top['value']}': {hi} get {table[hi]:.0%} of their recommendations "
            f"from it, {lo} {table[lo]:.0%} (histories: {hist[hi]:.0%} vs {hist[lo]:.0%}) — "
            f"{verdict}.")


def exposure_headline(result, item_attribute: str, value: str) -> str | None:
    """``value``'s share of exposure against its share of the catalogue and of relevant items."""
    rows = result.exposure[(result.exposure["item_attribute"] == item_attribute)
                           & (result.exposure["value"].astype(str) == value)]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return (f"{names.attribute(item_attribute)} '{value}': {r['catalogue_share']:.0%} of the catalogue and "
            f"{r['relevant_share']:.0%} of the held-out items, but {r['exposure_share']:.0%} of "
            "the exposure in the lists.")


def most_unequal(result, metric: str) -> str | None:
    """The single attribute whose groups differ most in ``metric`` (smallest ratio)."""
    gaps = result.gaps[(result.gaps["metric"] == metric)
                       & ~result.gaps["attribute"].str.contains(" & ", regex=False)]
    gaps = gaps.dropna(subset=["ratio"])
    return None if gaps.empty else str(gaps.loc[gaps["ratio"].idxmin(), "attribute"])
