"""The fairness policy: the thresholds a team sets for the scorecard (``fairness-policy.toml``).

```toml
significance = 0.05            # a gap counts as real when the pair's p-value is below this
attributes = ["gender"]        # optional; default: every single attribute audited
fail_on_red = true             # `scorecard` exits 3 when any verdict is red
fail_on = ["gender:ndcg:difference>0.05"]   # optional, the audit's --fail-on conditions

[metrics.ndcg]                 # one table per metric (name without @k); default: ndcg only
max_gap = 0.02                 # largest acceptable gap (best- minus worst-served group)
min_ratio = 0.8                # smallest acceptable ratio of a group's mean to the reference's
```
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from fairrec_core.errors import DataError

#: Defaults of a metric's thresholds and of the policy.
DEFAULT_MAX_GAP = 0.02
DEFAULT_MIN_RATIO = 0.8
DEFAULT_SIGNIFICANCE = 0.05
DEFAULT_METRIC = "ndcg"

_TOP_KEYS = ("significance", "attributes", "fail_on_red", "fail_on", "metrics")
_METRIC_KEYS = ("max_gap", "min_ratio")


@dataclass(frozen=True)
class MetricPolicy:
    """Thresholds for one per-user metric (``name`` without ``@k``)."""

    name: str
    max_gap: float = DEFAULT_MAX_GAP
    min_ratio: float = DEFAULT_MIN_RATIO


@dataclass(frozen=True)
class Policy:
    """What the team accepts. ``attributes`` None: every single attribute the audit compared."""

    metrics: tuple[MetricPolicy, ...] = (MetricPolicy(DEFAULT_METRIC),)
    significance: float = DEFAULT_SIGNIFICANCE
    attributes: tuple[str, ...] | None = None
    fail_on_red: bool = False
    fail_on: tuple[str, ...] = ()
    source: str = field(default="default policy", compare=False)

    def to_dict(self) -> dict:
        return {"source": self.source, "significance": self.significance,
                "attributes": None if self.attributes is None else list(self.attributes),
                "fail_on_red": self.fail_on_red, "fail_on": list(self.fail_on),
                "metrics": {m.name: {"max_gap": m.max_gap, "min_ratio": m.min_ratio}
                            for m in self.metrics}}


def load_policy(path) -> Policy:
    """Read and check a policy file; any problem is one :class:`DataError` line naming the file,
    the key and what was expected."""
    from fairrec_core.data import read_file  # size-limited, one-line errors

    path = Path(path)
    raw = read_file(path)
    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; expected a TOML policy file") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: not valid TOML ({exc}); expected a policy file such as "
                        "fairness-policy.toml") from None
    return parse_policy(table, source=str(path))


def parse_policy(table: dict, source: str = "policy") -> Policy:
    """A :class:`Policy` from a parsed TOML table."""
    def fail(key: str, expected: str) -> DataError:
        return DataError(f"{source}: {key}: expected {expected}")

    unknown = [k for k in table if k not in _TOP_KEYS]
    if unknown:
        raise fail(unknown[0], f"one of the keys {', '.join(_TOP_KEYS)} (unknown key)")
    significance = _number(table.get("significance", DEFAULT_SIGNIFICANCE), "significance",
                           fail, "a number between 0 and 1 (e.g. 0.05)", 0.0, 1.0, open_low=True)
    if significance >= 1.0:
        raise fail("significance", "a number between 0 and 1 (e.g. 0.05)")
    attributes = table.get("attributes")
    if attributes is not None:
        if (not isinstance(attributes, list) or not attributes
                or not all(isinstance(a, str) and a.strip() for a in attributes)):
            raise fail("attributes", 'a non-empty list of attribute names, e.g. ["gender"]')
        attributes = tuple(a.strip() for a in attributes)
    fail_on_red = table.get("fail_on_red", False)
    if not isinstance(fail_on_red, bool):
        raise fail("fail_on_red", "true or false")
    fail_on = table.get("fail_on", [])
    if not isinstance(fail_on, list) or not all(isinstance(s, str) for s in fail_on):
        raise fail("fail_on", 'a list of conditions, e.g. ["gender:ndcg:difference>0.05"]')
    if fail_on:
        from fairrec_core.audit._gate import FailCondition  # checks the syntax

        for spec in fail_on:
            try:
                FailCondition.parse(spec)
            except DataError as exc:
                raise fail("fail_on", str(exc).replace("--fail-on ", "a condition like ")) \
                    from None
    return Policy(metrics=_metrics(table.get("metrics"), fail), significance=significance,
                  attributes=attributes, fail_on_red=fail_on_red, fail_on=tuple(fail_on),
                  source=source)


def _metrics(tables, fail) -> tuple[MetricPolicy, ...]:
    if tables is None:
        return (MetricPolicy(DEFAULT_METRIC),)
    if not isinstance(tables, dict) or not tables:
        raise fail("metrics", "tables such as [metrics.ndcg] with max_gap and min_ratio")
    out = []
    for name, entry in tables.items():
        key = f"metrics.{name}"
        if not isinstance(entry, dict):
            raise fail(key, "a table with max_gap and min_ratio")
        unknown = [k for k in entry if k not in _METRIC_KEYS]
        if unknown:
            raise fail(f"{key}.{unknown[0]}", "max_gap or min_ratio (unknown key)")
        base = name.partition("@")[0].strip().lower()
        from fairrec_core.glossary import METRICS

        if base not in METRICS:
            raise fail(key, f"a per-user metric name ({', '.join(METRICS)})")
        max_gap = _number(entry.get("max_gap", DEFAULT_MAX_GAP), f"{key}.max_gap", fail,
                          "a number >= 0 (the largest acceptable gap, e.g. 0.02)", 0.0, math.inf)
        min_ratio = _number(entry.get("min_ratio", DEFAULT_MIN_RATIO), f"{key}.min_ratio", fail,
                            "a number between 0 and 1 (e.g. 0.8)", 0.0, 1.0)
        out.append(MetricPolicy(base, max_gap, min_ratio))
    return tuple(out)


def _number(value, key, fail, expected, low, high, open_low=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(key, f"{expected}, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < low or value > high or (open_low and value == low):
        raise fail(key, f"{expected}, got {value!r}")
    return value


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def policy_toml(policy: Policy) -> str:
    """``policy`` as a ``fairness-policy.toml`` that :func:`load_policy` reads back to an equal
    :class:`Policy` (the download of the app's edited thresholds)."""
    lines = [f"# fairness policy (from {policy.source}); read by `python -m fairrec_core "
             "scorecard --policy` and `audit --policy`",
             f"significance = {_toml_value(policy.significance)}"]
    if policy.attributes is not None:
        lines.append(f"attributes = {_toml_value(list(policy.attributes))}")
    lines += [f"fail_on_red = {_toml_value(policy.fail_on_red)}",
              f"fail_on = {_toml_value(list(policy.fail_on))}"]
    for m in policy.metrics:
        lines += ["", f"[metrics.{m.name}]", f"max_gap = {_toml_value(float(m.max_gap))}",
                  f"min_ratio = {_toml_value(float(m.min_ratio))}"]
    return "\n".join(lines) + "\n"
