"""Close a gap: search every re-ranker and strength for the settings that bring a group gap of
the audit (e.g. gender NDCG@10 gap ≤ 0.02) to a target at the least accuracy cost — What-If
Tool's one-click strategies for ranked lists.

``search_gap(ctx, candidates, GapTarget("gender", "ndcg", max_gap=0.02))`` returns a
:class:`GapSearch`: every evaluated setting (``table``), the best few with the full audit's
interval (``shortlist``), the ``chosen`` one, or the ``closest`` when none meets the target.
"""

from fairrec_core.gapsearch._result import TABLE_COLUMNS, GapSearch, title
from fairrec_core.gapsearch._search import (
    DECIMALS,
    N_BEST,
    N_RESAMPLES,
    REFINE_STEPS,
    search_gap,
)
from fairrec_core.gapsearch._settings import applicable, fixed_params
from fairrec_core.gapsearch._target import GapTarget

__all__ = [
    "DECIMALS",
    "N_BEST",
    "N_RESAMPLES",
    "REFINE_STEPS",
    "TABLE_COLUMNS",
    "GapSearch",
    "GapTarget",
    "applicable",
    "fixed_params",
    "search_gap",
    "title",
]
