"""A differentially private release of an audit's group means (:func:`private_release`).

Unit of privacy: one user (add or remove one user's lists and held-out items). Each user counts
once: users with held-out items, their accuracy metrics clipped to the documented bounds
(:mod:`._bounds`). Per attribute and group the release adds calibrated noise (:mod:`._mechanism`)
to the count of users, the sum of each metric and the sum of its squares, under the split of
:mod:`._split`. Group keys are public (:mod:`._keys`). Everything else — means, suppression of
groups whose noisy count is below a threshold, intervals, gaps and p-values (:mod:`._intervals`),
the overall means (the sums over the first attribute's groups) — is computed from the noisy
values only, so it is covered by the same budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit import FOUR_FIFTHS, MIN_GROUP_SIZE
from fairrec_core.privacy._bounds import DEFAULT_PRIVATE_METRICS, METRIC_BOUNDS, check_metrics
from fairrec_core.privacy._errors import PrivacyError
from fairrec_core.privacy._intervals import (
    estimates,
    gaussian_noise,
    laplace_noise,
    percentile,
    range_p_value,
    simulate,
)
from fairrec_core.privacy._keys import release_keys
from fairrec_core.privacy._mechanism import add_noise, calibrate
from fairrec_core.privacy._result import PrivateRelease
from fairrec_core.privacy._split import budget_parts

#: Parametric-bootstrap draws for the intervals and p-values.
N_SIMULATIONS = 2000


def private_release(ctx, lists, *, epsilon: float, delta: float = 0.0,
                    metrics=DEFAULT_PRIVATE_METRICS, attributes=None,
                    intersections: bool | None = None,
                    threshold: float | None = None, level: float = 0.95,
                    n_simulations: int = N_SIMULATIONS, seed: int | None = None,
                    ledger=None, what: str = "audit") -> PrivateRelease:
    """The private release of ``lists`` audited by ``ctx`` (an
    :class:`~fairrec_core.audit.AuditContext`) under a total budget ``epsilon`` (and ``delta``:
    0 = Laplace noise, pure ε-DP; > 0 = Gaussian noise, zCDP converted to (ε, δ)).

    ``metrics``: accuracy metrics to release (``"ndcg"``, ...; at cutoff ``ctx.k``);
    ``attributes``: the attributes (or intersections, ``"gender & region"``) to release
    (default: every single attribute of the context and, with ``intersections`` — default: as
    the context — every pair of them); ``threshold``:
    groups whose noisy count is below it are suppressed (default, per attribute:
    :data:`~fairrec_core.audit.MIN_GROUP_SIZE` plus twice the standard deviation of the count's
    noise, so that a group shown has most likely at least that many users); ``seed``: repeatable noise (numpy at
    OpenDP's scales) — without it OpenDP's own sampler draws the noise. A ``ledger``
    (:class:`~fairrec_core.privacy.BudgetLedger`) is charged before any noise is drawn, and
    refuses a release beyond its budget (:class:`~fairrec_core.privacy.PrivacyError`)."""
    names = check_metrics(metrics)
    if not 0 < level < 1:
        raise PrivacyError(f"private release: level must be between 0 and 1, got {level}")
    if int(n_simulations) < 100:
        raise PrivacyError("private release: at least 100 simulations are needed")
    keys = release_keys(ctx, intersections=intersections, attributes=attributes)
    if not keys:
        raise PrivacyError("private release: no user attribute to release groups of")
    accounting = calibrate(budget_parts([k.attribute for k in keys], names),
                           epsilon=epsilon, delta=delta)
    frame = ctx.user_metrics(lists)
    frame = frame[frame["n_test"] > 0]
    users = frame["user"].to_numpy(np.int64)
    values = {m: np.clip(frame[m].to_numpy(np.float64), *METRIC_BOUNDS[m]) for m in names}
    if ledger is not None:
        ledger.charge(accounting.epsilon, accounting.delta, what=what,
                      released=f"{', '.join(f'{m}@{ctx.k}' for m in names)} by "
                               f"{', '.join(k.attribute for k in keys)}",
                      mechanism=accounting.mechanism)
    root = np.random.default_rng(seed)
    noise_rng, sim_rng = root.spawn(2)
    if seed is None:
        noise_rng = None  # OpenDP's sampler
    noisy = {}
    for key in keys:
        codes = key.codes[users]
        size = len(key.labels)
        q = accounting.query(key.attribute, "count")
        noisy[key.attribute, "count"] = add_noise(
            np.bincount(codes, minlength=size).astype(np.float64), q, accounting.mechanism,
            noise_rng)
        for m in names:
            for stat, x in (("sum", values[m]), ("sumsq", values[m] ** 2)):
                q = accounting.query(key.attribute, f"{stat}:{m}")
                noisy[key.attribute, f"{stat}:{m}"] = add_noise(
                    np.bincount(codes, weights=x, minlength=size), q, accounting.mechanism,
                    noise_rng)
    return _assemble(ctx, keys, names, accounting, noisy, threshold=threshold,
                     level=float(level), n_simulations=int(n_simulations), rng=sim_rng,
                     seed=seed)


def _assemble(ctx, keys, names, accounting, noisy, *, threshold, level, n_simulations, rng,
              seed) -> PrivateRelease:
    noise = laplace_noise if accounting.mechanism == "laplace" else gaussian_noise
    std = {(q.grouping, q.statistic): accounting.noise_std(q) for q in accounting.queries}
    group_rows, gap_rows, thresholds = [], [], {}
    for key in keys:
        count = noisy[key.attribute, "count"]
        cut = (MIN_GROUP_SIZE + 2.0 * std[key.attribute, "count"] if threshold is None
               else float(threshold))
        thresholds[key.attribute] = cut
        shown = count >= cut
        compared = shown & (~key.uninformative if not ctx.include_uninformative else True)
        shape = (n_simulations, len(key.labels))
        count_noise = noise(rng, std[key.attribute, "count"], shape)
        for m in names:
            lo, hi = METRIC_BOUNDS[m]
            total, squares = noisy[key.attribute, f"sum:{m}"], noisy[key.attribute, f"sumsq:{m}"]
            n, mean, var = estimates(count, total, squares, lo, hi)
            sample_z = rng.standard_normal(shape)
            sum_noise = noise(rng, std[key.attribute, f"sum:{m}"], shape)
            draws = simulate(n, mean, var, sample_z, sum_noise, count_noise, lo, hi)
            ci_lo, ci_hi = percentile(draws, level)
            label = f"{m}@{ctx.k}"
            for j, group in enumerate(key.labels):
                ok = bool(shown[j])
                group_rows.append({
                    "attribute": key.attribute, "group": group, "metric": label,
                    "n_noisy": float(count[j]) if ok else np.nan, "suppressed": not ok,
                    "compared": bool(compared[j]),
                    "sum_noisy": float(total[j]) if ok else np.nan,
                    "sumsq_noisy": float(squares[j]) if ok else np.nan,
                    "mean": float(mean[j]) if ok else np.nan,
                    "ci_lo": float(ci_lo[j]) if ok else np.nan,
                    "ci_hi": float(ci_hi[j]) if ok else np.nan,
                })
            idx = np.flatnonzero(compared)
            pooled = float(np.clip(total[idx].sum() / max(count[idx].sum(), 1.0), lo, hi))
            null = simulate(n[idx], np.full(len(idx), pooled), var[idx], sample_z[:, idx],
                            sum_noise[:, idx], count_noise[:, idx], lo, hi)
            gap_rows.append(_gap(key, label, idx, mean, draws, null, level))
    overall = _overall(ctx, keys[0], names, noisy, std, noise, rng, n_simulations, level)
    return PrivateRelease(
        k=ctx.k, metrics=tuple(f"{m}@{ctx.k}" for m in names), accounting=accounting,
        groups=pd.DataFrame(group_rows), gaps=pd.DataFrame(gap_rows), overall=overall,
        thresholds=thresholds, level=level, n_simulations=n_simulations, seeded=seed is not None,
        attributes=tuple(k.attribute for k in keys))


def _gap(key, label, idx, mean, draws, null, level) -> dict:
    row = {"attribute": key.attribute, "metric": label, "difference": np.nan, "ci_lo": np.nan,
           "ci_hi": np.nan, "ratio": np.nan, "flag": False, "max_group": None,
           "min_group": None, "n_groups": int(len(idx)), "p_value": np.nan}
    if len(idx) < 2:
        return row
    a = idx[np.argmax(mean[idx])]
    b = idx[np.argmin(mean[idx])]
    diff = float(mean[a] - mean[b])
    d_lo, d_hi = percentile(draws[:, [a]] - draws[:, [b]], level)
    ratio = float(mean[b] / mean[a]) if mean[a] > 0 else 1.0
    row.update(difference=diff, ci_lo=float(d_lo[0]), ci_hi=float(d_hi[0]), ratio=ratio,
               flag=bool(ratio < FOUR_FIFTHS), max_group=key.labels[a], min_group=key.labels[b],
               p_value=range_p_value(diff, null))
    return row


def _overall(ctx, key, names, noisy, std, noise, rng, n_simulations, level) -> pd.DataFrame:
    """Overall means: the sums over every group of the first attribute (post-processing)."""
    count = noisy[key.attribute, "count"]
    g = len(count)
    rows = []
    for m in names:
        lo, hi = METRIC_BOUNDS[m]
        n, mean, var = estimates([count.sum()], [noisy[key.attribute, f"sum:{m}"].sum()],
                                 [noisy[key.attribute, f"sumsq:{m}"].sum()], lo, hi)
        shape = (n_simulations, g)
        sample = mean + rng.standard_normal(n_simulations) * np.sqrt(var / n)
        sums = n * sample + noise(rng, std[key.attribute, f"sum:{m}"], shape).sum(axis=1)
        counts = np.maximum(n + noise(rng, std[key.attribute, "count"], shape).sum(axis=1), 1.0)
        draws = np.clip(sums / counts, lo, hi)
        alpha = (1 - level) / 2
        rows.append({"metric": f"{m}@{ctx.k}", "n_noisy": float(count.sum()),
                     "mean": float(mean[0]), "ci_lo": float(np.quantile(draws, alpha)),
                     "ci_hi": float(np.quantile(draws, 1 - alpha))})
    return pd.DataFrame(rows)
