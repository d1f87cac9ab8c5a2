"""Private release of an audit: group means of clipped per-user metrics with calibrated noise
(OpenDP), intervals covering sampling and noise, gaps and p-values from the noisy values only,
and a budget ledger per dataset.

``private_release(ctx, lists, epsilon=1.0)`` gives a :class:`PrivateRelease` (``to_dict()``
is the private ``metrics.json``); ``BudgetLedger(path, dataset=..., epsilon=10)`` records what
was spent and refuses a release beyond the budget (:class:`PrivacyError`).
``dp_tradeoff(train, test, epsilons=..., model="bpr")`` trains BPR or the two-tower by DP-SGD at several ε and audits each
model on one attribute: the privacy-accuracy-fairness trade-off as a tidy table.
"""

from fairrec_core.privacy._bounds import DEFAULT_PRIVATE_METRICS, METRIC_BOUNDS
from fairrec_core.privacy._errors import PrivacyError
from fairrec_core.privacy._ledger import BudgetLedger
from fairrec_core.privacy._mechanism import Accounting, Query, calibrate
from fairrec_core.privacy._release import N_SIMULATIONS, private_release
from fairrec_core.privacy._result import PRIVATE_NOTE, PrivateRelease
from fairrec_core.privacy._split import COUNT_SHARE, SUM_SHARE, SUMSQ_SHARE, budget_parts
from fairrec_core.privacy._tradeoff import (
    DP_BPR,
    DP_MODELS,
    DP_TWOTOWER,
    EPSILONS,
    dp_tradeoff,
)

__all__ = [
    "COUNT_SHARE",
    "DP_BPR",
    "DP_MODELS",
    "DP_TWOTOWER",
    "DEFAULT_PRIVATE_METRICS",
    "EPSILONS",
    "METRIC_BOUNDS",
    "N_SIMULATIONS",
    "PRIVATE_NOTE",
    "SUMSQ_SHARE",
    "SUM_SHARE",
    "Accounting",
    "BudgetLedger",
    "PrivacyError",
    "PrivateRelease",
    "Query",
    "budget_parts",
    "calibrate",
    "dp_tradeoff",
    "private_release",
]
