"""The result of a sweep: one row per lever and strength, the accuracy-vs-gap Pareto front,
the best point within an accuracy budget, and its files."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fairrec_core.mitigation._target import MitigationTarget

#: The leading columns of :attr:`MitigationResult.table`; every metric overall (``ndcg@10``)
#: and per group (``ndcg@10 gender=F``) follows (item side: also ``exposure_share`` and
#: ``catalogue_share`` of the protected items).
TABLE_COLUMNS = ("lever", "strength", "setting", "model", "note", "accuracy", "gap", "gap_lo",
                 "gap_hi", "p_value", "accuracy_change", "gap_change", "seconds")
#: The files :meth:`MitigationResult.files` writes.
FILES = ("mitigation.csv", "mitigation.json")
#: Default relative accuracy loss allowed by :meth:`MitigationResult.best`.
MAX_LOSS = 0.03


@dataclass
class MitigationResult:
    """``table``: one row per lever x strength (strength 0 is the plain model, shared by every
    lever), columns :data:`TABLE_COLUMNS` then the metrics. ``accuracy`` is overall NDCG@k;
    ``gap`` the target's gap (``gap_lo``/``gap_hi`` its interval); ``accuracy_change`` =
    accuracy / plain accuracy - 1 and ``gap_change`` = |gap| / |plain gap| - 1 (-0.5: the gap
    halved). A lever the model lacks is one row with a ``note`` and no figures.
    ``lists[(lever, strength)]`` are each point's top-k (not saved)."""

    target: MitigationTarget
    k: int
    model: str
    params: dict
    levers: tuple
    strengths: tuple
    table: pd.DataFrame
    stopped: bool = False
    n_bootstrap: int = 0
    n_permutations: int = 0
    seconds: float = 0.0
    lists: dict = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, rows: list[dict], **kw) -> MitigationResult:
        table = pd.DataFrame(rows)
        for column in TABLE_COLUMNS:
            if column not in table.columns:
                table[column] = np.nan
        plain = table[(table["strength"] == 0) & (table["note"] == "")]
        acc0 = float(plain["accuracy"].iloc[0]) if len(plain) else math.nan
        gap0 = abs(float(plain["gap"].iloc[0])) if len(plain) else math.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            table["accuracy_change"] = table["accuracy"] / acc0 - 1.0 if acc0 else math.nan
            table["gap_change"] = table["gap"].abs() / gap0 - 1.0 if gap0 else math.nan
        order = {lever: i for i, lever in enumerate(kw["levers"])}
        table["_order"] = table["lever"].map(order)
        table = table.sort_values(["_order", "strength"], kind="stable").drop(columns="_order")
        rest = [c for c in table.columns if c not in TABLE_COLUMNS]
        table = table[list(TABLE_COLUMNS) + rest].reset_index(drop=True)
        return cls(table=table, **kw)

    @property
    def points(self) -> pd.DataFrame:
        """The rows with figures (not the notes of missing levers)."""
        t = self.table
        return t[(t["note"] == "") & np.isfinite(t["accuracy"].astype(float))
                 & np.isfinite(t["gap"].astype(float))]

    @property
    def pareto(self) -> pd.DataFrame:
        """The points no other point beats on both accuracy (higher) and |gap| (lower), the
        plain model once (:func:`fairrec_core.reranking.pareto_front`)."""
        from fairrec_core.reranking import pareto_front

        pts = self.points
        pts = pts[~((pts["strength"] == 0) & pts.duplicated(["strength", "setting"]))]
        keep = pareto_front(pts["accuracy"].to_numpy(float), pts["gap"].abs().to_numpy(float),
                            "down")
        return pts[keep]

    def best(self, max_loss: float = MAX_LOSS) -> pd.Series | None:
        """The point with the largest gap cut (smallest ``gap_change``; then the higher
        accuracy) among those losing at most ``max_loss`` of the plain model's accuracy
        (relative); None when nothing was measured."""
        pts = self.points
        pts = pts[pts["accuracy_change"] >= -float(max_loss)]
        if pts.empty:
            return None
        return pts.sort_values(["gap_change", "accuracy"], ascending=[True, False],
                               kind="stable").iloc[0]

    @property
    def notes(self) -> dict[str, str]:
        """``{lever: why it was not pulled}``."""
        t = self.table[self.table["note"] != ""]
        return dict(zip(t["lever"], t["note"], strict=True))

    def to_dict(self, max_loss: float = MAX_LOSS) -> dict:
        best = self.best(max_loss)
        return {
            "target": {"side": self.target.side, "attribute": self.target.attribute,
                       "metric": self.target.metric, "item_attribute": self.target.item_attribute,
                       "protected": self.target.protected, "spec": self.target.spec},
            "k": self.k, "model": self.model, "params": _plain(self.params),
            "levers": list(self.levers), "strengths": list(self.strengths),
            "n_bootstrap": self.n_bootstrap, "n_permutations": self.n_permutations,
            "stopped": self.stopped, "seconds": round(self.seconds, 3),
            "notes": self.notes, "max_loss": max_loss,
            "best": None if best is None else _records(best.to_frame().T)[0],
            "pareto": _records(self.pareto[["lever", "strength", "setting", "accuracy", "gap"]]),
            "table": _records(self.table),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def files(self) -> dict[str, str]:
        """``{file name: text}`` of :data:`FILES` (the table as CSV, everything as JSON)."""
        return {"mitigation.csv": self.table.to_csv(index=False),
                "mitigation.json": self.to_json()}

    def save(self, folder) -> None:
        """Write :meth:`files` into ``folder`` (each file atomically)."""
        from pathlib import Path

        from fairrec_core.outputs import write_atomic

        Path(folder).mkdir(parents=True, exist_ok=True)
        for name, text in self.files().items():
            write_atomic(Path(folder) / name, text)


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
