"""Item facts for the DuckDB engine, computed with the in-memory engine's own functions from the
item table (catalogue-sized, so it fits in memory at any number of users) and the history's
counts, then handed to DuckDB as tables:

- ``fr_item_features(item, pop, head, cat[, w0, w1, ...])``: training interactions, head flag
  (:func:`~fairrec_core.metrics.popularity_bands`), ILD category code (``category``) and, with
  at most :data:`PIVOT` calibration categories, the item's weight in each;
- ``fr_item_cats(item, c, w)``: each item's weight per calibration category
  (:func:`~fairrec_core.metrics.category_matrix` of ``categories``, else ``category``);
- ``fr_item_values(item, v0, v1, ...)``: the value code of every item attribute
  (:func:`fairrec_core.audit._items.item_attributes`: brand, category, ..., popularity band).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.audit._items import ItemAttribute, item_attributes
from fairrec_core.data import Dataset
from fairrec_core.metrics import category_matrix, popularity_bands

#: Up to this many categories, per-user sums of category weights are columns of one aggregate.
PIVOT = 32


@dataclass(frozen=True, eq=False)
class ItemFacts:
    counts: np.ndarray  # int64 [n_items] training interactions
    bands: np.ndarray  # 0 head, 1 mid, 2 tail
    attributes: tuple[ItemAttribute, ...]
    relevant: np.ndarray  # float64 [n_items] test interactions
    n_categories: int  # ILD categories (codes 0 .. n - 1)
    n_mixes: int  # calibration categories; up to PIVOT, also columns w0 .. of fr_item_features
    #: where each item weighs 1 in the calibration category of its ILD category: per
    #: calibration category, the ILD codes that make it up (its list sum is their counts)
    mix_codes: tuple | None = None

    @property
    def head(self) -> np.ndarray:
        return self.bands == 0


def _per_item(con, sql: str, n_items: int) -> np.ndarray:
    rows = con.sql(sql).fetchnumpy()
    out = np.zeros(n_items, dtype=np.float64)
    if len(rows["item"]):
        out[np.asarray(rows["item"], dtype=np.int64)] = np.asarray(rows["n"], dtype=np.float64)
    return out


def _mix_codes(weights, category: np.ndarray):
    """Per calibration category, the ILD codes of its items, when every item weighs 1 in the
    one calibration category its ILD code decides (a single ``category`` column); else None."""
    csr = weights.tocsr()
    if csr.nnz != csr.shape[0] or not np.all(csr.data == 1.0) or not len(category):
        return None
    column = csr.indices[np.argsort(np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr)),
                                    kind="stable")]
    of_code = {}
    for code, col in zip(category.tolist(), column.tolist(), strict=True):
        if of_code.setdefault(code, col) != col:
            return None
    return tuple(tuple(sorted(j for j, c in of_code.items() if c == mix))
                 for mix in range(csr.shape[1]))


def item_facts(con, universe) -> ItemFacts:
    """Compute the facts and create the tables above in ``con``."""
    n_items = universe.n_items
    items = universe.items
    counts = _per_item(con, "SELECT item, count(*) AS n FROM fr_hist GROUP BY item",
                       n_items).astype(np.int64)
    relevant = _per_item(con, "SELECT item, count(*) AS n FROM fr_test GROUP BY item", n_items)
    bands = popularity_bands(counts)
    if "category" in items.columns:  # as AuditContext: the ILD category and the calibration mix
        labels = items["category"].astype("string").fillna("Unknown").astype(str)
        category = pd.factorize(labels)[0].astype(np.int64)
    else:
        category = np.zeros(n_items, dtype=np.int64)
    column = "categories" if "categories" in items.columns else "category"
    source = items[column] if column in items.columns else pd.Series(["Unknown"] * n_items)
    _, weights = category_matrix(source)
    shell = Dataset("items", pd.DataFrame({"user_id": []}), items.reset_index(drop=True),
                    pd.DataFrame({"user": [], "item": []}))
    attributes = tuple(item_attributes(shell, bands))
    index = np.arange(n_items, dtype=np.int32)
    n_mixes = weights.shape[1]
    dense = ({f"w{c}": np.asarray(weights[:, c].todense()).ravel() for c in range(n_mixes)}
             if n_mixes <= PIVOT else {})
    con.register("fr_features_frame", pd.DataFrame({
        "item": index, "pop": counts, "head": (bands == 0).astype(np.int32),
        "cat": category.astype(np.int32), **dense}))
    coo = weights.tocoo()
    con.register("fr_cats_frame", pd.DataFrame({
        "item": coo.row.astype(np.int32), "c": coo.col.astype(np.int32),
        "w": coo.data.astype(np.float64)}))
    con.register("fr_values_frame", pd.DataFrame(
        {"item": index, **{f"v{j}": a.codes.astype(np.int32) for j, a in enumerate(attributes)}}))
    for table, frame in (("fr_item_features", "fr_features_frame"), ("fr_item_cats", "fr_cats_frame"),
                         ("fr_item_values", "fr_values_frame")):
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {frame}")
        con.unregister(frame)
    return ItemFacts(counts, bands, attributes, relevant, int(category.max(initial=-1)) + 1,
                     n_mixes, _mix_codes(weights, category))
