"""Rebalancing the training data (pre-processing): interaction weights that make user groups (or
item groups, e.g. small sellers) weigh as a chosen target says, and a table of what that did.

``interaction_weights(data, target=..., attribute=..., side=..., strength=...)`` -> one weight per
interaction (mean 1); ``reweight(...)`` -> the data with a ``"weight"`` interaction column, which
the models that take weights use (``Recommender.takes_weights``); ``balance_table(data,
attribute, weights=...)`` -> each group's share of members, interactions and each category,
before and after.
"""

from fairrec_core.rebalance._balance import COLUMNS, balance_table
from fairrec_core.rebalance._weights import (
    SIDES,
    TARGETS,
    WEIGHT_COLUMN,
    interaction_weights,
    reweight,
)

__all__ = [
    "COLUMNS",
    "SIDES",
    "TARGETS",
    "WEIGHT_COLUMN",
    "balance_table",
    "interaction_weights",
    "reweight",
]
