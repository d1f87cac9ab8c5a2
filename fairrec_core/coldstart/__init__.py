"""Cold start (issue 15): items without any training interaction. A split that holds out a
share of the items entirely, and an audit of a model on it — accuracy of its ranking of the new
items and of the known ones, and the exposure the new items get, per user group and per item
group — with a paired comparison of two models on the same users.

    split = cold_start_split(data, cold_share=0.2)
    model = TextALS().fit(split.train)
    result = cold_start_audit(split, model)   # result.overall, .groups, .items, .users
"""

from fairrec_core.coldstart._audit import COLD_EXPOSURE, cold_start_audit
from fairrec_core.coldstart._compare import compare_users
from fairrec_core.coldstart._lists import candidate_lists
from fairrec_core.coldstart._result import COLDSTART_FILES, ColdStartResult
from fairrec_core.coldstart._split import ColdStartSplit, cold_start_split

__all__ = [
    "COLDSTART_FILES",
    "COLD_EXPOSURE",
    "ColdStartResult",
    "ColdStartSplit",
    "candidate_lists",
    "cold_start_audit",
    "cold_start_split",
    "compare_users",
]
