"""What a cold-start audit returns: overall figures, per user group, per item group and per
user, with their CSV and JSON forms."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from fairrec_core.errors import DataError

#: Every file :meth:`ColdStartResult.files` writes (what an output folder consists of).
COLDSTART_FILES = ("coldstart.json", "groups.csv", "items.csv", "users.csv")


def _num(x):
    if isinstance(x, float | int) and not isinstance(x, bool):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _num(v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


@dataclass(frozen=True, eq=False)
class ColdStartResult:
    """- ``overall``: Series — ``cold_ndcg@k`` ... (ranking among the cold items, users with
      cold-item interactions), ``warm_ndcg@k`` ... (among the warm items), ``cold_exposure_
      share@k`` (the cold items' share of all position-weighted exposure in the top-``k``
      over the catalogue), ``cold_catalogue_share``, ``cold_exposure_vs_catalogue@k`` (1 =
      in proportion), ``cold_coverage@k`` (share of cold items in someone's list),
      ``cold_users`` and ``warm_users`` (users evaluated);
    - ``groups``: long table ``attribute, group, metric, n_users, n, mean`` of those metrics
      and of each user's ``cold_exposure_share@k``;
    - ``gaps``: the audit's gap rows (difference, ratio, ...) of the accuracy metrics;
    - ``items``: per item attribute and value: ``n_items, n_cold, cold_exposure_share,
      cold_exposure_per_item, warm_exposure_per_item, cold_vs_warm, cold_listed,
      cold_relevant, cold_found``;
    - ``users``: one row per user with every per-user value.
    """

    k: int
    model: str
    cold_share: float
    n_items: int
    n_cold: int
    overall: pd.Series
    groups: pd.DataFrame
    gaps: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    notes: tuple[str, ...]

    def group_table(self, attribute: str) -> pd.DataFrame:
        """Per group of ``attribute``: ``n_users`` and every metric's mean as columns."""
        rows = self.groups[self.groups["attribute"] == attribute]
        if rows.empty:
            known = ", ".join(dict.fromkeys(self.groups["attribute"])) or "none"
            raise DataError(f"cold-start audit: no groups of {attribute!r}; audited: {known}")
        table = rows.pivot_table(index="group", columns="metric", values="mean", sort=False)
        sizes = rows.drop_duplicates("group").set_index("group")["n_users"]
        return pd.concat([sizes, table], axis=1).reset_index()

    def to_dict(self) -> dict:
        return {
            "k": self.k, "model": self.model, "cold_share": self.cold_share,
            "n_items": self.n_items, "n_cold": self.n_cold,
            "overall": {str(k): _num(float(v)) for k, v in self.overall.items()},
            "groups": _records(self.groups), "gaps": _records(self.gaps),
            "items": _records(self.items), "notes": list(self.notes),
        }

    def files(self, settings: dict | None = None) -> dict[str, str]:
        """``{name: text}`` of :data:`COLDSTART_FILES`; ``settings`` go into the JSON."""
        info = {"settings": settings or {}, **self.to_dict()}
        return {
            "coldstart.json": json.dumps(info, indent=2, allow_nan=False) + "\n",
            "groups.csv": self.groups.to_csv(index=False),
            "items.csv": self.items.to_csv(index=False),
            "users.csv": self.users.to_csv(index=False),
        }
