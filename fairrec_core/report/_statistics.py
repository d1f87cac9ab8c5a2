"""The report's gap statistics (issue 10): the gaps table with simultaneous intervals, omnibus
and pair p-values and the minimum detectable gap; every pair of groups with adjusted p-values;
ratios against the reference group (chart with the four-fifths band); the gaps with activity
held equal. Every number is the ``AuditResult``'s, as in ``metrics.json``."""

from __future__ import annotations

import pandas as pd

from fairrec_core import charts, glossary, names
from fairrec_core.audit import FOUR_FIFTHS, INTERSECTION, AuditResult
from fairrec_core.report._html import Figures, esc, table

#: Pairs of groups and reference charts are shown for these metrics (``name@k``), where audited.
PAIR_METRICS = ("ndcg", "recall", "aplt", "calibration_kl")


def _singles(result: AuditResult) -> list[str]:
    return [a for a in result.attributes if INTERSECTION not in a]


def _metrics(result: AuditResult) -> list[str]:
    return [f"{m}@{result.k}" for m in PAIR_METRICS if f"{m}@{result.k}" in result.metrics]


def gaps_section(result: AuditResult) -> str:
    g = result.gaps
    frame = pd.DataFrame({
        "users by": g["attribute"].map(names.attribute), "metric": g["metric"].map(glossary.label),
        "highest": g["max_group"].fillna("").astype(str),
        "lowest": g["min_group"].fillna("").astype(str),
        "difference": g["difference"], "95% low": g["ci_lo"], "95% high": g["ci_hi"],
        "ratio": g["ratio"], "p (any pair)": g["p_value"], "p (this pair)": g["p_value_pair"],
        "detectable gap": g["min_detectable_gap"],
        "four-fifths": ["below 4/5" if f else "ok" for f in g["flag"]],
    })
    level = f"{result.level:.0%}"
    out = [
        f"<p><b>Difference</b> = highest − lowest group mean, over the groups compared; "
        f"<b>{level} low / high</b>: its <i>simultaneous</i> interval, wide enough to hold for "
        "every pair of groups at once, so it stays valid although the most extreme pair was "
        "picked after seeing the data; <b>ratio</b> = lowest / highest (below "
        f"{FOUR_FIFTHS:g} breaks the four-fifths rule, highlighted); <b>p (any pair)</b>: "
        "studentised permutation test that some pair of groups differs; <b>p (this pair)</b>: "
        "the shown pair's p-value adjusted for the choice (max-T), below "
        f"{1 - result.level:.2g} exactly when its interval leaves out 0; <b>detectable gap</b>: "
        "the smallest true gap between the pair found 80% of the time at these group sizes, "
        "so a p-value above 0.05 rules out gaps larger than this, not every gap "
        f"({result.n_permutations} shuffles, {result.n_bootstrap} bootstrap resamples).</p>",
        table(frame, flag=g["flag"].reset_index(drop=True)),
    ]
    left_out = _excluded(result)
    if left_out:
        out.append("<p>Left out of the gaps (shown in the group tables): " + "; ".join(
            f"<b>{esc(names.attribute(attr))}</b>: {esc(groups)}" for attr, groups in left_out.items())
            + ". Uninformative labels (unspecified, Unknown, missing) say nothing about the "
            f"users; small groups have fewer than {result.min_group_size} users.</p>")
    return "".join(out)


def _excluded(result: AuditResult) -> dict[str, str]:
    """``{attribute: "U (uninformative), ..."}`` over every metric of the attribute."""
    out: dict[str, dict] = {}
    for attr, excluded in zip(result.gaps["attribute"], result.gaps["excluded_groups"],
                              strict=True):
        out.setdefault(attr, {}).update(dict(excluded or {}))
    return {a: ", ".join(f"{g} ({why})" for g, why in d.items()) for a, d in out.items() if d}


def pairwise_section(result: AuditResult) -> str:
    p = result.pairwise
    if p is None or p.empty:
        return "<p>No pairs of groups to compare.</p>"
    rows = p[p["attribute"].isin(_singles(result)) & p["metric"].isin(_metrics(result))]
    frame = pd.DataFrame({
        "users by": rows["attribute"].map(names.attribute), "metric": rows["metric"].map(glossary.label),
        "pair (a − b)": [f"{a} − {b}" for a, b in zip(rows["group_a"], rows["group_b"],
                                                       strict=True)],
        "difference": rows["difference"], "95% low": rows["ci_lo"], "95% high": rows["ci_hi"],
        "p (one pair)": rows["p_value"], "p max-T": rows["p_adjusted_maxt"],
        "p Holm": rows["p_adjusted_holm"], "p BH": rows["p_adjusted_bh"],
    })
    return ("<p>Every pair of compared groups (difference a − b) with its simultaneous interval. "
            "<b>Adjusted for comparing many pairs</b>: with many groups some pair looks "
            "different by luck alone, so the p-values are adjusted within each attribute and "
            "metric — max-T (matches the intervals), Holm (controls the chance of any false "
            "finding) and Benjamini–Hochberg (controls the share of false findings). "
            "<i>p (one pair)</i> is not adjusted. Shown for "
            f"{esc(', '.join(glossary.label(m) for m in _metrics(result)))}; every metric's "
            "pairs are in metrics.json.</p>" + table(frame.reset_index(drop=True)))


def reference_section(result: AuditResult, figure: Figures) -> str:
    ref = result.reference
    if ref is None or ref.empty:
        return "<p>No reference group.</p>"
    out = ["<p>Each group's mean divided by the reference group's (the largest compared group "
           "unless chosen). The shaded band 0.8–1.25 is the four-fifths rule as Aequitas draws "
           "it; red bars fall outside it, grey groups are shown but not compared.</p>"]
    for attr in _singles(result):
        for metric in _metrics(result)[:1]:
            rows = ref[(ref["attribute"] == attr) & (ref["metric"] == metric)]
            if rows.empty:
                continue
            name = str(rows["reference"].iloc[0])
            out.append(f"<h3>{esc(names.attribute(attr))}</h3>")
            out.append(figure(charts.reference_ratios(rows.reset_index(drop=True),
                                                      glossary.label(metric), name)))
            out.append(table(pd.DataFrame({
                "group": rows["group"].astype(str), "mean": rows["mean"],
                f"{name}'s mean": rows["reference_mean"], "ratio": rows["ratio"],
                "outside band": [bool(f) for f in rows["flag"]],
            }).reset_index(drop=True), flag=rows["flag"].reset_index(drop=True)))
    return "".join(out)


def adjusted_section(result: AuditResult) -> str:
    a = result.adjusted
    if a is None or a.empty:
        return "<p>No gaps adjusted for activity.</p>"
    frame = pd.DataFrame({
        "users by": a["attribute"].map(names.attribute), "metric": a["metric"].map(glossary.label),
        "higher": a["group_high"].astype(str), "lower": a["group_low"].astype(str),
        "raw gap": a["raw_difference"], "adjusted gap": a["difference"],
        "95% low": a["ci_lo"], "95% high": a["ci_hi"], "p": a["p_value"],
        "explained": a["explained"], "share explained": a["share_explained"],
        "covariates": a["covariates"].astype(str),
    })
    return ("<p>The same headline pair's gap among users with equal activity (log of 1 + their "
            "number of training interactions, and any chosen user columns): <b>adjusted "
            "gap</b>, with its " f"{result.level:.0%} interval and p-value; <b>explained</b> = "
            "raw − adjusted, the part that goes with the groups' different activity, and its "
            "<b>share</b> of the raw gap. This is an association, not a cause: it says how much "
            "of the gap goes with activity, not that activity causes it, and a gap that goes "
            "with activity still affects those users.</p>" + table(frame.reset_index(drop=True)))
