"""The result of a run: the long per-round table, bands over seeds, each seed's drift, files."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# one JSON cleaner for the result files (NaN -> null, numpy scalars -> Python)
from fairrec_core.mitigation._result import _plain

#: Columns of :attr:`FeedbackResult.table` (one row per arm, seed, round, group and metric).
TABLE_COLUMNS = ("arm", "seed", "round", "attribute", "group", "metric", "value")
#: Columns of :meth:`FeedbackResult.bands`.
BAND_COLUMNS = ("arm", "round", "attribute", "group", "metric", "mean", "lo", "hi", "n_seeds")
#: The files :meth:`FeedbackResult.files` writes.
FILES = ("rounds.csv", "feedback.json")
#: How drift is measured: the least-squares slope per round, or the last round minus round 0.
DRIFT = ("slope", "change")
LEVEL = 0.95


def t_interval(values, level: float = LEVEL) -> tuple[float, float, float, int]:
    """``(mean, lo, hi, n)``: the mean of the finite ``values`` with its Student-t interval
    (NaN bounds for fewer than two values)."""
    from scipy import stats

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(v.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def drift_of(rows: pd.DataFrame, how: str = "slope") -> pd.Series:
    """Per seed, the drift of ``rows`` (one metric of one group: columns ``seed, round,
    value``): ``slope`` = the least-squares change per round, ``change`` = the last round's
    value minus round 0's. Seeds with fewer than two finite rounds get NaN."""
    if how not in DRIFT:
        from fairrec_core.errors import DataError

        raise DataError(f"drift {how!r}: expected one of {', '.join(DRIFT)}")
    out = {}
    for seed, part in rows.groupby("seed", sort=True):
        part = part[np.isfinite(part["value"].to_numpy(float))].sort_values("round")
        x, y = part["round"].to_numpy(float), part["value"].to_numpy(float)
        if len(x) < 2:
            out[seed] = math.nan
        elif how == "slope":
            out[seed] = float(np.polyfit(x, y, 1)[0])
        else:
            out[seed] = float(y[-1] - y[0])
    return pd.Series(out, name=how, dtype=float)


@dataclass
class FeedbackResult:
    """``table``: columns :data:`TABLE_COLUMNS`, ``attribute == group == "all"`` over every
    user; ``arm`` names the setting (``plain`` or the re-ranker chain); ``settings`` everything
    the run was asked; ``assumption`` what the truth rests on; ``stopped``: ended early (the
    finished rounds are kept)."""

    table: pd.DataFrame
    arm: str
    settings: dict
    assumption: str
    stopped: bool = False
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def series(self, metric: str, attribute: str = "all", group: str = "all") -> pd.DataFrame:
        """The rows of one metric of one group (every seed and round)."""
        t = self.table
        rows = t[(t["metric"] == metric) & (t["attribute"] == attribute) & (t["group"] == group)]
        if rows.empty:
            from fairrec_core.errors import DataError

            raise DataError(f"feedback: no {metric!r} for {attribute}={group}")
        return rows

    def bands(self, level: float = LEVEL) -> pd.DataFrame:
        """Per arm, round, group and metric: the mean over seeds and its t interval."""
        keys = ["arm", "round", "attribute", "group", "metric"]
        rows = []
        for key, part in self.table.groupby(keys, sort=False):
            rows.append((*key, *t_interval(part["value"], level)))
        return pd.DataFrame(rows, columns=list(BAND_COLUMNS))

    def drift(self, metric: str, attribute: str = "all", group: str = "all", *,
              how: str = "slope") -> pd.Series:
        """Per seed, the drift of one metric of one group (:func:`drift_of`)."""
        return drift_of(self.series(metric, attribute, group), how)

    def to_dict(self, level: float = LEVEL) -> dict:
        """Settings, the assumption, and per metric and group the drift (slope per round and
        change from round 0 to the last) with its interval over seeds."""
        drifts = []
        for (attribute, group, metric), rows in self.table.groupby(
                ["attribute", "group", "metric"], sort=False):
            entry = {"attribute": attribute, "group": group, "metric": metric}
            for how in DRIFT:
                mean, lo, hi, n = t_interval(drift_of(rows, how), level)
                entry[how] = {"mean": mean, "lo": lo, "hi": hi, "n_seeds": n}
            drifts.append(entry)
        return _plain({"arm": self.arm, "settings": self.settings,
                       "assumption": self.assumption, "stopped": self.stopped,
                       "seconds": round(self.seconds, 3), "level": level,
                       "rounds_done": int(self.table["round"].max() + 1) if len(self.table) else 0,
                       "drift": drifts, **self.extra})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"

    def files(self) -> dict[str, str]:
        """``{file name: text}`` of :data:`FILES`: the long table and the summary."""
        return {"rounds.csv": self.table.to_csv(index=False), "feedback.json": self.to_json()}

