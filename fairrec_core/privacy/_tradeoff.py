"""The privacy-accuracy-fairness trade-off of DP-SGD training (issue 17): BPR or the two-tower
model trained at several ε, each model's top-k lists audited on one attribute — overall NDCG@k and each group's with
bootstrap intervals, the gap with its simultaneous interval and permutation p-value, all from
:meth:`fairrec_core.audit.AuditContext.audit`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from fairrec_core.errors import DataError

#: The DP-SGD settings of ``benchmarks/bench_privacy.py --part training`` (picked from a handful
#: of ε = 8 runs on MovieLens 100K, not tuned per ε).
DP_BPR = {"factors": 16, "lr": 0.002, "epochs": 30}
#: The two-tower's (picked from a handful of ε = 8 runs on MovieLens 100K: 30 epochs and 256
#: negatives per user 0.206 NDCG@10; lr 0.006 0.199, 64 negatives 0.194, 60 epochs 0.189, a
#: full batch of users 0.209-0.216 at 3-7x the time; not tuned per ε).
DP_TWOTOWER = {"epochs": 30, "lr": 0.02, "dp_negatives": 256}
#: The models DP-SGD can train, each with its default settings for :func:`dp_tradeoff`.
DP_MODELS = {"bpr": DP_BPR, "twotower": DP_TWOTOWER}
#: The ε of the benchmark; ``inf`` is ordinary training (no clipping, no noise).
EPSILONS = (math.inf, 8.0, 4.0, 2.0, 1.0)
#: Columns of the table :func:`dp_tradeoff` returns, one row per ε and series.
COLUMNS = ("epsilon", "epsilon_spent", "series", "group", "n_users", "value", "ci_lo", "ci_hi",
           "p_value", "ratio", "max_group", "min_group")

Progress = Callable[[float, str], None]


def _check(epsilons: Sequence[float]) -> tuple[float, ...]:
    out = []
    for e in epsilons:
        try:
            e = float(e)
        except (TypeError, ValueError):
            raise DataError(f"dp_tradeoff: ε must be numbers, got {e!r}") from None
        if not (e > 0 or math.isinf(e)) or math.isnan(e):
            raise DataError(f"dp_tradeoff: ε must be positive or inf, got {e!r}")
        out.append(e)
    if not out:
        raise DataError("dp_tradeoff: no ε to train at")
    if len(set(out)) != len(out):
        raise DataError("dp_tradeoff: an ε is listed twice")
    return tuple(out)


def train_at(train, epsilon: float, params: dict, infinity_params: dict | None, progress=None,
             *, model: str = "bpr"):
    """The ``model`` (a key of :data:`DP_MODELS`) of one point: DP-SGD at ``epsilon`` with
    ``params``; at ``inf`` ordinary training with ``infinity_params`` (None: ``params`` without
    DP and without a validation holdout, so that only the clipping and noise differ)."""
    from fairrec_core.models import MODELS

    if math.isinf(epsilon):
        settings = ({**params, "validation": 0.0} if infinity_params is None
                    else dict(infinity_params))
        settings["dp_epsilon"] = 0.0
    else:
        settings = {**params, "dp_epsilon": float(epsilon)}
    return MODELS[model](**settings).fit(train, progress=progress)


def point_rows(res, attribute: str, k: int, epsilon: float, spent) -> list[dict]:
    """The rows of one ε: overall, each group, the gap — read off the audit ``res``."""
    metric = f"ndcg@{k}"
    base = {"epsilon": epsilon, "epsilon_spent": spent, "p_value": np.nan, "ratio": np.nan,
            "max_group": None, "min_group": None}
    ci = res.overall_ci.set_index("metric").loc[metric]
    rows = [{**base, "series": "overall", "group": None, "n_users": res.n_evaluated,
             "value": float(res.overall[metric]), "ci_lo": float(ci["ci_lo"]),
             "ci_hi": float(ci["ci_hi"])}]
    for r in res.group_table(attribute, metric).itertuples():
        rows.append({**base, "series": "group", "group": str(r.group), "n_users": int(r.n),
                     "value": float(r.mean), "ci_lo": float(r.ci_lo), "ci_hi": float(r.ci_hi)})
    gap = res.gap(attribute, metric)
    rows.append({**base, "series": "gap", "group": f"{gap['max_group']} − {gap['min_group']}",
                 "n_users": None, "value": float(gap["difference"]),
                 "ci_lo": float(gap["ci_lo"]), "ci_hi": float(gap["ci_hi"]),
                 "p_value": float(gap["p_value"]), "ratio": float(gap["ratio"]),
                 "max_group": str(gap["max_group"]),
                 "min_group": str(gap["min_group"])})
    return rows


def dp_tradeoff(train, test, *, epsilons: Sequence[float] = EPSILONS, attribute: str = "gender",
                k: int = 10, model: str = "bpr", params: dict | None = None,
                infinity_params: dict | None = None, n_bootstrap: int = 1000, n_permutations: int = 1000, seed: int | None = 0,
                progress: Progress | None = None) -> pd.DataFrame:
    """Train ``model`` (``"bpr"`` or ``"twotower"``) at each ε of ``epsilons`` on ``train``
    (DP-SGD with ``params``, default the model's entry of :data:`DP_MODELS`; ``inf``: see
    :func:`train_at`), recommend ``k`` items to every user with test
    items and audit the lists on ``attribute``.

    Returns a tidy table (:data:`COLUMNS`), ε in the order given: per ε, ``series`` "overall"
    (``value`` NDCG@k, bootstrap interval), "group" (one row per group of ``attribute``,
    ``n_users`` with a value) and "gap" (``group`` "max − min", ``value`` the difference, its
    simultaneous interval, ``p_value`` the permutation p-value, ``ratio`` min / max); ``epsilon_spent`` is the
    accountant's ε (``dp_epsilon_spent_``, NaN at ``inf``). ``progress(fraction, text)`` follows
    every epoch of every training."""
    from fairrec_core.audit import AuditContext
    from fairrec_core.models import top_n

    epsilons = _check(epsilons)
    if model not in DP_MODELS:
        raise DataError(f"dp_tradeoff: model must be one of {', '.join(DP_MODELS)}, got "
                        f"{model!r}")
    params = dict(DP_MODELS[model] if params is None else params)
    ctx = AuditContext(train, test, k=k, groups=[attribute], intersections=False)
    users = np.flatnonzero(test.user_counts > 0)
    rows: list[dict] = []
    n = len(epsilons)
    for i, eps in enumerate(epsilons):
        label = "no privacy (ε = ∞)" if math.isinf(eps) else f"ε = {eps:g}"

        def report(p, i=i, label=label):
            if progress is not None:
                progress((i + min(1.0, p.step / max(1, p.total))) / n, f"{label}: {p.message}")

        fitted = train_at(train, eps, params, infinity_params, report, model=model)
        res = ctx.audit(top_n(fitted, users, k), n_bootstrap=n_bootstrap,
                        n_permutations=n_permutations, seed=seed)
        spent = fitted.dp_epsilon_spent_
        rows += point_rows(res, attribute, k, eps, np.nan if spent is None else float(spent))
        if progress is not None:
            progress((i + 1) / n, f"{label}: audited")
    return pd.DataFrame(rows, columns=list(COLUMNS))
