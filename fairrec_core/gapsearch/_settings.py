"""Which re-rankers can act on a gap, and with which attributes: every registered re-ranker,
its non-strength parameters filled in from the data by their kind (the user attribute of the
gap where it takes one), the strength left to the search."""

from __future__ import annotations

from fairrec_core.errors import FairrecError
from fairrec_core.reranking import RERANKERS, Reranker, item_attribute_names

#: Item attributes tried, in order, where a re-ranker needs one and its default is missing.
ITEM_ATTRIBUTES = ("category", "categories", "popularity_band")
#: The protected items where a re-ranker needs ``ATTRIBUTE=VALUE`` and its default is missing.
PROTECTED = "popularity_band=tail"


def fixed_params(cls: type[Reranker], train, attribute: str) -> dict | None:
    """The parameters other than the strength for ``cls`` on ``train`` (None when it cannot
    act: it groups users by an attribute the data does not have as a column)."""
    items = item_attribute_names(train.items)
    user_columns = set(train.user_attributes)
    params = {}
    for spec in cls.PARAMS.values():
        if spec.name == cls.STRENGTH:
            continue
        if spec.kind == "user_attribute":
            if attribute not in user_columns:
                return None  # an intersection, or not a column: no user grouping to act on
            params[spec.name] = attribute
        elif spec.kind == "item_attribute":
            if spec.optional:
                params[spec.name] = None  # the re-ranker's own choice (the audit's)
            elif spec.default in items:
                params[spec.name] = spec.default
            else:
                params[spec.name] = next((a for a in ITEM_ATTRIBUTES if a in items), items[-1])
        elif spec.kind == "item_group":
            default_attr = str(spec.default or "").partition("=")[0]
            params[spec.name] = spec.default if default_attr in items else PROTECTED
        else:  # item values, optional budgets and other sliders: their defaults
            params[spec.name] = spec.default
    return params


def applicable(train, candidates, attribute: str) -> tuple[dict[str, Reranker], dict[str, str]]:
    """Fitted re-rankers (by registry name) that can act on ``attribute``'s gap, and why the
    others cannot (``{name: reason}``)."""
    fitted, skipped = {}, {}
    for name, cls in RERANKERS.items():
        params = fixed_params(cls, train, attribute)
        if params is None:
            skipped[name] = f"it groups users by a single user attribute, not {attribute!r}"
            continue
        try:
            fitted[name] = cls(**params).fit(train, candidates)
        except FairrecError as exc:
            skipped[name] = str(exc)
    return fitted, skipped
