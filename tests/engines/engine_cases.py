"""Helpers of the engine tests: the in-memory engine's audit of list files (the reference every
DuckDB result is held against) and the comparison of two AuditResults' tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit import AuditContext
from fairrec_core.external import read_recommendations, read_test

N_BOOT = 300
N_PERM = 300


def ids_frame(data, frame) -> pd.DataFrame:
    return pd.DataFrame({"user_id": data.user_vocab.lookup(frame["user"].to_numpy()),
                         "item_id": data.item_vocab.lookup(frame["item"].to_numpy())})


def write_both(folder, name: str, frame: pd.DataFrame) -> dict:
    csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    return {"csv": csv, "parquet": parquet}


def memory_audit(data, recs_csv, test_csv, *, k=10, seed=0, **options):
    """The in-memory engine on the files, as the audit command reads them."""
    train, test = read_test(test_csv.read_bytes(), data, source=str(test_csv))
    imported = read_recommendations(recs_csv.read_bytes(), data, source=str(recs_csv), k=k,
                                    test=test)
    ctx = AuditContext(train, test, k=k, **options)
    return ctx, imported, ctx.audit(imported.lists, n_bootstrap=N_BOOT, n_permutations=N_PERM,
                                    seed=seed)


#: Columns drawn from the bootstrap (Poisson in DuckDB, multinomial in memory): they agree to
#: Monte-Carlo error only (tests/engines/test_inference.py).
BOOTSTRAP_COLUMNS = {
    "groups": ("ci_lo", "ci_hi"),
    "overall_ci": ("ci_lo", "ci_hi"),
    "gaps": ("critical_value_bootstrap", "ci_lo_percentile", "ci_hi_percentile"),
}
#: Columns derived from a standard error, compared to 1e-8: a standard error is the square root
#: of a variance computed as a difference of sums, so where the true variance is 0 (a group whose
#: users all have the same value) rounding leaves ~1e-19 in either engine, ~3e-10 after the root,
#: and the intervals multiply it by the critical value.
SE_COLUMNS = {"se", "ci_lo", "ci_hi", "statistic", "min_detectable_gap", "ci_lo_single",
              "ci_hi_single"}
#: Every table of an AuditResult.
TABLES = ("groups", "gaps", "vs_rest", "pairwise", "reference", "adjusted", "parity",
          "parity_values", "parity_gaps", "parity_js", "item_exposure", "exposure", "lorenz",
          "popularity", "users", "overall_ci")


def frame_differences(a: pd.DataFrame, b: pd.DataFrame, *, skip=(), atol=1e-9, rtol=0.0):
    """Columns of two frames that differ (beyond ``atol + rtol * |a|`` for numbers; NaN where
    the other has NaN), as ``[(column, worst difference or 'values')]``."""
    if list(a.columns) != list(b.columns):
        return [("columns", (list(a.columns), list(b.columns)))]
    if len(a) != len(b):
        return [("rows", (len(a), len(b)))]
    out = []
    for column in a.columns:
        if column in skip:
            continue
        x, y = a[column], b[column]
        numeric = (pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y)
                   and not pd.api.types.is_bool_dtype(x))
        if numeric:
            x, y = x.to_numpy(np.float64), y.to_numpy(np.float64)
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                out.append((column, "NaN"))
                continue
            ok = ~np.isnan(x)
            same = np.isclose(x[ok], y[ok], rtol=rtol, atol=atol) | (x[ok] == y[ok])
            if not same.all():
                out.append((column, float(np.nanmax(np.abs(x[ok] - y[ok])[~same]))))
        elif not (x.astype(str).to_numpy() == y.astype(str).to_numpy()).all():
            out.append((column, "values"))
    return out


def differences(a, b, *, tables=TABLES, rtol=0.0) -> dict:
    """Per table of two AuditResults, the columns that differ (the bootstrap's columns left
    out; see :func:`frame_differences`), and any other field that differs."""
    out = {}
    for name in tables:
        skip = BOOTSTRAP_COLUMNS.get(name, ())
        x, y = getattr(a, name), getattr(b, name)
        loose = SE_COLUMNS & set(x.columns) - set(skip) if name != "overall_ci" else set()
        found = frame_differences(x, y, skip=(*skip, *loose), rtol=rtol)
        if not found:
            found = frame_differences(x[sorted(loose)], y[sorted(loose)], atol=1e-8, rtol=rtol)
        if found:
            out[name] = found
    ov_a, ov_b = a.overall, b.overall
    assert list(ov_a.index) == list(ov_b.index)
    if not np.allclose(ov_a.to_numpy(float), ov_b.to_numpy(float), rtol=0, atol=1e-9,
                       equal_nan=True):
        out["overall"] = "values"
    for field in ("k", "n_users", "n_evaluated", "min_group_size", "head", "notes"):
        if getattr(a, field) != getattr(b, field):
            out[field] = (getattr(a, field), getattr(b, field))
    return out
