"""The audit engine: per-user metrics, group means with bootstrap intervals, gaps with
permutation tests, demographic parity of recommendations, item exposure and popularity bias —
one computation for the dashboard and the command line.

Build an :class:`AuditContext` once per train / test split, then assess any ranked lists:
``ctx.user_metrics(lists)``, ``ctx.summarize(lists)`` (fast) or ``ctx.audit(lists)`` (an
:class:`AuditResult` with everything, serialisable with ``to_dict()``). An ``audit --out`` folder
opens again with :func:`read_audit_folder` (every per-group table, from ``metrics.json``).
"""

from fairrec_core.audit._adjusted import (
    ACTIVITY,
    ADJUSTED_COLUMNS,
    activity_covariates,
    adjusted_gaps,
    numeric_user_columns,
)
from fairrec_core.audit._context import (
    ACCURACY_METRICS,
    BEYOND_METRICS,
    CATALOGUE_METRICS,
    USER_METRICS,
    AuditContext,
)
from fairrec_core.audit._folder import (
    METRICS_FILE,
    USERS_FILES,
    OpenedAudit,
    open_audit_metrics,
    read_audit_folder,
    read_audit_metrics,
)
from fairrec_core.audit._gaps import FOUR_FIFTHS, MIN_GROUP_SIZE
from fairrec_core.audit._gate import GATE_HELP, GATE_STATISTICS, FailCondition
from fairrec_core.audit._groups import (
    DEFAULT_GROUPS,
    INTERSECTION,
    MAX_AUDITED_ATTRIBUTES,
    UNINFORMATIVE,
    Grouping,
    audited_attributes,
    user_groupings,
)
from fairrec_core.audit._items import POPULARITY_BAND
from fairrec_core.audit._result import FORMAT_VERSION, AuditResult
from fairrec_core.audit._summary import AuditSummary

__all__ = [
    "ACCURACY_METRICS",
    "ACTIVITY",
    "ADJUSTED_COLUMNS",
    "BEYOND_METRICS",
    "CATALOGUE_METRICS",
    "DEFAULT_GROUPS",
    "FORMAT_VERSION",
    "FOUR_FIFTHS",
    "GATE_HELP",
    "GATE_STATISTICS",
    "INTERSECTION",
    "MAX_AUDITED_ATTRIBUTES",
    "METRICS_FILE",
    "MIN_GROUP_SIZE",
    "POPULARITY_BAND",
    "UNINFORMATIVE",
    "USERS_FILES",
    "USER_METRICS",
    "AuditContext",
    "AuditResult",
    "AuditSummary",
    "FailCondition",
    "Grouping",
    "OpenedAudit",
    "activity_covariates",
    "adjusted_gaps",
    "audited_attributes",
    "numeric_user_columns",
    "open_audit_metrics",
    "read_audit_folder",
    "read_audit_metrics",
    "user_groupings",
]
