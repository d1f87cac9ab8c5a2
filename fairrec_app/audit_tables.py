"""The audit page's statistics tables, as shown (pure; no Streamlit): one attribute and metric
cut out of ``AuditResult.pairwise``, ``.vs_rest``, ``.reference`` and ``.adjusted``, with
readable column names. Values are the engine's, unrounded (the page formats them)."""

from __future__ import annotations

import pandas as pd


def _rows(frame: pd.DataFrame, attribute: str, metric: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[(frame["attribute"] == attribute) & (frame["metric"] == metric)]


def group_means(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """A ``group_table`` (``group, n_users, n, mean, ci_lo, ci_hi``) as shown: one ``users``
    column (``n``, the users with a value of the metric, only when it differs from ``n_users``
    somewhere), the mean under the metric's ``label`` and its interval."""
    out = pd.DataFrame({"group": table["group"].astype(str).to_numpy(),
                        "users": table["n_users"].to_numpy()})
    if "n" in table.columns and (table["n"].to_numpy() != table["n_users"].to_numpy()).any():
        out["with a value"] = table["n"].to_numpy()
    out[label] = table["mean"].to_numpy()
    if "ci_lo" in table.columns:
        out["95% low"] = table["ci_lo"].to_numpy()
        out["95% high"] = table["ci_hi"].to_numpy()
    return out


def pairs(result, attribute: str, metric: str) -> pd.DataFrame:
    """Every pair of compared groups: ``pair`` ("a − b"), the two means, the difference a − b,
    its simultaneous interval, the unadjusted p and the max-T, Holm and BH adjusted p-values."""
    rows = _rows(result.pairwise, attribute, metric)
    return pd.DataFrame({
        "pair": [f"{a} − {b}" for a, b in zip(rows["group_a"], rows["group_b"], strict=True)],
        "mean a": rows["mean_a"].to_numpy(), "mean b": rows["mean_b"].to_numpy(),
        "difference": rows["difference"].to_numpy(),
        "95% low": rows["ci_lo"].to_numpy(), "95% high": rows["ci_hi"].to_numpy(),
        "p (one pair)": rows["p_value"].to_numpy(),
        "p adjusted (max-T)": rows["p_adjusted_maxt"].to_numpy(),
        "p adjusted (Holm)": rows["p_adjusted_holm"].to_numpy(),
        "p adjusted (BH)": rows["p_adjusted_bh"].to_numpy(),
    })


def vs_rest(result, attribute: str, metric: str) -> pd.DataFrame:
    """Each compared group against all other users: mean, difference and ratio to the rest's
    mean, p and Holm p."""
    rows = _rows(result.vs_rest, attribute, metric)
    rows = rows[rows["compared"]]
    return pd.DataFrame({
        "group": rows["group"].astype(str).to_numpy(), "mean": rows["mean"].to_numpy(),
        "difference": rows["difference"].to_numpy(), "ratio": rows["ratio"].to_numpy(),
        "p (one group)": rows["p_value"].to_numpy(),
        "p adjusted (Holm)": rows["p_adjusted_holm"].to_numpy(),
    })


def reference(result, attribute: str, metric: str) -> pd.DataFrame:
    """``group, reference, mean, reference_mean, ratio, flag, compared`` for the chart."""
    rows = _rows(result.reference, attribute, metric)
    return rows.drop(columns=["attribute", "metric"]).reset_index(drop=True)


def adjusted(result, attribute: str, metric: str) -> pd.DataFrame:
    """Two rows, the raw gap (simultaneous interval) and the gap with activity held equal (HC3 t
    interval): ``gap, difference, 95% low, 95% high, p``. Empty when not computed."""
    adj = _rows(result.adjusted, attribute, metric)
    if adj.empty:
        return pd.DataFrame()
    r = adj.iloc[0]
    gap = result.gap(attribute, metric)
    return pd.DataFrame({
        "gap": [f"raw: {r['group_high']} − {r['group_low']}", "at equal activity"],
        "difference": [gap["difference"], r["difference"]],
        "95% low": [gap["ci_lo"], r["ci_lo"]], "95% high": [gap["ci_hi"], r["ci_hi"]],
        "p": [gap["p_value_pair"], r["p_value"]],
    })
