"""The LLM-audit section of a report (``llm-audit audit``'s ``report.html``): what was asked,
SNSR / SNSV per attribute with their permutation p-values, each attribute's value chart, the
popularity and category shifts, true-preference accuracy and the grounding."""

from __future__ import annotations

import pandas as pd

from fairrec_core.report._html import Figures, ci, esc, fmt, table

#: The metrics charted per attribute (the rest are in the tables).
CHARTED = ("jaccard", "prag", "category_divergence")
#: p-values below this are highlighted.
ALPHA = 0.01


def _summary(result) -> pd.DataFrame:
    from fairrec_core.llmaudit import metric_name
    from fairrec_core.names import attribute

    s = result.summary
    return pd.DataFrame({
        "attribute": s["attribute"].map(attribute), "metric": s["metric"].map(
            lambda m: metric_name(m, result.k)),
        "SNSR (max − min)": s["snsr"], "p (SNSR)": s["p_snsr"], "SNSV (std)": s["snsv"],
        "p (SNSV)": s["p_snsv"], "highest": s["highest"].astype(str),
        "lowest": s["lowest"].astype(str), "values": s["values"], "answers": s["answers"]})


def _values(result) -> pd.DataFrame:
    from fairrec_core.llmaudit import metric_name

    v = result.values
    return pd.DataFrame({
        "attribute": v["attribute"].astype(str), "value": v["value"].astype(str),
        "metric": v["metric"].map(lambda m: metric_name(m, result.k)),
        "mean [95% interval over anchors]": [ci(m, lo, hi) for m, lo, hi in
                                             zip(v["mean"], v["lo"], v["hi"], strict=True)],
        "anchors": v["anchors"], "answers": v["answers"]})


def llm_audit_section(result, figure: Figures) -> str:
    """HTML of a :class:`~fairrec_core.llmaudit.LLMAuditResult`, charts through ``figure``."""
    from fairrec_core.charts import mix_bars
    from fairrec_core.llmaudit import llm_audit_chart
    from fairrec_core.names import attribute as words

    st = result.settings
    g = result.grounded
    out = [f"<p>Model <b>{esc(st['model'])}</b>: {st['answers']:,} answers from "
           f"{st['anchors']:,} anchors, up to {st['samples']} samples per prompt, lists cut at "
           f"k = {result.k}. {fmt(g.rate)} of the {int(g.answers['titles'].sum()):,} titles "
           "were matched to catalogue items.</p>",
           "<p>Each answer to a prompt naming a sensitive value is compared with the neutral "
           "answers of the same anchor (Jaccard, SERP*, PRAG*; FaiRLLM, Zhang et al. 2023). "
           "SNSR is the range of the values' mean similarity, SNSV its standard deviation. "
           f"p-values: {st['permutations']:,} shuffles of the value labels among each anchor's "
           "answers — the model's own sampling variation is the null. Highlighted: p &lt; "
           f"{ALPHA}.</p>"]
    s = result.summary
    out.append(table(_summary(result), flag=(s["p_snsr"] < ALPHA).reset_index(drop=True)))
    for attribute in dict.fromkeys(s["attribute"]):
        out.append(f"<h3>{esc(words(attribute))}</h3>")
        for metric in CHARTED:
            if ((s["attribute"] == attribute) & (s["metric"] == metric)).any():
                out.append(figure(llm_audit_chart(result, attribute, metric)))
        cats = result.categories
        mine = cats[cats["attribute"].isin([attribute, "neutral"])]
        if len(mine):
            wide = mine.pivot_table(index="value", columns="category", values="share",
                                    sort=False)
            wide.index.name, wide.columns.name = "group", None
            out.append(figure(mix_bars(wide, f"Category mix of the lists by {words(attribute)}")))
    out.append("<details><summary>Every value and metric</summary>"
               f"{table(_values(result))}</details>")
    grounding = g.by_group()
    out.append("<h3>Grounding</h3>" + table(grounding.astype({"attribute": str, "value": str})))
    top = g.hallucinations().head(20)
    if len(top):
        out.append("<details><summary>Most frequent unmatched titles</summary>"
                   f"{table(top)}</details>")
    out.append('<p class="note">PRAG*@k as the paper defines it reaches (k − 1) / (2 (k + 1)) '
               "for two equal lists, not 1. The neutral row of a similarity compares neutral "
               "answers with each other. Popularity: training interactions per listed item; "
               "category divergence: Jensen-Shannon (bits) from the anchor's neutral mix.</p>")
    return "".join(out)


def render_llm_audit(result, *, title: str, dataset_summary: dict, settings: dict) -> str:
    """A self-contained HTML document of ``result`` (plotly.js embedded once)."""
    from fairrec_core.report._mitigation import standalone

    body = llm_audit_section(result, Figures())
    return standalone(title, "llm-audit", "LLM recommender audit: does naming who asks change "
                      "the list?", body, dataset_summary=dataset_summary, settings=settings)
