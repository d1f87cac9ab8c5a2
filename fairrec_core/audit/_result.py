"""The full audit of one set of ranked lists: tables (pandas) for the app and reports, and one
JSON-ready dict (``metrics.json``) for the command line."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fairrec_core.audit._adjusted import adjusted_json
from fairrec_core.audit._groups import INTERSECTION
from fairrec_core.audit._summary import gap_row, group_table
from fairrec_core.errors import DataError

#: Points of the Lorenz curve written to ``metrics.json``.
LORENZ_POINTS = 101


def _num(x):
    """A JSON-safe number: NaN / inf -> None, numpy scalars -> Python."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


@dataclass(frozen=True, eq=False)
class AuditResult:
    """Everything the audit found about one set of lists at cutoff ``k``.

    Tables (all pandas DataFrames, one row per fact, so they filter and pivot easily):

    - ``overall``: Series ``metric@k -> value``; ``overall_ci``: ``metric, ci_lo, ci_hi``.
    - ``users``: per-user metrics (:meth:`AuditContext.user_metrics`) and the user's group for
      every audited attribute.
    - ``groups``: ``attribute, group, metric, n_users, n, mean, ci_lo, ci_hi`` (bootstrap
      percentile interval at ``level``).
    - ``gaps``: ``attribute, metric, difference, ratio, flag, max_group, min_group, n_groups,
      p_value`` (permutation test of the difference), ``ci_lo, ci_hi`` (bootstrap interval of
      the difference between the best- and worst-served groups, from the same resamples as the
      group intervals).
    - ``vs_rest``: ``attribute, group, metric, n_users, mean, rest_mean, difference`` (group -
      rest), ``ratio`` (group / rest), ``flag`` (ratio outside [0.8, 1.25]), ``p_value``,
      ``compared`` (the group is large enough).
    - ``adjusted``: per attribute and accuracy metric, the gap between the same headline pair
      with the users' activity held equal: ``attribute, metric, group_high, group_low, n``
      (users in the regression), ``raw_difference`` (= the gap's difference), ``difference``
      (alpha_high - alpha_low of OLS metric ~ group intercepts + log(1 + training
      interactions) [+ chosen covariates]), ``se`` (HC3), ``ci_lo, ci_hi`` (t interval at
      ``level``), ``p_value``, ``explained`` (raw - adjusted = slopes x covariate mean
      differences, Oaxaca-Blinder), ``share_explained`` (explained / raw), ``covariates``.
    - ``parity``: ``attribute, item_attribute, group, value, recommended_share, history_share,
      bias_disparity``; ``parity_values``: per value ``recommended_overall, history_overall,
      difference, ratio, history_difference, history_ratio``; ``parity_gaps``: per attribute and
      item attribute the largest ``difference`` and smallest ``ratio`` over values (and for
      histories); ``parity_js``: per group ``js_divergence`` and ``history_js_divergence`` from
      the overall distribution (bits).
    - ``item_exposure``: per catalogue item; ``exposure``: per item-attribute value against its
      catalogue and relevant shares; ``lorenz``: the Lorenz curve of item exposure.
    - ``popularity``: ΔGAP per group (Abdollahpouri et al. 2019), with an ``overall`` row.
    """

    k: int
    metrics: tuple[str, ...]
    n_users: int
    n_evaluated: int
    min_group_size: int
    n_bootstrap: int
    n_permutations: int
    level: float
    seed: int | None
    overall: pd.Series
    overall_ci: pd.DataFrame
    users: pd.DataFrame
    groups: pd.DataFrame
    gaps: pd.DataFrame
    vs_rest: pd.DataFrame
    parity: pd.DataFrame
    parity_values: pd.DataFrame
    parity_gaps: pd.DataFrame
    parity_js: pd.DataFrame
    item_exposure: pd.DataFrame
    exposure: pd.DataFrame
    lorenz: pd.DataFrame
    popularity: pd.DataFrame
    head: dict
    adjusted: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = field(default=())

    # ---- accessors ----------------------------------------------------------------------------
    @property
    def attributes(self) -> list[str]:
        """The audited groupings (single attributes, then intersections)."""
        return list(dict.fromkeys(self.groups["attribute"]))

    @property
    def item_attributes(self) -> list[str]:
        return list(dict.fromkeys(self.exposure["item_attribute"]))

    def group_table(self, attribute: str, metric: str | None = None) -> pd.DataFrame:
        """For one ``metric``: ``group, n_users, n, mean, ci_lo, ci_hi``; without: the means of
        every metric per group (wide)."""
        return group_table(self.groups, attribute, metric)

    def gap(self, attribute: str, metric: str) -> pd.Series:
        return gap_row(self.gaps, attribute, metric)

    def parity_table(self, attribute: str, item_attribute: str,
                     column: str = "recommended_share") -> pd.DataFrame:
        """Group x value table of ``column`` (``recommended_share``, ``history_share`` or
        ``bias_disparity``) for one user grouping and item attribute."""
        rows = self.parity[(self.parity["attribute"] == attribute)
                           & (self.parity["item_attribute"] == item_attribute)]
        if rows.empty:
            raise DataError(f"audit: no parity table for {attribute!r} x {item_attribute!r}; "
                            f"item attributes: {', '.join(self.item_attributes)}")
        table = rows.pivot(index="group", columns="value", values=column)
        table = table.loc[list(dict.fromkeys(rows["group"])), list(dict.fromkeys(rows["value"]))]
        table.columns.name = None
        return table

    def metric_frame(self, metric: str, attribute: str):
        """A fairlearn ``MetricFrame`` of the per-user ``metric`` (``"ndcg"`` or ``"ndcg@10"``)
        by ``attribute`` (an intersection gives two sensitive features): its ``by_group``,
        ``difference()``, ``ratio()`` are the group means above (users without a value left
        out). Only listed users count, as everywhere in the audit."""
        from fairlearn.metrics import MetricFrame

        name = metric.partition("@")[0]
        if name not in self.users.columns:
            raise DataError(f"audit: {metric!r} is not a per-user metric")
        values = self.users[name].to_numpy(dtype=np.float64)
        parts = attribute.split(INTERSECTION)
        if attribute not in self.attributes or any(p not in self.users.columns for p in parts):
            raise DataError(f"audit: {attribute!r} was not audited; audited: "
                            f"{', '.join(self.attributes)}")
        keep = ~np.isnan(values)
        sensitive = self.users.loc[keep, parts].reset_index(drop=True)
        if len(parts) == 1:
            sensitive = sensitive[attribute]
        return MetricFrame(metrics={name: _mean}, y_true=values[keep], y_pred=values[keep],
                           sensitive_features=sensitive)

    # ---- serialisation ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The ``metrics.json`` structure: ``k``, ``overall``, ``groups``, ``gaps``, ``parity``,
        ``exposure``, ``popularity`` (plus settings and notes); NaN becomes null."""
        k = self.k
        out = {
            "k": k,
            "n_users": self.n_users,
            "n_users_evaluated": self.n_evaluated,
            "settings": {"n_bootstrap": self.n_bootstrap, "n_permutations": self.n_permutations,
                         "confidence_level": self.level, "seed": self.seed,
                         "min_group_size": self.min_group_size},
            "notes": list(self.notes),
            "overall": {m: _num(v) for m, v in self.overall.items()},
            "overall_ci95": {r.metric: [_num(r.ci_lo), _num(r.ci_hi)]
                             for r in self.overall_ci.itertuples()},
            "groups": self._groups_dict(),
            "gaps": self._gaps_dict(),
            "parity": self._parity_dict(),
            "exposure": self._exposure_dict(),
            "popularity": self._popularity_dict(),
        }
        return out

    def _groups_dict(self) -> dict:
        out: dict = {}
        for r in self.groups.itertuples(index=False):
            g = out.setdefault(r.attribute, {}).setdefault(r.group, {"n_users": int(r.n_users)})
            g[r.metric] = _num(r.mean)
            g[f"{r.metric}_ci95"] = [_num(r.ci_lo), _num(r.ci_hi)]
            g[f"{r.metric}_n"] = int(r.n)
        return out

    def _gaps_dict(self) -> dict:
        out: dict = {}
        adjusted = adjusted_json(self.adjusted, self.level) if len(self.adjusted) else {}
        for r in self.gaps.itertuples(index=False):
            out.setdefault(r.attribute, {})[r.metric] = {
                "difference": _num(r.difference),
                "difference_ci95": [_num(r.ci_lo), _num(r.ci_hi)], "ratio": _num(r.ratio),
                "p_value": _num(r.p_value), "flag": bool(r.flag),
                "max_group": r.max_group or None, "min_group": r.min_group or None,
                "n_groups": int(r.n_groups), "vs_rest": {},
                "adjusted": adjusted.get((r.attribute, r.metric)),
            }
        for r in self.vs_rest.itertuples(index=False):
            if r.compared:
                out[r.attribute][r.metric]["vs_rest"][r.group] = {
                    "difference": _num(r.difference), "ratio": _num(r.ratio),
                    "p_value": _num(r.p_value), "flag": bool(r.flag),
                }
        return out

    def _parity_dict(self) -> dict:
        out: dict = {}
        for r in self.parity_gaps.itertuples(index=False):
            out.setdefault(r.attribute, {})[r.item_attribute] = {
                "difference": _num(r.difference), "ratio": _num(r.ratio),
                "history_difference": _num(r.history_difference),
                "history_ratio": _num(r.history_ratio),
                "js_divergence": {}, "history_js_divergence": {}, "by_value": {},
            }
        for r in self.parity_js.itertuples(index=False):
            entry = out[r.attribute][r.item_attribute]
            entry["js_divergence"][r.group] = _num(r.js_divergence)
            entry["history_js_divergence"][r.group] = _num(r.history_js_divergence)
        for r in self.parity_values.itertuples(index=False):
            out[r.attribute][r.item_attribute]["by_value"][r.value] = {
                "difference": _num(r.difference), "ratio": _num(r.ratio),
                "history_difference": _num(r.history_difference),
                "history_ratio": _num(r.history_ratio),
                "recommended_overall": _num(r.recommended_overall),
                "history_overall": _num(r.history_overall),
                "recommended": {}, "history": {}, "bias_disparity": {},
            }
        for r in self.parity.itertuples(index=False):
            v = out[r.attribute][r.item_attribute]["by_value"][r.value]
            v["recommended"][r.group] = _num(r.recommended_share)
            v["history"][r.group] = _num(r.history_share)
            v["bias_disparity"][r.group] = _num(r.bias_disparity)
        return out

    def _exposure_dict(self) -> dict:
        k = self.k
        by_attr: dict = {}
        for r in self.exposure.itertuples(index=False):
            by_attr.setdefault(r.item_attribute, {})[r.value] = {
                "n_items": int(r.n_items), "catalogue_share": _num(r.catalogue_share),
                "relevant_share": _num(r.relevant_share), "exposure_share": _num(r.exposure_share),
                "exposure_vs_catalogue": _num(r.exposure_vs_catalogue),
                "exposure_vs_relevant": _num(r.exposure_vs_relevant),
            }
        xs = np.linspace(0.0, 1.0, LORENZ_POINTS)
        ys = np.interp(xs, self.lorenz["item_share"], self.lorenz["exposure_share"])
        return {
            f"gini_exposure@{k}": _num(self.overall.get(f"gini_exposure@{k}")),
            f"coverage@{k}": _num(self.overall.get(f"coverage@{k}")),
            "weighting": "1/log2(1 + rank)",
            "by_item_attribute": by_attr,
            "lorenz": {"item_share": [_num(x) for x in xs], "exposure_share": [_num(y) for y in ys]},
        }

    def _popularity_dict(self) -> dict:
        groups: dict = {}
        overall = {}
        for r in self.popularity.itertuples(index=False):
            entry = {"n_users": int(r.n_users), "profile_popularity": _num(r.profile_popularity),
                     "recommended_popularity": _num(r.recommended_popularity),
                     "delta_gap": _num(r.delta_gap)}
            if r.attribute == "overall":
                overall = entry
            else:
                groups.setdefault(r.attribute, {})[r.group] = entry
        return {**{key: _num(v) if not isinstance(v, str) else v for key, v in self.head.items()},
                "overall": overall, "delta_gap": groups}


def _mean(y_true, y_pred) -> float:
    """The mean of the per-user values (given as ``y_true``) — the group mean for MetricFrame."""
    return float(np.mean(y_true))
