"""Fairness in training (in-processing): the groups a penalty compares and the penalties the
factor models (ALS, BPR, two-tower) take as parameters (``fairness``, ``fairness_weight``,
``fairness_attr``).

``group_codes(data, attribute, side)`` -> one code per user or item, -1 for an uninformative label.
"""

from fairrec_core.fairtrain._groups import SIDES, group_codes

__all__ = ["SIDES", "group_codes"]
