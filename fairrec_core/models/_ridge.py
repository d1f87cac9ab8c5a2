"""Ridge regression in closed form: the map from item features to learned item factors that
serves items without interactions (cold start)."""

from __future__ import annotations

import numpy as np

from fairrec_core.errors import ModelError


def ridge_map(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """The ridge map from ``x`` (``[n, d]``) to ``y`` (``[n, t]``) with an unpenalised
    intercept: ``W = (Xc'Xc + alpha I)^-1 Xc'Yc`` on the centred data and ``b = mean(y) -
    mean(x) W`` (scikit-learn's ``Ridge(alpha, fit_intercept=True)``). Returned stacked,
    float64 ``[d + 1, t]``: rows ``0..d-1`` are ``W``, the last row ``b``; apply it with
    :func:`apply_map`. Solved in float64."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y) or len(x) == 0:
        raise ModelError(f"ridge map: features {x.shape} and targets {y.shape} do not agree")
    if not float(alpha) > 0:
        raise ModelError(f"ridge map: alpha must be positive, got {alpha!r}")
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_mean, y - y_mean
    gram = xc.T @ xc
    gram[np.diag_indices_from(gram)] += float(alpha)
    w = np.linalg.solve(gram, xc.T @ yc)
    return np.vstack([w, y_mean - x_mean @ w])


def apply_map(x: np.ndarray, stacked: np.ndarray) -> np.ndarray:
    """``x @ W + b`` for a map from :func:`ridge_map` (float64)."""
    x = np.asarray(x, dtype=np.float64)
    return x @ stacked[:-1] + stacked[-1]
