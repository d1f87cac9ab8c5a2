"""The trade-off sweep: accuracy and fairness figures over a grid of one re-ranker's strength."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from fairrec_core.errors import DataError
from fairrec_core.ranking import RankedLists
from fairrec_core.reranking._base import Reranker

#: Default number of grid points over a parameter's range.
GRID_POINTS = 11


def sweep(
    reranker: Reranker,
    param: str | None = None,
    grid=None,
    *,
    context,
    candidates: RankedLists,
    k: int,
) -> pd.DataFrame:
    """One row per value of ``param`` (default: the re-ranker's strength; the Python name or
    the command-line key) over ``grid`` (default: 11 evenly spaced points over its range).

    Columns: the parameter (by its command-line key, e.g. ``lambda``), every overall figure of
    ``context.summarize`` (``ndcg@10``, ``calibration_kl@10``, ``aplt@10``, ...), the re-ranker's
    target figure ``TARGET@k`` when the audit does not report it (``protected_share@10``,
    ``parity_difference@10``, ``estimated_gap@10``), and ``pareto``: True where no other point
    has both higher NDCG and a better target figure. An unfitted re-ranker is fitted on
    ``context.train`` and ``candidates`` once; every point reuses that fit.
    """
    spec = _slider(reranker, param)
    values = spec.grid(GRID_POINTS) if grid is None else np.asarray(grid, dtype=float)
    for v in values:
        spec.check(float(v), reranker.NAME)
    if not hasattr(reranker, "_fitted_with_"):
        reranker.fit(context.train, candidates)
    target = f"{reranker.TARGET[0]}@{k}"
    rows = []
    for v in values:
        r = copy.copy(reranker).set_params(**{spec.name: float(v)})
        lists = r.rerank(candidates, k)
        row = {spec.key: float(v), **overall_figures(context.summarize(lists))}
        if target not in row:
            row[target] = r.target_value(lists, candidates)
        rows.append(row)
    frame = pd.DataFrame(rows)
    accuracy = f"ndcg@{k}"
    if accuracy in frame:
        frame["pareto"] = pareto_front(
            frame[accuracy].to_numpy(), frame[target].to_numpy(), reranker.TARGET[1]
        )
    return frame


def _slider(reranker: Reranker, param: str | None):
    if param is None:
        param = reranker.STRENGTH
    for spec in reranker.PARAMS.values():
        if param in (spec.name, spec.key):
            if not spec.is_slider:
                raise DataError(f"{reranker.NAME}: {spec.key} is not a numeric parameter")
            return spec
    sliders = ", ".join(s.key for s in reranker.PARAMS.values() if s.is_slider)
    raise DataError(f"{reranker.NAME}: no parameter {param!r} to sweep; sliders: {sliders}")


def overall_figures(summary) -> dict:
    """The overall figures of an audit summary as ``{"ndcg@10": value, ...}``."""
    overall = summary["overall"] if isinstance(summary, dict) else summary.overall
    if isinstance(overall, pd.Series):
        overall = overall.to_dict()
    return {str(k): float(v) for k, v in overall.items()}


def pareto_front(accuracy: np.ndarray, target: np.ndarray, direction: str) -> np.ndarray:
    """True for points that no other point beats on both accuracy (higher) and the target
    (lower for ``"down"``, higher for ``"up"``) while being strictly better on one."""
    goal = -np.asarray(target, float) if direction == "down" else np.asarray(target, float)
    acc = np.asarray(accuracy, float)
    ge = (acc[None, :] >= acc[:, None]) & (goal[None, :] >= goal[:, None])
    gt = (acc[None, :] > acc[:, None]) | (goal[None, :] > goal[:, None])
    return ~(ge & gt).any(axis=1)
