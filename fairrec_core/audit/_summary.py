"""The fast audit summary: overall figures, group means and gaps, without resampling."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fairrec_core.errors import DataError


@dataclass(frozen=True, eq=False)
class AuditSummary:
    """What :meth:`AuditContext.summarize` returns (cheap enough for every slider move).

    - ``overall``: Series ``metric@k -> value``; per-user metrics are means over the users with a
      value (accuracy metrics over users with test items), plus ``coverage@k`` and
      ``gini_exposure@k`` over the catalogue.
    - ``groups``: long table ``attribute, group, metric, n_users, n, mean`` (``n_users`` listed
      users of the group, ``n`` of them with a value of the metric).
    - ``gaps``: ``attribute, metric, difference, ratio, flag, max_group, min_group, n_groups``
      over groups with at least ``min_group_size`` listed users and, unless the context has
      ``include_uninformative``, an informative label (not "Unknown", "unspecified", "U", ...:
      :data:`~fairrec_core.audit.UNINFORMATIVE`); the others are in ``groups`` and the notes.
    - ``parity``: ``attribute, item_attribute, difference, ratio, value``: demographic parity of
      the recommended slots per single attribute and item attribute (the largest per-value
      max - min share across groups, the smallest min / max, and the value with the largest).
    """

    k: int
    metrics: tuple[str, ...]
    overall: pd.Series
    groups: pd.DataFrame
    gaps: pd.DataFrame
    n_users: int
    n_evaluated: int
    min_group_size: int
    notes: tuple[str, ...]
    parity: pd.DataFrame

    @property
    def attributes(self) -> list[str]:
        """The audited groupings, single attributes first, then intersections."""
        return list(dict.fromkeys(self.groups["attribute"]))

    def group_table(self, attribute: str, metric: str | None = None) -> pd.DataFrame:
        """Per group of ``attribute``: ``n_users`` and the mean of every metric (columns
        ``metric@k``), or, for one ``metric``, ``group, n_users, n, mean`` (plus ``ci_lo, ci_hi``
        in a full audit)."""
        return group_table(self.groups, attribute, metric)

    def gap(self, attribute: str, metric: str) -> pd.Series:
        """The gap row of ``attribute`` and ``metric``."""
        return gap_row(self.gaps, attribute, metric)


def _check_attribute(groups: pd.DataFrame, attribute: str) -> pd.DataFrame:
    rows = groups[groups["attribute"] == attribute]
    if rows.empty:
        known = ", ".join(dict.fromkeys(groups["attribute"]))
        raise DataError(f"audit: no groups for {attribute!r}; audited: {known or 'none'}")
    return rows


def group_table(groups: pd.DataFrame, attribute: str, metric: str | None) -> pd.DataFrame:
    rows = _check_attribute(groups, attribute)
    if metric is not None:
        one = rows[rows["metric"] == metric]
        if one.empty:
                raise DataError(f"audit: unknown metric {metric!r}; metrics: "
                            f"{', '.join(dict.fromkeys(rows['metric']))}")
        return one.drop(columns=["attribute", "metric"]).reset_index(drop=True)
    wide = rows.pivot(index="group", columns="metric", values="mean")
    order = list(dict.fromkeys(rows["group"]))
    metrics = list(dict.fromkeys(rows["metric"]))
    sizes = rows.drop_duplicates("group").set_index("group")["n_users"]
    wide = wide.loc[order, metrics]
    wide.insert(0, "n_users", sizes.loc[order].to_numpy())
    wide.columns.name = None
    return wide


def gap_row(gaps: pd.DataFrame, attribute: str, metric: str) -> pd.Series:
    rows = gaps[(gaps["attribute"] == attribute) & (gaps["metric"] == metric)]
    if rows.empty:
        raise DataError(f"audit: no gap for attribute {attribute!r} and metric {metric!r}")
    return rows.iloc[0]
