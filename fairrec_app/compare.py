"""Before → after tables of two audit summaries (the model's lists and the re-ranked ones).
Pure pandas; no Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core import glossary

GOOD, BAD = "background-color: #d3f9d8", "background-color: #ffe3e3"


def before_after(before, after, attribute: str) -> pd.DataFrame:
    """Long table ``metric, column, before, after, delta, better`` for every metric: one row per
    group mean of ``attribute`` and one each for its ``gap`` (max − min) and ``ratio``.
    ``better`` is True/False when the change goes the good/bad way, None when unchanged or when
    neither direction is better. Vectorised (it runs on every slider move)."""
    keys = ["metric", "group"]
    b = before.groups.loc[before.groups["attribute"] == attribute, [*keys, "mean"]]
    a = after.groups.loc[after.groups["attribute"] == attribute, [*keys, "mean"]]
    groups = b.merge(a, on=keys, how="left", suffixes=("_b", "_a"), sort=False)
    gb = before.gaps.loc[before.gaps["attribute"] == attribute, ["metric", "difference", "ratio"]]
    ga = after.gaps.loc[after.gaps["attribute"] == attribute, ["metric", "difference", "ratio"]]
    gaps = gb.merge(ga, on="metric", how="left", suffixes=("_b", "_a"), sort=False)
    higher = {m: glossary.info(m).higher_is_better for m in before.metrics}
    order = list(dict.fromkeys(b["group"].astype(str)))
    columns = [*order, "gap", "ratio"]
    frame = pd.concat([
        pd.DataFrame({"metric": groups["metric"], "column": groups["group"].astype(str),
                      "before": groups["mean_b"], "after": groups["mean_a"],
                      "higher": groups["metric"].map(higher)}),
        pd.DataFrame({"metric": gaps["metric"], "column": "gap", "before": gaps["difference_b"],
                      "after": gaps["difference_a"], "higher": False}),
        pd.DataFrame({"metric": gaps["metric"], "column": "ratio", "before": gaps["ratio_b"],
                      "after": gaps["ratio_a"], "higher": True}),
    ], ignore_index=True)
    rank_m = {m: i for i, m in enumerate(before.metrics)}
    rank_c = {c: i for i, c in enumerate(columns)}
    frame = frame.iloc[np.lexsort((frame["column"].map(rank_c), frame["metric"].map(rank_m)))]
    frame = frame.reset_index(drop=True)
    frame["delta"] = frame["after"] - frame["before"]
    moved = (frame["delta"].abs() > 1e-12).to_numpy()
    up = frame["higher"].to_numpy(dtype=object)
    better = np.full(len(frame), None, dtype=object)
    defined = moved & np.array([h is not None and h == h for h in up])
    better[defined] = np.where(up[defined].astype(bool), frame["delta"].to_numpy()[defined] > 0,
                               frame["delta"].to_numpy()[defined] < 0)
    frame["better"] = better
    return frame.drop(columns="higher")


def wide(long: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(text, colours)``: metrics as rows (by label), groups + gap + ratio as columns; cells read
    ``before → after`` (or one value when unchanged); colours mark better / worse changes."""
    text = long.assign(cell=[_cell(b, a) for b, a in zip(long["before"], long["after"], strict=True)])
    colour = long.assign(cell=[GOOD if v is True else BAD if v is False else ""
                               for v in long["better"]])
    cols = list(dict.fromkeys(long["column"]))
    metrics = list(dict.fromkeys(long["metric"]))
    out = []
    for frame in (text, colour):
        w = frame.pivot(index="metric", columns="column", values="cell").loc[metrics, cols]
        w.index = [glossary.label(m) for m in metrics]
        w.index.name = "metric"
        w.columns.name = None
        out.append(w)
    return out[0], out[1]


def _cell(before: float, after: float) -> str:
    if np.isnan(before) and np.isnan(after):
        return "—"
    if abs(after - before) < 5e-4 or np.isnan(after):
        return f"{before:.3f}"
    return f"{before:.3f} → {after:.3f}"
