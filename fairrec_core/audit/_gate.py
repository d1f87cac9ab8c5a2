"""Release gates on an audit: ``ATTR:METRIC:STAT>X`` conditions (``--fail-on``), so a team can stop
a recommender whose group gaps exceed what they accept."""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from fairrec_core.audit._groups import INTERSECTION
from fairrec_core.errors import DataError

#: Gap statistics a condition can name.
GATE_STATISTICS = ("difference", "ratio", "p_value")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_TAIL = re.compile(r"^\s*(difference|ratio|p_value)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")
GATE_HELP = ("ATTR:METRIC:STAT>X, e.g. gender:ndcg@10:difference>0.05 or "
             "age_group:recall:ratio<0.8; METRIC may be an item attribute (category, brand_tier, "
             "popularity_band, ...) for the parity of recommended slots")


@dataclass(frozen=True)
class FailCondition:
    """``attribute:metric:statistic op threshold``. ``metric`` is a per-user metric (``ndcg`` or
    ``ndcg@10``) — the gap between the attribute's groups — or an item attribute, the parity
    difference / ratio of recommended slots."""

    spec: str
    attribute: str
    metric: str
    statistic: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, spec: str) -> FailCondition:
        parts = spec.rsplit(":", 2)
        match = _TAIL.match(parts[-1]) if len(parts) == 3 else None
        if not match or not parts[0].strip() or not parts[1].strip():
            raise DataError(f"--fail-on {spec!r}: expected {GATE_HELP}")
        stat, op, value = match.groups()
        try:
            threshold = float(value)
        except ValueError:
            raise DataError(f"--fail-on {spec!r}: {value!r} is not a number") from None
        return cls(spec, parts[0].strip(), parts[1].strip(), stat, op, threshold)

    def resolve(self, k: int, user_metrics, item_attributes, attributes) -> FailCondition:
        """The condition with ``metric`` completed to ``metric@k``; unknown names raise."""
        if self.attribute not in attributes:
            raise DataError(f"--fail-on {self.spec!r}: {self.attribute!r} is not audited; "
                            f"audited: {', '.join(attributes)}")
        name, _, cut = self.metric.partition("@")
        if name in user_metrics:
            if cut and cut != str(k):
                raise DataError(f"--fail-on {self.spec!r}: the audit is at k={k}, not {cut}")
            return FailCondition(self.spec, self.attribute, f"{name}@{k}", self.statistic,
                                 self.op, self.threshold)
        if self.metric in item_attributes:
            if INTERSECTION in self.attribute:
                raise DataError(f"--fail-on {self.spec!r}: parity is computed for single "
                                "attributes, not intersections")
            if self.statistic == "p_value":
                raise DataError(f"--fail-on {self.spec!r}: parity has a difference and a ratio, "
                                "no p-value")
            return self
        raise DataError(f"--fail-on {self.spec!r}: unknown metric {self.metric!r}; per-user "
                        f"metrics: {', '.join(user_metrics)}; item attributes: "
                        f"{', '.join(item_attributes)}")

    def value(self, result) -> float:
        """The statistic in ``result`` (an AuditResult)."""
        if self.metric in result.metrics:
            return float(result.gap(self.attribute, self.metric)[self.statistic])
        rows = result.parity_gaps[(result.parity_gaps["attribute"] == self.attribute)
                                  & (result.parity_gaps["item_attribute"] == self.metric)]
        if rows.empty:
            raise DataError(f"--fail-on {self.spec!r}: no parity figures for {self.attribute!r} "
                            "(parity is computed for single attributes, not intersections)")
        return float(rows.iloc[0][self.statistic])

    def exceeded(self, result) -> tuple[bool, float]:
        """``(violated, value)``; an undefined value (NaN) never violates."""
        v = self.value(result)
        return (v == v and _OPS[self.op](v, self.threshold)), v
