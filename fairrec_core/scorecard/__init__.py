"""The scorecard: a one-page verdict per user attribute against the thresholds a team sets in a
policy file (``fairness-policy.toml``), for a product owner to read in a minute.

``scorecard(result, load_policy("fairness-policy.toml"), previous=old_metrics)`` takes an
:class:`~fairrec_core.audit.AuditResult` or its ``metrics.json`` dict (no recomputation) and
returns a :class:`Scorecard` (``to_dict()``, ``to_markdown()``, ``failed``). The verdict rules
are in :mod:`fairrec_core.scorecard._verdict`.
"""

from fairrec_core.scorecard._files import (
    BASELINE_ROOT,
    baseline_folder,
    parse_metrics,
    read_baseline,
    save_baseline,
)
from fairrec_core.scorecard._policy import (
    DEFAULT_MAX_GAP,
    DEFAULT_METRIC,
    DEFAULT_MIN_RATIO,
    DEFAULT_SIGNIFICANCE,
    MetricPolicy,
    Policy,
    load_policy,
    parse_policy,
    policy_toml,
)
from fairrec_core.scorecard._scorecard import Card, Change, Scorecard, scorecard
from fairrec_core.scorecard._verdict import (
    COLOURS,
    LABELS,
    OVERALL,
    STEPS,
    Check,
    check,
    sentence,
    who,
    worst_ratio,
)

__all__ = [
    "BASELINE_ROOT",
    "COLOURS",
    "DEFAULT_MAX_GAP",
    "DEFAULT_METRIC",
    "DEFAULT_MIN_RATIO",
    "DEFAULT_SIGNIFICANCE",
    "LABELS",
    "OVERALL",
    "STEPS",
    "Card",
    "Change",
    "Check",
    "MetricPolicy",
    "Policy",
    "Scorecard",
    "baseline_folder",
    "check",
    "load_policy",
    "parse_metrics",
    "parse_policy",
    "policy_toml",
    "read_baseline",
    "save_baseline",
    "scorecard",
    "sentence",
    "who",
    "worst_ratio",
]
