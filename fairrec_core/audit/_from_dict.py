"""An :class:`AuditResult` rebuilt from its ``metrics.json`` (:meth:`AuditResult.to_dict`), and
the tables of a private release's ``metrics.json`` (``differentially_private: true``).

Every per-group table is rebuilt from the file's numbers; what ``metrics.json`` derives rather
than stores comes back by the same arithmetic (a group's mean from ``groups``, the rest's mean
as mean - difference, a pair's t as difference / se, a ratio's difference to the reference
group as mean - reference mean). Not in the file, so empty or NaN here: the per-user table
(``users``: pass one read from ``users.csv``), ``item_exposure``, the pairs of intersection
groups, the groups left out of the each-against-the-rest tests, the Lorenz curve beyond its 101
points, and the gap's ``critical_value_bootstrap`` / ``critical_value_permutation``."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _f(x) -> float:
    """A ``metrics.json`` number as a float (null -> NaN)."""
    return np.nan if x is None else float(x)


def _pair(x) -> tuple[float, float]:
    return (np.nan, np.nan) if x is None else (_f(x[0]), _f(x[1]))


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


GROUP_COLUMNS = ["attribute", "group", "metric", "n_users", "n", "mean", "ci_lo", "ci_hi"]
GAP_COLUMNS = ["attribute", "metric", "difference", "ratio", "flag", "max_group", "min_group",
               "n_groups", "p_value", "ci_lo", "ci_hi", "se", "statistic", "critical_value",
               "critical_value_bootstrap", "critical_value_permutation", "ci_lo_percentile",
               "ci_hi_percentile", "p_value_mc_se", "p_value_pair", "p_value_range",
               "min_detectable_gap", "reference_group", "excluded_groups"]
VS_REST_COLUMNS = ["attribute", "group", "metric", "n_users", "n", "mean", "rest_mean",
                   "difference", "ratio", "flag", "p_value", "compared", "p_value_mc_se",
                   "p_adjusted_holm"]
PAIR_COLUMNS = ["attribute", "metric", "group_a", "group_b", "mean_a", "mean_b", "difference",
                "se", "statistic", "ci_lo", "ci_hi", "p_value", "p_value_mc_se",
                "p_adjusted_maxt", "p_adjusted_holm", "p_adjusted_bh"]
REFERENCE_COLUMNS = ["attribute", "metric", "group", "reference", "mean", "reference_mean",
                     "ratio", "difference", "flag", "compared"]
ADJUSTED_COLUMNS = ["attribute", "metric", "group_high", "group_low", "n", "raw_difference",
                    "difference", "se", "ci_lo", "ci_hi", "p_value", "explained",
                    "share_explained", "covariates", "ci_lo_single", "ci_hi_single",
                    "p_value_single", "critical_value"]
PARITY_COLUMNS = ["attribute", "item_attribute", "group", "value", "recommended_share",
                  "history_share", "bias_disparity"]
EXPOSURE_COLUMNS = ["item_attribute", "value", "n_items", "catalogue_share", "relevant_share",
                    "exposure_share", "exposure_vs_catalogue", "exposure_vs_relevant"]


def result_fields(d: dict, users: pd.DataFrame | None = None) -> dict:
    """The keyword arguments of :class:`AuditResult` rebuilt from the ``metrics.json`` dict
    ``d`` (a KeyError / TypeError / ValueError when it does not have that structure)."""
    settings = d["settings"]
    metrics = tuple(d["overall_ci95"])
    groups = _groups(d["groups"], metrics)
    means = {(r.attribute, r.group, r.metric): r for r in groups.itertuples(index=False)}
    gaps = d["gaps"]
    parity = d["parity"]
    exposure = d["exposure"]
    popularity = d["popularity"]
    min_size = int(settings["min_group_size"])
    return dict(
        k=int(d["k"]), metrics=metrics, n_users=int(d["n_users"]),
        n_evaluated=int(d["n_users_evaluated"]), min_group_size=min_size,
        n_bootstrap=int(settings["n_bootstrap"]), n_permutations=int(settings["n_permutations"]),
        level=float(settings["confidence_level"]),
        seed=None if settings.get("seed") is None else int(settings["seed"]),
        overall=pd.Series({m: _f(v) for m, v in d["overall"].items()}, dtype=np.float64),
        overall_ci=_frame([{"metric": m, "ci_lo": _pair(v)[0], "ci_hi": _pair(v)[1]}
                           for m, v in d["overall_ci95"].items()], ["metric", "ci_lo", "ci_hi"]),
        users=users if users is not None else pd.DataFrame(),
        groups=groups,
        gaps=_gaps(gaps),
        vs_rest=_vs_rest(gaps, means),
        pairwise=_pairwise(gaps, means),
        reference=_reference(gaps, means),
        adjusted=_adjusted(gaps),
        parity=_parity(parity),
        parity_values=_parity_values(parity),
        parity_gaps=_frame([{"attribute": a, "item_attribute": i, **{
            c: _f(e[c]) for c in ("difference", "ratio", "history_difference", "history_ratio")}}
            for a, by in parity.items() for i, e in by.items()],
            ["attribute", "item_attribute", "difference", "ratio", "history_difference",
             "history_ratio"]),
        parity_js=_parity_js(parity, d["groups"], min_size),
        item_exposure=pd.DataFrame(),
        exposure=_frame([{"item_attribute": i, "value": v, "n_items": int(e["n_items"]),
                          **{c: _f(e[c]) for c in EXPOSURE_COLUMNS[3:]}}
                         for i, by in exposure["by_item_attribute"].items()
                         for v, e in by.items()], EXPOSURE_COLUMNS),
        lorenz=pd.DataFrame({"item_share": [_f(x) for x in exposure["lorenz"]["item_share"]],
                             "exposure_share": [_f(y) for y in
                                                exposure["lorenz"]["exposure_share"]]}),
        popularity=_popularity(popularity),
        head={key: v for key, v in popularity.items() if key not in ("overall", "delta_gap")},
        notes=tuple(str(n) for n in d.get("notes", ())),
    )


def _groups(groups: dict, metrics) -> pd.DataFrame:
    rows = []
    for attribute, by_group in groups.items():
        for group, g in by_group.items():
            for m in metrics:
                if m in g:
                    lo, hi = _pair(g.get(f"{m}_ci95"))
                    rows.append({"attribute": attribute, "group": group, "metric": m,
                                 "n_users": int(g["n_users"]), "n": int(g[f"{m}_n"]),
                                 "mean": _f(g[m]), "ci_lo": lo, "ci_hi": hi})
    return _frame(rows, GROUP_COLUMNS)


def _gaps(gaps: dict) -> pd.DataFrame:
    rows = []
    for attribute, by_metric in gaps.items():
        for metric, e in by_metric.items():
            lo, hi = _pair(e["difference_ci95"])
            plo, phi = _pair(e.get("difference_ci95_percentile"))
            rows.append({
                "attribute": attribute, "metric": metric, "difference": _f(e["difference"]),
                "ratio": _f(e["ratio"]), "flag": bool(e["flag"]),
                "max_group": e["max_group"] or "", "min_group": e["min_group"] or "",
                "n_groups": int(e["n_groups"]), "p_value": _f(e["p_value"]),
                "ci_lo": lo, "ci_hi": hi, "se": _f(e.get("difference_se")),
                "statistic": _f(e.get("statistic")), "critical_value": _f(e.get("critical_value")),
                "critical_value_bootstrap": np.nan, "critical_value_permutation": np.nan,
                "ci_lo_percentile": plo, "ci_hi_percentile": phi,
                "p_value_mc_se": _f(e.get("p_value_mc_se")),
                "p_value_pair": _f(e.get("p_value_pair")),
                "p_value_range": _f(e.get("p_value_range")),
                "min_detectable_gap": _f(e.get("min_detectable_gap")),
                "reference_group": (e.get("reference") or {}).get("group"),
                "excluded_groups": dict(e.get("excluded_groups") or {}),
            })
    return _frame(rows, GAP_COLUMNS)


def _vs_rest(gaps: dict, means: dict) -> pd.DataFrame:
    """Group by group, metric by metric within (the order of ``AuditResult.vs_rest``)."""
    rows = []
    for attribute, by_metric in gaps.items():
        groups = dict.fromkeys(g for e in by_metric.values() for g in e["vs_rest"])
        for group in groups:
            for metric, e in by_metric.items():
                if group not in e["vs_rest"]:
                    continue
                v = e["vs_rest"][group]
                g = means[(attribute, group, metric)]
                rows.append({"attribute": attribute, "group": group, "metric": metric,
                             "n_users": g.n_users, "n": g.n, "mean": g.mean,
                             "rest_mean": g.mean - _f(v["difference"]),
                             "difference": _f(v["difference"]), "ratio": _f(v["ratio"]),
                             "flag": bool(v["flag"]), "p_value": _f(v["p_value"]),
                             "compared": True, "p_value_mc_se": _f(v.get("p_value_mc_se")),
                             "p_adjusted_holm": _f(v.get("p_adjusted_holm"))})
    return _frame(rows, VS_REST_COLUMNS)


def _pairwise(gaps: dict, means: dict) -> pd.DataFrame:
    """Pair by pair, metric by metric within (the order of ``AuditResult.pairwise``)."""
    rows = []
    for attribute, by_metric in gaps.items():
        by_pair = {}
        for metric, e in by_metric.items():
            for p in e.get("pairwise", ()):
                by_pair.setdefault(tuple(p["groups"]), []).append((metric, p))
        for (a, b), entries in by_pair.items():
            for metric, p in entries:
                lo, hi = _pair(p["ci95"])
                diff, se = _f(p["difference"]), _f(p["se"])
                with np.errstate(invalid="ignore", divide="ignore"):
                    t = np.float64(diff) / np.float64(se)
                rows.append({"attribute": attribute, "metric": metric, "group_a": a,
                             "group_b": b, "mean_a": means[(attribute, a, metric)].mean,
                             "mean_b": means[(attribute, b, metric)].mean, "difference": diff,
                             "se": se, "statistic": float(t), "ci_lo": lo, "ci_hi": hi,
                             **{c: _f(p.get(c)) for c in PAIR_COLUMNS[11:]}})
    return _frame(rows, PAIR_COLUMNS)


def _reference(gaps: dict, means: dict) -> pd.DataFrame:
    rows = []
    for attribute, by_metric in gaps.items():
        for metric, e in by_metric.items():
            ref = e.get("reference") or {}
            if not ref.get("group"):
                continue
            ref_mean = means[(attribute, ref["group"], metric)].mean
            for group, ratio in ref["ratios"].items():
                mean = means[(attribute, group, metric)].mean
                rows.append({"attribute": attribute, "metric": metric, "group": group,
                             "reference": ref["group"], "mean": mean,
                             "reference_mean": ref_mean, "ratio": _f(ratio),
                             "difference": mean - ref_mean,
                             "flag": bool(ref["flags"].get(group, False)),
                             "compared": group in ref["flags"]})
    return _frame(rows, REFERENCE_COLUMNS)


def _adjusted(gaps: dict) -> pd.DataFrame:
    rows = []
    for attribute, by_metric in gaps.items():
        for metric, e in by_metric.items():
            a = e.get("adjusted")
            if not a:
                continue
            lo, hi = _pair(a["ci95"])
            slo, shi = _pair(a.get("ci95_single"))
            rows.append({"attribute": attribute, "metric": metric,
                         "group_high": a["group_high"] or "", "group_low": a["group_low"] or "",
                         "n": int(a["n_users"]), "raw_difference": _f(a["raw_difference"]),
                         "difference": _f(a["difference"]), "se": _f(a["se"]), "ci_lo": lo,
                         "ci_hi": hi, "p_value": _f(a["p_value"]),
                         "explained": _f(a["explained"]),
                         "share_explained": _f(a["share_explained"]),
                         "covariates": ", ".join(a["covariates"]), "ci_lo_single": slo,
                         "ci_hi_single": shi, "p_value_single": _f(a.get("p_value_single")),
                         "critical_value": _f(a.get("critical_value"))})
    return _frame(rows, ADJUSTED_COLUMNS)


def _parity(parity: dict) -> pd.DataFrame:
    """Group by group, value by value within (the order of ``AuditResult.parity``)."""
    rows = []
    for attribute, by_item in parity.items():
        for item_attribute, e in by_item.items():
            by_value = e["by_value"]
            groups = list(dict.fromkeys(g for v in by_value.values() for g in v["recommended"]))
            for group in groups:
                for value, v in by_value.items():
                    rows.append({"attribute": attribute, "item_attribute": item_attribute,
                                 "group": group, "value": value,
                                 "recommended_share": _f(v["recommended"].get(group)),
                                 "history_share": _f(v["history"].get(group)),
                                 "bias_disparity": _f(v["bias_disparity"].get(group))})
    return _frame(rows, PARITY_COLUMNS)


def _parity_values(parity: dict) -> pd.DataFrame:
    cols = ["recommended_overall", "history_overall", "difference", "ratio",
            "history_difference", "history_ratio"]
    return _frame([{"attribute": a, "item_attribute": i, "value": value,
                    **{c: _f(v[c]) for c in cols}}
                   for a, by in parity.items() for i, e in by.items()
                   for value, v in e["by_value"].items()],
                  ["attribute", "item_attribute", "value", *cols])


def _parity_js(parity: dict, groups: dict, min_size: int) -> pd.DataFrame:
    """``compared``: as the audit has it, a group with at least ``min_size`` listed users and a
    share of every value."""
    rows = []
    for attribute, by_item in parity.items():
        for item_attribute, e in by_item.items():
            for group, js in e["js_divergence"].items():
                shares = [v["recommended"].get(group) for v in e["by_value"].values()]
                large = int(groups[attribute][group]["n_users"]) >= min_size
                rows.append({"attribute": attribute, "item_attribute": item_attribute,
                             "group": group, "js_divergence": _f(js),
                             "history_js_divergence": _f(e["history_js_divergence"][group]),
                             "compared": large and all(s is not None for s in shares)})
    return _frame(rows, ["attribute", "item_attribute", "group", "js_divergence",
                         "history_js_divergence", "compared"])


def _popularity(popularity: dict) -> pd.DataFrame:
    cols = ["attribute", "group", "n_users", "profile_popularity", "recommended_popularity",
            "delta_gap"]

    def row(attribute, group, e):
        return {"attribute": attribute, "group": group, "n_users": int(e["n_users"]),
                **{c: _f(e[c]) for c in cols[3:]}}

    rows = [row("overall", "all", popularity["overall"])] if popularity.get("overall") else []
    rows += [row(a, g, e) for a, by in popularity["delta_gap"].items() for g, e in by.items()]
    return _frame(rows, cols)


# ---- a private release ----------------------------------------------------------------------
PRIVATE_GROUP_COLUMNS = ["attribute", "group", "metric", "n_noisy", "suppressed", "mean",
                         "ci_lo", "ci_hi"]
PRIVATE_GAP_COLUMNS = ["attribute", "metric", "difference", "ci_lo", "ci_hi", "ratio", "flag",
                       "p_value", "max_group", "min_group", "n_groups"]


def private_tables(d: dict) -> dict:
    """``groups`` (``attribute, group, metric, n_noisy, suppressed, mean, ci_lo, ci_hi``; a
    suppressed group's figures NaN), ``gaps`` and ``overall`` (``metric, mean, ci_lo, ci_hi``)
    of a private ``metrics.json``: the released numbers only."""
    metrics = list(d["overall_ci95"])
    groups = []
    for attribute, by_group in d["groups"].items():
        for group, g in by_group.items():
            for m in metrics:
                if m not in g and not g["suppressed"]:
                    continue
                lo, hi = _pair(g.get(f"{m}_ci95"))
                groups.append({"attribute": attribute, "group": group, "metric": m,
                               "n_noisy": _f(g["n_noisy"]), "suppressed": bool(g["suppressed"]),
                               "mean": _f(g.get(m)), "ci_lo": lo, "ci_hi": hi})
    gaps = []
    for attribute, by_metric in d["gaps"].items():
        for metric, e in by_metric.items():
            lo, hi = _pair(e["difference_ci95"])
            gaps.append({"attribute": attribute, "metric": metric,
                         "difference": _f(e["difference"]), "ci_lo": lo, "ci_hi": hi,
                         "ratio": _f(e["ratio"]), "flag": bool(e["flag"]),
                         "p_value": _f(e["p_value"]), "max_group": e["max_group"] or "",
                         "min_group": e["min_group"] or "", "n_groups": int(e["n_groups"])})
    overall = [{"metric": m, "mean": _f(d["overall"].get(m)), "ci_lo": _pair(ci)[0],
                "ci_hi": _pair(ci)[1]} for m, ci in d["overall_ci95"].items()]
    return {"groups": _frame(groups, PRIVATE_GROUP_COLUMNS),
            "gaps": _frame(gaps, PRIVATE_GAP_COLUMNS),
            "overall": _frame(overall, ["metric", "mean", "ci_lo", "ci_hi"])}
