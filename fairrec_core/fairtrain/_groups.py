"""The groups a fairness penalty compares: one integer code per user (or item), -1 for those
whose label is missing or uninformative ("Unknown", "U"...), by the audit's rule."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.audit._groups import is_uninformative
from fairrec_core.errors import ModelError

SIDES = ("user", "item")


def group_codes(data, attribute: str, side: str = "user") -> tuple[np.ndarray, list[str]]:
    """``(codes, labels)``: ``labels[codes[i]]`` is user (``side="user"``) or item
    (``side="item"``) index ``i``'s group, sorted by label; ``codes[i] == -1`` when its label is
    missing or uninformative. A :class:`ModelError` when ``attribute`` is not a column of that
    side's table (naming the ones that are) or when fewer than two informative groups remain."""
    if side not in SIDES:
        raise ModelError(f"fairness: side must be one of {', '.join(SIDES)}, got {side!r}")
    table = data.users if side == "user" else data.items
    if attribute not in table.columns:
        offered = data.user_attributes if side == "user" else data.item_attributes
        article = "a user" if side == "user" else "an item"
        raise ModelError(f"fairness: {attribute!r} is not {article} attribute of this data; "
                         f"{side} attributes: {', '.join(offered) or 'none'}")
    values = pd.Series(table[attribute].to_numpy(dtype=object))
    text = values.astype(str)
    ok = values.notna().to_numpy() & ~text.map(is_uninformative).to_numpy(dtype=bool)
    labels = sorted(set(text[ok]))
    if len(labels) < 2:
        raise ModelError(f"fairness: {side} attribute {attribute!r} needs at least two groups "
                         f"with an informative label, got {len(labels)} "
                         f"({', '.join(labels) or 'none'})")
    lookup = {label: code for code, label in enumerate(labels)}
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[ok] = [lookup[v] for v in text[ok]]
    return codes, labels
