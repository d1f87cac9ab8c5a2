"""Before → after tables of two audit summaries (the model's lists and the re-ranked ones).
Pure pandas; no Streamlit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_app import glossary

GOOD, BAD = "background-color: #d3f9d8", "background-color: #ffe3e3"


def before_after(before, after, attribute: str) -> pd.DataFrame:
    """Long table ``metric, column, before, after, delta, better`` for every metric: one row per
    group mean of ``attribute`` and one each for its ``gap`` (max − min) and ``ratio``.
    ``better`` is True/False when the change goes the good/bad way, None when unchanged or when
    neither direction is better."""
    rows = []
    for metric in before.metrics:
        b = before.group_table(attribute, metric).set_index("group")["mean"]
        a = after.group_table(attribute, metric).set_index("group")["mean"]
        higher = glossary.info(metric).higher_is_better
        for group in b.index:
            rows.append((metric, str(group), b[group], a.get(group, np.nan), higher))
        bg, ag = before.gap(attribute, metric), after.gap(attribute, metric)
        rows.append((metric, "gap", bg["difference"], ag["difference"], False))
        rows.append((metric, "ratio", bg["ratio"], ag["ratio"], True))
    frame = pd.DataFrame(rows, columns=["metric", "column", "before", "after", "higher"])
    frame["delta"] = frame["after"] - frame["before"]
    moved = frame["delta"].abs() > 1e-12
    better = np.where(frame["higher"].isna() | ~moved, None,
                      np.where(frame["higher"].astype(bool), frame["delta"] > 0, frame["delta"] < 0))
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
