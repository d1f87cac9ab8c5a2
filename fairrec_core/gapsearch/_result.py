"""What a gap search found: every evaluated setting, the best few with intervals, and the
answer in words."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from fairrec_core.gapsearch._target import GapTarget

#: Columns of :attr:`GapSearch.table`, in order (``setting`` parses with ``parse_rerank``).
TABLE_COLUMNS = ("reranker", "setting", "title", "strength", "gap", "ratio", "accuracy", "cost",
                 "cost_share", "meets", "pareto", "source", "best_group", "worst_group",
                 "distance", "params")


def title(reranker: str, params: dict | str) -> str:
    """A setting in words: "Narrow the accuracy gap between groups (strength 0.6, user groups
    gender)"; the model itself: "The model's own ranking"."""
    import json

    from fairrec_core import names
    from fairrec_core.reranking import RERANKERS

    if not reranker:
        return "The model's own ranking"
    params = json.loads(params) if isinstance(params, str) else params
    cls = RERANKERS[reranker]
    return names.reranker_setting(reranker, params, cls.STRENGTH)


@dataclass(frozen=True, eq=False)
class GapSearch:
    """The result of :func:`~fairrec_core.gapsearch.search_gap`.

    - ``model``: the model's own figures (``gap, ratio, accuracy``, groups).
    - ``table``: one row per evaluated setting plus the model's (``reranker`` ""): ``setting``
      (``NAME:key=value,...``), ``title`` (in words), ``strength``, ``gap`` (the audit's
      difference), ``ratio``, ``accuracy`` (overall NDCG@k), ``cost`` (model's accuracy minus
      this), ``cost_share`` (cost / model's accuracy), ``meets``, ``pareto`` (no other setting
      has both a smaller gap — larger ratio for a ratio target — and higher accuracy),
      ``source`` (``grid``, ``refined`` by bisection, or ``model``), ``params`` (JSON).
    - ``shortlist``: the least-cost setting that meets the target per re-ranker, cheapest first
      (or, when none meets, each one's closest), with the full audit's simultaneous interval
      of the gap ``ci_lo, ci_hi`` and the pair's max-T adjusted ``p_value`` (below 0.05
      exactly when the interval leaves out 0; ``n_resamples`` bootstrap resamples and
      permutations).
    - ``skipped``: re-rankers that cannot act on this gap, with the reason.
    """

    target: GapTarget
    k: int
    model: dict
    table: pd.DataFrame
    shortlist: pd.DataFrame
    skipped: dict = field(default_factory=dict)
    n_resamples: int = 0
    seconds: float = 0.0

    def __post_init__(self):
        for frame in (self.table, self.shortlist):
            if "title" not in frame:
                frame.insert(2, "title", [title(r, p) for r, p in
                                          zip(frame["reranker"], frame["params"], strict=True)])

    @property
    def met(self) -> bool:
        """True when some setting meets the target."""
        return bool(self.table["meets"].any())

    @property
    def model_meets(self) -> bool:
        return self.target.met(self.model["gap"], self.model["ratio"])

    @property
    def chosen(self) -> pd.Series | None:
        """The least-cost setting that meets the target (None when none does)."""
        return self.shortlist.iloc[0] if self.met and len(self.shortlist) else None

    @property
    def closest(self) -> pd.Series:
        """The setting nearest the target (least cost among the nearest)."""
        rows = self.table.sort_values(["distance", "cost"], kind="stable")
        return rows.iloc[0]

    def sentence(self) -> str:
        """The answer in one sentence."""
        want = self.target.sentence(self.k)
        if self.model_meets:
            return f"The model already meets the target ({want}): no re-ranking is needed."
        if self.met:
            best = self.chosen
            return (f"{best['title']} meets the target ({want}) at the least accuracy cost: "
                    f"gap {best['gap']:.4f}, accuracy {_pct(-best['cost_share'])}.")
        near = self.closest
        return (f"No setting meets the target ({want}). The closest is {near['title']}: gap "
                f"{near['gap']:.4f} (the model's: {self.model['gap']:.4f}), accuracy "
                f"{_pct(-near['cost_share'])}.")

    def to_dict(self) -> dict:
        """JSON-ready: target, model, met, chosen setting, shortlist and every setting."""
        def rows(frame):
            return [{c: _plain(v) for c, v in r.items()} for r in frame.to_dict("records")]

        chosen = self.chosen
        return {"target": {"attribute": self.target.attribute, "metric": self.target.metric,
                           "max_gap": self.target.max_gap, "min_ratio": self.target.min_ratio,
                           "spec": self.target.spec},
                "k": self.k, "model": {c: _plain(v) for c, v in self.model.items()},
                "met": self.met, "chosen": None if chosen is None else chosen["setting"],
                "sentence": self.sentence(), "n_resamples": self.n_resamples,
                "seconds": round(self.seconds, 3), "skipped": dict(self.skipped),
                "shortlist": rows(self.shortlist), "settings": rows(self.table)}


def _pct(x: float) -> str:
    return "unchanged" if abs(x) < 0.0005 else f"{x:+.1%}".replace("-", "−")


def _plain(v):
    if isinstance(v, float) or hasattr(v, "item"):
        v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
