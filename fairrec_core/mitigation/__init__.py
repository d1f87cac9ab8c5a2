"""Mitigation: compare the three levers for reducing a group gap — rebalancing the data
(pre), fairness-regularised training (in) and re-ranking the output (post) — on one split with
the audit's statistics, at several strengths each.

``mitigate(train, test, model="als", params={}, target=MitigationTarget("gender"),
levers=("pre", "in", "post"), strengths=(0, 0.25, 0.5, 1), k=10)`` returns a
:class:`MitigationResult`:

- ``table``: one row per lever x strength, columns :data:`TABLE_COLUMNS` = ``lever, strength,
  setting`` (technical, e.g. ``ugf:user_attr=gender,lambda=0.5,epsilon=none``), ``model, note``
  (why a lever the model lacks was not pulled; then no figures), ``accuracy`` (overall NDCG@k),
  ``gap, gap_lo, gap_hi`` (the target's gap and its 95% bootstrap interval), ``p_value``
  (permutation, max-T adjusted; NaN unless ``n_permutations``), ``accuracy_change`` (accuracy /
  plain - 1), ``gap_change`` (|gap| / |plain gap| - 1), ``seconds`` (training or re-ranking),
  then every metric overall (``ndcg@10``) and per group (``ndcg@10 gender=F``).
  Strength 0 is the plain model, trained once and shared by every lever.
- ``pareto`` (the rows on the accuracy-vs-|gap| front), ``best(max_loss=0.03)`` (the largest
  gap cut within a relative accuracy loss), ``lists[(lever, strength)]``, ``stopped``.
- ``to_dict()``, ``to_json()``, ``files()`` / ``save(folder)``: ``mitigation.csv`` and
  ``mitigation.json``.

:class:`MitigationTarget` ``(attribute="gender", metric="ndcg")`` targets the audit's gap
(``difference``) between the user attribute's groups; with ``item_attribute="brand_tier",
protected="small"`` the protected items' exposure shortfall (catalogue share - exposure share).
:func:`lever_setting` says what a lever trains or applies at a strength (see :mod:`._levers`);
:func:`pareto_chart` draws the result. The command line: ``python -m fairrec_core mitigate``.
"""

from fairrec_core.mitigation._chart import LEVER_NAMES, pareto_chart
from fairrec_core.mitigation._levers import (
    FAIRNESS_MODE,
    LEVERS,
    REWEIGHT_TARGET,
    LeverSetting,
    check_levers,
    check_strengths,
    lever_setting,
)
from fairrec_core.mitigation._measure import exposure_shortfall, measure
from fairrec_core.mitigation._result import FILES, MAX_LOSS, TABLE_COLUMNS, MitigationResult
from fairrec_core.mitigation._sweep import CANDIDATES, N_BOOTSTRAP, mitigate
from fairrec_core.mitigation._target import SIDES, MitigationTarget

__all__ = [
    "CANDIDATES",
    "FAIRNESS_MODE",
    "FILES",
    "LEVERS",
    "LEVER_NAMES",
    "MAX_LOSS",
    "N_BOOTSTRAP",
    "REWEIGHT_TARGET",
    "SIDES",
    "TABLE_COLUMNS",
    "LeverSetting",
    "MitigationResult",
    "MitigationTarget",
    "check_levers",
    "check_strengths",
    "exposure_shortfall",
    "lever_setting",
    "measure",
    "mitigate",
    "pareto_chart",
]
