"""What a mitigation sweep tries to reduce: a user-side gap (the audit's ``difference`` of a
per-user metric between an attribute's groups) or an item-side one (a protected item group's
exposure shortfall against its catalogue share, from the audit's item exposure table)."""

from __future__ import annotations

from dataclasses import dataclass

from fairrec_core.audit import USER_METRICS
from fairrec_core.errors import DataError

#: The two sides a target can be on.
SIDES = ("user", "item")


@dataclass(frozen=True)
class MitigationTarget:
    """The gap a sweep targets.

    ``attribute`` is the user attribute whose groups every point is measured on (per-group
    columns of the table). Without ``item_attribute`` the target is on the user side: the
    audit's ``difference`` (best- minus worst-served group) of ``metric`` (a per-user metric,
    e.g. ``"ndcg"``) between ``attribute``'s groups. With ``item_attribute`` and ``protected``
    (e.g. ``"brand_tier"`` and ``"small"``) it is on the item side: the protected items' share
    of the catalogue minus their share of exposure in the lists (the audit's item exposure
    table: ``catalogue_share - exposure_share``; positive = under-exposed).
    """

    attribute: str = "gender"
    metric: str = "ndcg"
    item_attribute: str | None = None
    protected: str | None = None

    def __post_init__(self):
        name = str(self.metric).partition("@")[0]
        if name not in USER_METRICS:
            raise DataError(f"mitigate: unknown metric {self.metric!r}; metrics: "
                            f"{', '.join(USER_METRICS)}")
        object.__setattr__(self, "metric", name)
        if not str(self.attribute or "").strip():
            raise DataError("mitigate: a user attribute is needed (e.g. gender)")
        if (self.item_attribute is None) != (self.protected is None):
            raise DataError("mitigate: an item-side target needs both an item attribute and a "
                            "protected value (e.g. brand_tier and small)")

    @property
    def side(self) -> str:
        """``"user"`` or ``"item"``."""
        return "user" if self.item_attribute is None else "item"

    @property
    def fairness_attr(self) -> str:
        """The attribute a lever acts on: the user attribute, or the item attribute."""
        return self.attribute if self.side == "user" else str(self.item_attribute)

    def column(self, k: int) -> str:
        """The audit's label of the targeted metric at ``k`` (user side): ``"ndcg@10"``."""
        return f"{self.metric}@{k}"

    def check(self, data) -> None:
        """A :class:`DataError` naming the attribute (and the available ones) when ``data``
        lacks it, or the protected value when the item attribute never takes it."""
        if self.attribute not in data.users.columns or self.attribute == "user_id":
            known = ", ".join(c for c in data.users.columns if c != "user_id")
            raise DataError(f"mitigate: no user attribute {self.attribute!r}; available: "
                            f"{known or 'none'}")
        if self.side == "item":
            if self.item_attribute not in data.item_attributes:
                raise DataError(f"mitigate: no item attribute {self.item_attribute!r}; "
                                f"available: {', '.join(data.item_attributes) or 'none'}")
            values = data.items[self.item_attribute].astype("string").dropna().unique()
            if str(self.protected) not in set(values):
                raise DataError(f"mitigate: {self.item_attribute} has no value "
                                f"{self.protected!r}; values: {', '.join(sorted(values))}")

    @property
    def spec(self) -> str:
        """Technical form: ``gender ndcg gap`` or ``brand_tier=small exposure shortfall``."""
        if self.side == "user":
            return f"{self.attribute} {self.metric} gap"
        return f"{self.item_attribute}={self.protected} exposure shortfall"
