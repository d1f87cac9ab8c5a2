"""Gaps with the users' activity held equal: the headline gap of an accuracy metric, split into the
part that profile size (and other chosen covariates) accounts for and the part left over.

For one attribute and metric, take the users with a value of the metric in the groups that take
part in gaps, and fit by ordinary least squares::

    y_u = alpha_g(u) + beta' x_u + e_u

(one intercept per group, pooled slopes ``beta`` of the covariates ``x``: by default
``log(1 + number of training interactions)``). The *adjusted* gap between the best- and
worst-served groups of the headline gap is ``alpha_hi - alpha_lo``: the difference between two
users of the two groups with the same covariates. With group intercepts the fitted groups' means
are exact, ``mean(y_g) = alpha_g + beta' mean(x_g)``, so the raw gap splits exactly
(Oaxaca-Blinder with pooled coefficients)::

    raw = adjusted + explained,   explained = beta' (mean(x_hi) - mean(x_lo))

and ``share_explained = explained / raw``. The standard error of the adjusted gap is the
heteroscedasticity-robust HC3 sandwich (MacKinnon & White 1985). The pair was picked after seeing
the data (the headline pair of the raw gap), so a plain t interval of its adjusted gap would
under-cover, as the raw gap's did: :func:`with_simultaneous` gives the adjusted gap the raw gap's
simultaneous critical value and max-T p-value (the permutation distribution of the largest
studentised pairwise difference, whose limit is the same for the adjusted contrasts: both are
maxima of correlated standard normals over the same pairs of groups), keeping the single-pair
Student-t figures (``n - groups - covariates`` degrees of freedom) beside them.

The regression is computed by the within-group (Frisch-Waugh) route, vectorised over metrics: one
covariate cross-product per attribute and set of users with a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from fairrec_core.errors import DataError

#: Name of the default covariate: log(1 + the user's number of training interactions).
ACTIVITY = "log1p(n_train)"

#: Columns of :func:`adjusted_gaps`' table (``AuditResult.adjusted``).
ADJUSTED_COLUMNS = ("attribute", "metric", "group_high", "group_low", "n", "raw_difference",
                    "difference", "se", "ci_lo", "ci_hi", "p_value", "explained",
                    "share_explained", "covariates")
#: Columns :func:`with_simultaneous` adds: the single-pair (not selection-adjusted) Student-t
#: interval and p-value, and the critical value of the simultaneous interval.
SIMULTANEOUS_COLUMNS = ("ci_lo_single", "ci_hi_single", "p_value_single", "critical_value")

#: The standard error used (stated in metrics.json and the glossary).
STANDARD_ERROR = "HC3"


def activity_covariates(train, users: np.ndarray, names=()) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(x, labels)``: per listed user (``users``, user indices), ``log(1 + training
    interactions)`` and then each user column of ``names`` (numeric, e.g. ``age``; missing values
    leave the user out of the adjusted gaps). A column that is not numeric raises DataError."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    users = np.asarray(users, dtype=np.int64)
    columns = [np.log1p(np.asarray(train.user_counts, dtype=np.float64)[users])]
    labels = [ACTIVITY]
    for name in dict.fromkeys(names):
        if name not in train.users.columns or name == "user_id":
            raise DataError(f"audit: unknown covariate {name!r}; numeric user columns: "
                            f"{', '.join(numeric_user_columns(train)) or 'none'}")
        column = train.users[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise DataError(f"audit: covariate {name!r} must be a numeric user column "
                            f"(got {column.dtype}); numeric user columns: "
                            f"{', '.join(numeric_user_columns(train)) or 'none'}")
        columns.append(column.to_numpy(dtype=np.float64, na_value=np.nan)[users])
        labels.append(name)
    return np.column_stack(columns), tuple(labels)


def numeric_user_columns(train) -> list[str]:
    """User columns usable as covariates (numeric, not the id)."""
    return [c for c in train.users.columns if c != "user_id"
            and pd.api.types.is_numeric_dtype(train.users[c])
            and not pd.api.types.is_bool_dtype(train.users[c])]


def check_covariates(train, names) -> tuple[str, ...]:
    """The extra covariate names (beside activity), checked against ``train``'s user columns
    (one DataError line naming the column otherwise)."""
    if names is None:
        return ()
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = tuple(dict.fromkeys(str(n) for n in names))
    activity_covariates(train, np.zeros(0, dtype=np.int64), names)  # raises on a bad column
    return names


def audit_adjusted(ctx, users, values, index, ok, gaps, *, level: float,
                   covariates=()) -> pd.DataFrame:
    """The adjusted gaps of a full audit (``ctx`` an AuditContext): every grouping and accuracy
    metric (the first ``len(ACCURACY_METRICS)`` columns of ``values``), covariates activity and
    the user columns ``covariates``, the headline pairs of ``gaps``."""
    from fairrec_core.audit._context import ACCURACY_METRICS

    m = len(ACCURACY_METRICS)
    x, names = activity_covariates(ctx.train, users, covariates or ())
    return adjusted_gaps(values[:, :m], ctx.metric_names[:m], index, ok[:, :m], gaps, x, names,
                         level=level)


def with_simultaneous(frame: pd.DataFrame, gaps: pd.DataFrame, null_max: np.ndarray,
                      groupings, metrics) -> pd.DataFrame:
    """``frame`` (:func:`adjusted_gaps`) with ``ci_lo, ci_hi`` = difference ± the raw gap's
    simultaneous critical value x se and ``p_value`` = the share of the permutation maxima
    ``null_max`` (``[B, n_groupings, m]``, columns in the order of ``groupings`` and ``metrics``)
    reaching |difference / se| (single-step max-T; NaN without shuffles): an adjusted gap whose
    interval leaves out 0 has ``p_value`` below 1 - level. The single-pair figures move to
    :data:`SIMULTANEOUS_COLUMNS`."""
    from fairrec_core.audit._multiplicity import exceedance_pvalue

    out = frame.copy()
    out["ci_lo_single"], out["ci_hi_single"] = frame["ci_lo"], frame["ci_hi"]
    out["p_value_single"] = frame["p_value"]
    crit = gaps.set_index(["attribute", "metric"])["critical_value"]
    keys = list(zip(frame["attribute"], frame["metric"], strict=True))
    c = np.array([crit.get(k, np.nan) for k in keys], dtype=np.float64)
    diff, se = frame["difference"].to_numpy(np.float64), frame["se"].to_numpy(np.float64)
    out["critical_value"] = c
    out["ci_lo"], out["ci_hi"] = diff - c * se, diff + c * se
    p = np.full(len(frame), np.nan)
    if len(null_max):
        g_of = {g.attribute: j for j, g in enumerate(groupings)}
        m_of = {name: i for i, name in enumerate(metrics)}
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.abs(diff / se)
        for r, (attr, metric) in enumerate(keys):
            if np.isfinite(t[r]):
                null = null_max[:, g_of[attr], m_of[metric]][:, None, None]
                p[r] = exceedance_pvalue(null, np.array([[[t[r]]]]))[0, 0, 0]
    out["p_value"] = p
    return out


def adjusted_json(frame: pd.DataFrame, level: float) -> dict:
    """``{(attribute, metric): entry}`` for ``metrics.json``'s ``gaps.<attr>.<m>.adjusted``:
    ``difference`` (activity held equal), ``ci95`` (at ``level``), ``p_value``, ``se``,
    ``standard_error`` ("HC3"), ``raw_difference``, ``explained``, ``share_explained``,
    ``group_high``, ``group_low``, ``n_users``, ``covariates`` (list)."""
    from fairrec_core.audit._result import _num  # JSON-safe numbers, as everywhere in metrics.json

    out = {}
    for r in frame.itertuples(index=False):
        out[(r.attribute, r.metric)] = {
            "difference": _num(r.difference), "ci95": [_num(r.ci_lo), _num(r.ci_hi)],
            "p_value": _num(r.p_value), "se": _num(r.se), "standard_error": STANDARD_ERROR,
            "simultaneous": hasattr(r, "critical_value"),
            **({"critical_value": _num(r.critical_value),
                "ci95_single": [_num(r.ci_lo_single), _num(r.ci_hi_single)],
                "p_value_single": _num(r.p_value_single)}
               if hasattr(r, "critical_value") else {}),
            "confidence_level": float(level),
            "raw_difference": _num(r.raw_difference), "explained": _num(r.explained),
            "share_explained": _num(r.share_explained),
            "group_high": r.group_high or None, "group_low": r.group_low or None,
            "n_users": int(r.n), "covariates": [c for c in r.covariates.split(", ") if c],
        }
    return out


def adjusted_gaps(values: np.ndarray, metrics, index, ok: np.ndarray, gaps: pd.DataFrame,
                  covariates: np.ndarray, names, *, level: float = 0.95) -> pd.DataFrame:
    """The adjusted gap of every grouping of ``index`` (a GroupIndex over the listed users) and
    every column of ``values`` (``[n_listed, m]`` per-user metric named ``metrics``, NaN =
    undefined), between the groups ``max_group`` and ``min_group`` that ``gaps`` (the gap frame)
    names for it. ``ok`` (``[n_columns, m]``) marks the groups that take part in gaps: the others'
    users are left out of the regression, as are users without a value or with a missing
    covariate. ``covariates``: ``[n_listed, p]``, named ``names``.

    Returns one row per grouping and metric with the columns of :data:`ADJUSTED_COLUMNS`
    (NaN where the gap has no pair or the covariates are collinear with the groups)."""
    values = np.asarray(values, dtype=np.float64)
    x_all = np.asarray(covariates, dtype=np.float64).reshape(len(values), -1)
    metrics = list(metrics)
    if values.shape[1] != len(metrics) or ok.shape[1] != len(metrics):
        raise DataError("audit: adjusted gaps need one metric name per column of values and ok")
    names = tuple(names)
    pairs = {(r.attribute, r.metric): (r.max_group, r.min_group)
             for r in gaps[["attribute", "metric", "max_group", "min_group"]].itertuples()}
    complete = ~np.isnan(x_all).any(axis=1)
    defined = ~np.isnan(values)
    label = ", ".join(names)
    rows = []
    for j, (grouping, cols) in enumerate(index.group_slices()):
        col_of = index.columns[:, j]
        local_ok = ok[cols]  # [groups, m]
        out = np.full((len(metrics), len(ADJUSTED_COLUMNS) - 5), np.nan)  # numeric columns
        pair_labels = [pairs.get((grouping.attribute, metric), ("", "")) for metric in metrics]
        sets: dict[tuple, list[int]] = {}
        for i in range(len(metrics)):
            sets.setdefault((defined[:, i].tobytes(), local_ok[:, i].tobytes()), []).append(i)
        for which in sets.values():
            first = which[0]
            keep = defined[:, first] & complete & ok[col_of, first]
            _fit_set(out, which, values[keep][:, which], x_all[keep], col_of[keep] - cols.start,
                     grouping.labels, [pair_labels[i] for i in which], level)
        for i, metric in enumerate(metrics):
            hi, lo = pair_labels[i]
            rows.append((grouping.attribute, metric, hi or "", lo or "", *out[i], label))
    frame = pd.DataFrame(rows, columns=list(ADJUSTED_COLUMNS))
    frame["n"] = frame["n"].fillna(0).astype(np.int64)
    return frame


def _fit_set(out, which, y, x, codes, labels, pairs, level) -> None:
    """Fill ``out[which]`` (n, raw, adjusted, se, ci_lo, ci_hi, p, explained, share) from one
    regression: users' values ``y`` [n, len(which)], covariates ``x`` [n, p], group ``codes``."""
    n, p = x.shape
    present, code = np.unique(codes, return_inverse=True)
    code = code.ravel()
    n_g = np.bincount(code, minlength=len(present)).astype(np.float64)
    df = n - len(present) - p
    local = {int(c): i for i, c in enumerate(present)}
    index = {lab: i for i, lab in enumerate(labels)}
    hi = np.array([local.get(index.get(h, -1), -1) for h, _ in pairs])
    lo = np.array([local.get(index.get(lo_, -1), -1) for _, lo_ in pairs])
    has = (hi >= 0) & (lo >= 0)
    if n == 0 or df <= 0 or not has.any():
        return
    x = x - x.mean(axis=0)  # conditioning only: differences of intercepts do not move
    x_bar = _group_means(code, x, n_g)
    y_bar = _group_means(code, y, n_g)
    x_w = x - x_bar[code]  # within-group deviations (Frisch-Waugh)
    y_w = y - y_bar[code]
    xtx = x_w.T @ x_w
    eig = np.linalg.eigvalsh(xtx)
    if eig.min() <= 1e-10 * max(eig.max(), 1e-300):
        return  # a covariate is constant within groups: the adjustment is not identified
    inv = np.linalg.inv(xtx)
    beta = inv @ (x_w.T @ y_w)  # [p, m']
    resid = y_w - x_w @ beta
    lev = 1.0 / n_g[code] + np.einsum("ip,pq,iq->i", x_w, inv, x_w)
    hi, lo = np.where(has, hi, 0), np.where(has, lo, 0)
    cols = np.arange(len(which))
    dx = x_bar[hi] - x_bar[lo]  # [m', p]
    raw = y_bar[hi, cols] - y_bar[lo, cols]
    explained = np.einsum("mp,pm->m", dx, beta)
    diff = raw - explained
    # the adjusted gap is sum_u a_u y_u; HC3: var = sum_u a_u^2 e_u^2 / (1 - h_u)^2
    a = ((code[:, None] == hi) / n_g[hi] - (code[:, None] == lo) / n_g[lo]
         - x_w @ (inv @ dx.T))
    one_minus = (1.0 - lev)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(one_minus > 1e-10, (a * resid / one_minus) ** 2,
                         np.where(np.abs(a) > 1e-12, np.nan, 0.0))  # h = 1: e = 0, unknown var
        se = np.sqrt(terms.sum(axis=0))
        t = np.where(se > 0, diff / se, np.nan)
        share = np.where(raw != 0, explained / raw, np.nan)
    p_value = 2.0 * special.stdtr(df, -np.abs(t))
    q = special.stdtrit(df, 0.5 + level / 2.0)
    rows = np.column_stack([np.full(len(which), n), raw, diff, se, diff - q * se,
                            diff + q * se, p_value, explained, share])
    out[np.asarray(which)[has]] = rows[has]


def _group_means(code: np.ndarray, v: np.ndarray, n_g: np.ndarray) -> np.ndarray:
    """Per group, the column means of ``v`` [n, q] -> [groups, q]."""
    sums = np.column_stack([np.bincount(code, weights=c, minlength=len(n_g)) for c in v.T])
    return sums.reshape(len(n_g), v.shape[1]) / n_g[:, None]
