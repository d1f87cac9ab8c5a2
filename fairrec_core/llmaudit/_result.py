"""The result of an LLM audit: tables a page or a report reads without recomputing, and the
files the command line writes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from fairrec_core.mitigation._result import _plain

#: Per-answer scores, in table order (``ndcg`` and ``hit`` only with a holdout).
METRICS = ("jaccard", "serp", "prag", "popularity", "popularity_shift", "category_divergence",
           "ndcg", "hit")
#: Each metric in words (``k`` is filled in by :func:`metric_name`).
METRIC_NAMES = {
    "jaccard": "Jaccard@{k} with the neutral list",
    "serp": "SERP*@{k} with the neutral list",
    "prag": "PRAG*@{k} with the neutral list",
    "popularity": "mean popularity of the listed items",
    "popularity_shift": "popularity minus the neutral list's",
    "category_divergence": "category mix's divergence from the neutral list",
    "ndcg": "NDCG@{k} on the held-out items",
    "hit": "hit rate@{k} on the held-out items",
}
#: Columns of :attr:`LLMAuditResult.summary` (one row per attribute and metric).
SUMMARY_COLUMNS = ("attribute", "metric", "snsr", "snsv", "p_snsr", "p_snsv", "highest",
                   "lowest", "values", "anchors", "answers")
#: Columns of :attr:`LLMAuditResult.values` (one row per attribute, value and metric).
VALUE_COLUMNS = ("attribute", "value", "metric", "mean", "lo", "hi", "anchors", "answers")
#: Columns of :attr:`LLMAuditResult.categories` (category mix of each value's lists; ``js``:
#: the pooled mix's Jensen-Shannon divergence from the pooled neutral mix).
CATEGORY_COLUMNS = ("attribute", "value", "category", "share", "js")
#: The files :meth:`LLMAuditResult.files` gives (``report.html`` is the report's).
FILES = ("llm_audit.csv", "llm_audit_values.csv", "llm_audit.json")


def metric_name(metric: str, k: int) -> str:
    """``metric_name("prag", 10)`` -> "PRAG*@10 with the neutral list"."""
    return METRIC_NAMES.get(metric, metric).format(k=k)


@dataclass(frozen=True, eq=False)
class LLMAuditResult:
    """``summary``: per attribute and metric, FaiRLLM's SNSR (max − min of the values' means)
    and SNSV (their standard deviation) with permutation p-values, the values with the highest
    and lowest mean; ``values``: each value's mean with its interval over anchors (and the
    ``neutral`` row); ``categories``: each value's pooled category mix; ``scores``: one row per
    answer; ``grounded``: the grounding (:class:`~fairrec_core.llmaudit.Grounded`);
    ``settings``: k, permutations, seed, model, holdout, sizes."""

    summary: pd.DataFrame
    values: pd.DataFrame
    categories: pd.DataFrame
    scores: pd.DataFrame
    grounded: object
    settings: dict

    @property
    def k(self) -> int:
        return int(self.settings["k"])

    def grounding(self) -> pd.DataFrame:
        """Grounding rate and hallucinations per prompt attribute and value."""
        return self.grounded.by_group()

    def hallucinations(self) -> pd.DataFrame:
        return self.grounded.hallucinations()

    def row(self, attribute: str, metric: str) -> dict:
        """The summary row of ``attribute`` and ``metric`` as a dict."""
        s = self.summary
        hit = s[(s["attribute"] == attribute) & (s["metric"] == metric)]
        if not len(hit):
            raise KeyError(f"no summary for {attribute!r} and {metric!r}")
        return hit.iloc[0].to_dict()

    def detected(self, metric: str = "jaccard", *, alpha: float = 0.01,
                 statistic: str = "p_snsr") -> list[str]:
        """The attributes whose ``statistic`` (``p_snsr`` or ``p_snsv``) of ``metric`` is
        below ``alpha``."""
        s = self.summary[self.summary["metric"] == metric]
        return s.loc[s[statistic] < alpha, "attribute"].tolist()

    def value_table(self, metric: str, attribute: str) -> pd.DataFrame:
        """``value, mean, lo, hi, anchors, answers`` of one metric for ``attribute``'s values,
        the neutral row first."""
        v = self.values[self.values["metric"] == metric]
        rows = v[(v["attribute"] == attribute) | (v["attribute"] == "neutral")]
        return rows.drop(columns=["metric"]).reset_index(drop=True)

    def to_dict(self) -> dict:
        g = self.grounded
        return _plain({
            "settings": self.settings,
            "grounding": {"rate": g.rate, "titles": int(g.answers["titles"].sum()),
                          "grounded": int(g.answers["grounded"].sum()),
                          "by_group": self.grounding().to_dict("records"),
                          "hallucinations": self.hallucinations().head(50).to_dict("records")},
            "summary": self.summary.to_dict("records"),
            "values": self.values.to_dict("records"),
            "categories": self.categories.to_dict("records"),
        })

    def files(self) -> dict[str, str]:
        """``llm_audit.csv`` (the summary), ``llm_audit_values.csv`` (per value) and
        ``llm_audit.json`` (settings, grounding, summary, values, category mixes)."""
        text = json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
        return {"llm_audit.csv": self.summary.to_csv(index=False),
                "llm_audit_values.csv": self.values.to_csv(index=False),
                "llm_audit.json": text}
