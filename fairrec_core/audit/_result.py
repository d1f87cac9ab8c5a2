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
#: The ``metrics.json`` layout this version writes (``format_version``) and reads back.
FORMAT_VERSION = 1


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
    - ``gaps``: one row per attribute and metric, over the *compared* groups (at least
      ``min_group_size`` listed users and, unless ``include_uninformative``, an informative
      label — "Unknown", "unspecified", "U" are shown in ``groups`` but not compared):
      ``difference`` (best- minus worst-served group, the headline pair), ``ratio``, ``flag``,
      ``max_group, min_group, n_groups``;
      ``p_value``: studentised omnibus permutation test (statistic max over pairs of
      |difference| / standard error, the standard error recomputed in every shuffle);
      ``p_value_mc_se``: its Monte-Carlo standard error sqrt(p (1 - p) / n_permutations);
      ``p_value_pair``: the headline pair's max-T adjusted p-value (< 1 - level exactly when its
      interval excludes 0, ties within 1e-6 aside: both come from the permutation distribution
      of max |t|);
      ``p_value_range``: the permutation p-value of max - min, not studentised (the statistic
      before issue 10); ``ci_lo, ci_hi``: the **simultaneous** ``level`` interval of the
      headline difference, ``difference ± critical_value · se`` (valid for every pair at once,
      so for the pair picked after seeing the data); ``se``: plug-in standard error of the
      headline difference sqrt(sd_a²/n_a + sd_b²/n_b); ``statistic``: the observed max |t|;
      ``critical_value``: the ``level`` quantile of max |t| over the permutations (the omnibus
      test's null distribution, so interval and p-value agree; the bootstrap-t quantile when
      there are no permutations), also ``critical_value_bootstrap`` and
      ``critical_value_permutation``;
      ``ci_lo_percentile, ci_hi_percentile``: the plain percentile bootstrap interval of the
      headline difference, NOT adjusted for picking the pair (under-covers; for reference);
      ``min_detectable_gap``: (critical_value + z_0.8)·se, the smallest true gap between the
      headline pair found with 80% power at the 5% level; ``reference_group``;
      ``excluded_groups``: ``{group: "uninformative" | "small" | "no values"}``.
    - ``pairwise``: every pair of compared groups: ``attribute, metric, group_a, group_b,
      mean_a, mean_b, difference`` (a - b), ``se, statistic`` (t), ``ci_lo, ci_hi``
      (simultaneous, same critical value as the gap), ``p_value`` (studentised permutation,
      unadjusted), ``p_value_mc_se``, ``p_adjusted_maxt`` (single-step max-T, Westfall–Young,
      the one that agrees with the intervals), ``p_adjusted_holm``, ``p_adjusted_bh``
      (Benjamini–Hochberg, false discovery rate), all adjusted within an attribute and metric.
    - ``vs_rest``: ``attribute, group, metric, n_users, mean, rest_mean, difference`` (group -
      rest), ``ratio`` (group / rest), ``flag`` (ratio outside [0.8, 1.25]), ``p_value``
      (studentised permutation test), ``p_value_mc_se``, ``p_adjusted_holm`` (Holm over the
      attribute's compared groups), ``compared`` (the group is compared).
    - ``reference``: ``attribute, metric, group, reference, mean, reference_mean, ratio`` (mean /
      reference mean), ``difference``, ``flag`` (compared group outside the four-fifths band
      [0.8, 1.25]), ``compared``; the reference is ``AuditContext(reference=...)``'s group for
      the attribute, else the compared group with the most listed users.
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
    pairwise: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference: pd.DataFrame = field(default_factory=pd.DataFrame)
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
    @classmethod
    def from_dict(cls, data: dict, *, users: pd.DataFrame | None = None) -> AuditResult:
        """The result back from its :meth:`to_dict` (a ``metrics.json``): every per-group table;
        ``users`` is empty unless given (see :mod:`fairrec_core.audit._from_dict` for what the
        file does not hold). Use :func:`read_audit_metrics` for a file: it checks it first."""
        from fairrec_core.audit._from_dict import result_fields

        return cls(**result_fields(data, users))

    def to_dict(self) -> dict:
        """The ``metrics.json`` structure: ``format_version`` (:data:`FORMAT_VERSION`), ``k``,
        ``overall``, ``groups``, ``gaps``, ``parity``, ``exposure``, ``popularity`` (plus
        settings and notes); NaN becomes null. :meth:`from_dict` reads it back.

        ``gaps.<attribute>.<metric>`` holds ``difference``, ``difference_ci95`` (the
        simultaneous interval, = ``difference_ci95_simultaneous``), ``ratio``, ``p_value`` (the
        studentised omnibus test, = ``p_value_studentised``), ``flag``, ``max_group``,
        ``min_group``, ``n_groups``, ``vs_rest.<group>`` (``difference, ratio, p_value, flag,
        p_value_mc_se, p_adjusted_holm``) and ``difference_ci95_percentile``,
        ``difference_se``, ``critical_value``, ``statistic``, ``p_value_mc_se``,
        ``p_value_pair``, ``p_value_range``, ``min_detectable_gap``, ``excluded_groups``
        (``{group: reason}``), ``reference`` (``{group, ratios: {group: r}, flags: {group:
        bool}}``) and, for single attributes, ``pairwise`` (a list of ``{groups: [a, b],
        difference, se, ci95, p_value, p_value_mc_se, p_adjusted_maxt, p_adjusted_holm,
        p_adjusted_bh}``); the meaning of each is in the class docstring."""
        k = self.k
        out = {
            "format_version": FORMAT_VERSION,
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
                **self._gap_statistics(r),
            }
        for r in self.vs_rest.itertuples(index=False):
            if r.compared:
                out[r.attribute][r.metric]["vs_rest"][r.group] = {
                    "difference": _num(r.difference), "ratio": _num(r.ratio),
                    "p_value": _num(r.p_value), "flag": bool(r.flag),
                    "p_value_mc_se": _num(getattr(r, "p_value_mc_se", None)),
                    "p_adjusted_holm": _num(getattr(r, "p_adjusted_holm", None)),
                }
        for r in self.pairwise.itertuples(index=False):
            if INTERSECTION in r.attribute:  # intersections: the gap only (hundreds of pairs)
                continue
            out[r.attribute][r.metric]["pairwise"].append({
                "groups": [r.group_a, r.group_b], "difference": _num(r.difference),
                "se": _num(r.se), "ci95": [_num(r.ci_lo), _num(r.ci_hi)],
                "p_value": _num(r.p_value), "p_value_mc_se": _num(r.p_value_mc_se),
                "p_adjusted_maxt": _num(r.p_adjusted_maxt),
                "p_adjusted_holm": _num(r.p_adjusted_holm),
                "p_adjusted_bh": _num(r.p_adjusted_bh),
            })
        for r in self.reference.itertuples(index=False):
            ref = out[r.attribute][r.metric]["reference"]
            ref["group"] = r.reference
            ref["ratios"][r.group] = _num(r.ratio)
            if r.compared:
                ref["flags"][r.group] = bool(r.flag)
        return out

    def _gap_statistics(self, r) -> dict:
        """The issue-10 statistics of one gap row (see the class docstring)."""
        if not hasattr(r, "critical_value"):
            return {}
        return {
            "difference_ci95_simultaneous": [_num(r.ci_lo), _num(r.ci_hi)],
            "difference_ci95_percentile": [_num(r.ci_lo_percentile), _num(r.ci_hi_percentile)],
            "difference_se": _num(r.se), "critical_value": _num(r.critical_value),
            "statistic": _num(r.statistic),
            "p_value_studentised": _num(r.p_value), "p_value_mc_se": _num(r.p_value_mc_se),
            "p_value_pair": _num(r.p_value_pair), "p_value_range": _num(r.p_value_range),
            "min_detectable_gap": _num(r.min_detectable_gap),
            "excluded_groups": dict(r.excluded_groups),
            "pairwise": [],
            "reference": {"group": r.reference_group, "ratios": {}, "flags": {}},
        }

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
