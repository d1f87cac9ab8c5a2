"""The gap to close: a user attribute, a per-user metric and a target on the audit's gap."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fairrec_core.audit import USER_METRICS
from fairrec_core.errors import DataError


@dataclass(frozen=True)
class GapTarget:
    """``attribute``'s gap in ``metric`` (a per-user metric such as ``"ndcg"``, with or without
    ``@k``) must reach a target: ``max_gap`` (the audit's ``difference``, best- minus
    worst-served group, at most this) or ``min_ratio`` (the audit's ``ratio``, worst / best
    group, at least this). Exactly one of the two is given."""

    attribute: str
    metric: str = "ndcg"
    max_gap: float | None = None
    min_ratio: float | None = None

    def __post_init__(self):
        name = self.metric.partition("@")[0]
        if name not in USER_METRICS:
            raise DataError(f"close-gap: unknown metric {self.metric!r}; metrics: "
                            f"{', '.join(USER_METRICS)}")
        object.__setattr__(self, "metric", name)
        if (self.max_gap is None) == (self.min_ratio is None):
            raise DataError("close-gap: give exactly one target: a largest gap or a smallest ratio")
        if self.max_gap is not None and not (math.isfinite(self.max_gap) and self.max_gap >= 0):
            raise DataError(f"close-gap: the largest gap must be a number >= 0, got {self.max_gap}")
        if self.min_ratio is not None and not (math.isfinite(self.min_ratio)
                                               and 0 < self.min_ratio <= 1):
            raise DataError(f"close-gap: the smallest ratio must be in (0, 1], got {self.min_ratio}")

    def column(self, k: int) -> str:
        """The audit's metric label at cutoff ``k``: ``"ndcg@10"``."""
        return f"{self.metric}@{k}"

    @property
    def by_ratio(self) -> bool:
        return self.min_ratio is not None

    def met(self, difference: float, ratio: float) -> bool:
        """True when the gap figures reach the target (NaN never does)."""
        if self.by_ratio:
            return bool(ratio >= self.min_ratio) if math.isfinite(ratio) else False
        return bool(difference <= self.max_gap) if math.isfinite(difference) else False

    def distance(self, difference: float, ratio: float) -> float:
        """How far the figures are from the target (0 when met; inf when undefined)."""
        if self.by_ratio:
            return max(0.0, self.min_ratio - ratio) if math.isfinite(ratio) else math.inf
        return max(0.0, difference - self.max_gap) if math.isfinite(difference) else math.inf

    @property
    def spec(self) -> str:
        """Technical form, for files and the command line: ``gender ndcg gap <= 0.02``."""
        if self.by_ratio:
            return f"{self.attribute} {self.metric} ratio >= {self.min_ratio:g}"
        return f"{self.attribute} {self.metric} gap <= {self.max_gap:g}"

    def sentence(self, k: int) -> str:
        """In words: "the gap in ranking accuracy between gender groups at most 0.02"."""
        from fairrec_core import glossary, names

        what = glossary.label(self.column(k)).lower()
        groups = names.attribute(self.attribute)
        if self.by_ratio:
            return (f"the worst-served {groups} group gets at least {self.min_ratio:.0%} of the "
                    f"best-served group's {what}")
        return f"the gap in {what} between {groups} groups at most {self.max_gap:.4g}"
