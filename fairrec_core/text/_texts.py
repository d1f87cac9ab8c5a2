"""The text of each item that the embedding model reads: its title, its genres or category and
any description, joined into one short passage."""

from __future__ import annotations

import hashlib

import pandas as pd

from fairrec_core.errors import DataError

#: Item columns an item's text is made of, in the order they are joined ("categories", the
#: "|"-joined genres, is used instead of "category" where a dataset has both).
TEXT_COLUMNS = ("title", "categories", "category", "description")
#: Category labels that say nothing about the item (left out of its text).
EMPTY_LABELS = frozenset({"", "unknown", "nan", "none"})
NO_TEXT_COLUMN = ("items: no title, category or description column to describe the items by "
                  "(columns: {columns})")
NO_TEXT = "items: every item's title, category and description is empty; there is no text to embed"


def _items(data) -> pd.DataFrame:
    items = data if isinstance(data, pd.DataFrame) else getattr(data, "items", None)
    if not isinstance(items, pd.DataFrame):
        raise DataError(f"items: expected a Dataset or an items table, got {type(data).__name__}")
    return items


def _strings(column: pd.Series) -> list[str]:
    return [str(v).strip() for v in column.astype("string").fillna("").tolist()]


def item_texts(data) -> list[str]:
    """One passage per item (row order = item index) of a Dataset or an items table:
    ``"Toy Story (1995). Animation, Children's, Comedy."`` — the title, then the genres
    ("|"-joined ``categories``, else ``category``), then ``description``. Empty parts and
    categories saying nothing ("Unknown") are left out. A table with none of the columns, or
    whose every item's text is empty, is a :class:`DataError`."""
    items = _items(data)
    present = [c for c in TEXT_COLUMNS if c in items.columns]
    if "categories" in present and "category" in present:
        present.remove("category")
    if not present:
        shown = ", ".join(map(str, items.columns[:20])) or "none"
        raise DataError(NO_TEXT_COLUMN.format(columns=shown))
    parts: list[list[str]] = [[] for _ in range(len(items))]
    for column in present:
        values = _strings(items[column])
        if column in ("categories", "category"):
            values = [", ".join(v for v in (p.strip() for p in s.split("|"))
                                if v.lower() not in EMPTY_LABELS) for s in values]
        for row, value in zip(parts, values, strict=True):
            if value:
                row.append(value if value.endswith((".", "!", "?")) else value + ".")
    texts = [" ".join(row) for row in parts]
    if texts and not any(texts):
        raise DataError(NO_TEXT)
    return texts


def text_fingerprint(texts) -> str:
    """A content hash of a list of texts (order and count included), 32 hex digits."""
    h = hashlib.sha256(str(len(texts)).encode())
    for text in texts:
        data = str(text).encode("utf-8", "surrogatepass")
        h.update(f"\x1e{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()[:32]
