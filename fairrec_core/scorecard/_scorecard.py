"""The scorecard: per attribute, the verdict against the policy, the worst-served group in words,
what changed since a previous audit and the next step — as a JSON-safe dict and as Markdown."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fairrec_core.errors import DataError
from fairrec_core.scorecard._policy import Policy
from fairrec_core.scorecard._verdict import SEVERITY, Check, check
from fairrec_core.wording import num

INTERSECTION = " & "  # as fairrec_core.audit.INTERSECTION (kept import-light)
ICONS = {"green": "🟢 green", "amber": "🟠 amber", "red": "🔴 red", "grey": "⚪ not assessed"}


@dataclass(frozen=True)
class Change:
    """The gap of one attribute and metric in a previous audit and now."""

    attribute: str
    metric: str
    then: float | None
    now: float | None

    @property
    def text(self) -> str:
        if self.then is None:
            return "not in the previous audit"
        if self.now is None:
            return f"{num(self.then)} → n/a"
        delta = self.now - self.then
        sign = "+" if delta >= 0 else ""
        return f"{num(self.then)} → {num(self.now)} ({sign}{num(delta)})"

    def to_dict(self) -> dict:
        change = (None if self.then is None or self.now is None else self.now - self.then)
        return {"then": self.then, "now": self.now, "change": change, "text": self.text}


@dataclass(frozen=True)
class Card:
    """One attribute: its checks (one per policy metric); the verdict is the most severe."""

    attribute: str
    checks: tuple[Check, ...]
    changes: tuple[Change, ...] = ()
    excluded_groups: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return max((c.colour for c in self.checks), key=SEVERITY.__getitem__)

    @property
    def headline(self) -> Check:
        """The check that sets the verdict (the first metric among equals)."""
        return next(c for c in self.checks if c.colour == self.verdict)

    def to_dict(self) -> dict:
        h = self.headline
        return {"attribute": self.attribute, "verdict": self.verdict, "sentence": h.sentence,
                "summary": h.summary, "next_step": h.next_step,
                "excluded_groups": dict(self.excluded_groups),
                "checks": [c.to_dict() for c in self.checks],
                "changes": {c.metric: c.to_dict() for c in self.changes}}


@dataclass(frozen=True)
class Scorecard:
    k: int
    policy: Policy
    cards: tuple[Card, ...]
    gates: tuple[dict, ...] = ()  # the policy's fail_on conditions: condition, value, failed
    previous: bool = False

    @property
    def verdict(self) -> str:
        return max((c.verdict for c in self.cards), key=SEVERITY.__getitem__, default="grey")

    @property
    def failed(self) -> bool:
        """True when the policy gates this scorecard: a red verdict with ``fail_on_red``, or a
        ``fail_on`` condition met."""
        red = self.policy.fail_on_red and any(c.verdict == "red" for c in self.cards)
        return bool(red or any(g["failed"] for g in self.gates))

    def to_dict(self) -> dict:
        return {"k": self.k, "verdict": self.verdict, "failed": self.failed,
                "policy": self.policy.to_dict(), "compared_with_previous": self.previous,
                "cards": [c.to_dict() for c in self.cards], "fail_on": list(self.gates)}

    def to_markdown(self) -> str:
        from fairrec_core.scorecard._markdown import render

        return render(self)


def scorecard(result, policy: Policy | None = None, previous: dict | None = None) -> Scorecard:
    """The scorecard of ``result`` (an :class:`~fairrec_core.audit.AuditResult` or its
    ``metrics.json`` dict) under ``policy`` (default :class:`Policy()`), with the change of each
    gap since ``previous`` (an older ``metrics.json`` dict)."""
    metrics = result.to_dict() if hasattr(result, "to_dict") else result
    policy = policy or Policy()
    if not isinstance(metrics, dict) or not isinstance(metrics.get("gaps"), dict) \
            or not isinstance(metrics.get("k"), int):
        raise DataError("audit: expected an audit's metrics.json (with 'k' and 'gaps')")
    k, gaps = metrics["k"], metrics["gaps"]
    groups = metrics.get("groups") or {}
    level = float((metrics.get("settings") or {}).get("confidence_level", 0.95))
    audited = list(gaps)
    attributes = policy.attributes or [a for a in audited if INTERSECTION not in a]
    for a in attributes:
        if a not in gaps:
            raise DataError(f"{policy.source}: attributes: {a!r} was not audited; audited: "
                            f"{', '.join(audited) or 'none'}")
    old = (previous or {}).get("gaps") or {}
    cards = []
    for a in attributes:
        checks, changes, excluded = [], [], {}
        for mp in policy.metrics:
            metric = f"{mp.name}@{k}"
            if metric not in gaps[a]:
                raise DataError(f"{policy.source}: metrics.{mp.name}: {metric!r} is not in the "
                                f"audit; audited: {', '.join(gaps[a])}")
            gap = gaps[a][metric]
            checks.append(check(a, metric, gap, groups.get(a) or {}, policy, mp, level))
            excluded.update(gap.get("excluded_groups") or {})
            if previous is not None:
                then = ((old.get(a) or {}).get(metric) or {}).get("difference")
                changes.append(Change(a, metric, then, gap.get("difference")))
        cards.append(Card(a, tuple(checks), tuple(changes), excluded))
    gates = tuple(_gate(spec, metrics, policy.source) for spec in policy.fail_on)
    return Scorecard(k, policy, tuple(cards), gates, previous is not None)


def _gate(spec: str, metrics: dict, source: str) -> dict:
    """A ``fail_on`` condition evaluated on ``metrics.json`` (as the audit's ``--fail-on``)."""
    from fairrec_core.audit import USER_METRICS, FailCondition
    from fairrec_core.audit._gate import _OPS

    item_attributes = sorted({i for a in (metrics.get("parity") or {}).values() for i in a})
    try:
        cond = FailCondition.parse(spec).resolve(metrics["k"], USER_METRICS, item_attributes,
                                                 list(metrics["gaps"]))
    except DataError as exc:
        raise DataError(f"{source}: fail_on: {str(exc).removeprefix('--fail-on ')}") from None
    if cond.metric in metrics["gaps"][cond.attribute]:
        value = metrics["gaps"][cond.attribute][cond.metric].get(cond.statistic)
    else:
        value = ((metrics.get("parity") or {}).get(cond.attribute) or {}) \
            .get(cond.metric, {}).get(cond.statistic)
    failed = value is not None and math.isfinite(value) and _OPS[cond.op](value, cond.threshold)
    return {"condition": spec, "value": value, "failed": bool(failed)}
