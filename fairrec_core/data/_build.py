"""Turn raw user, item and interaction tables (original ids) into a validated :class:`Dataset`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core import limits
from fairrec_core.data._dataset import DEFAULT_AGE_EDGES, Dataset, age_group
from fairrec_core.data._values import FLOAT32_MAX, TIMESTAMP, TIMESTAMP_MAX, VALUE, shown
from fairrec_core.errors import DataError

PRICE_BANDS = ("low", "mid", "high")


def _price_band(price: pd.Series) -> pd.Categorical:
    """Tertiles of price across the catalogue: low / mid / high."""
    valid = price.dropna()
    if valid.nunique() < 3:
        return pd.Categorical([np.nan] * len(price), categories=PRICE_BANDS, ordered=True)
    edges = np.quantile(valid, [1 / 3, 2 / 3])
    codes = np.searchsorted(edges, price.to_numpy(float), side="right")
    band = np.asarray(PRICE_BANDS, dtype=object)[np.minimum(codes, 2)]
    band[price.isna().to_numpy()] = np.nan
    return pd.Categorical(band, categories=PRICE_BANDS, ordered=True)


def build_dataset(
    name: str,
    interactions: pd.DataFrame,
    *,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    source: str = "interactions",
    users_source: str = "users",
    items_source: str = "items",
    age_edges=DEFAULT_AGE_EDGES,
    first_line: int = 2,
    indexed: bool = False,
    warnings: list[str] | None = None,
) -> Dataset:
    """Validate and index raw tables.

    ``interactions`` has ``user_id``, ``item_id`` and optionally ``value``, ``timestamp``,
    ``event``; ``users`` has ``user_id`` and attributes; ``items`` has ``item_id`` and attributes.
    Duplicate (user, item) rows keep the latest one (by timestamp, then file order), with a warning.
    Interactions naming users or items absent from a given attribute table raise DataError.
    ``source``/``users_source``/``items_source`` name the files in messages; ``first_line`` is
    the file line of the first data row (2 for a file with a header). ``indexed=True`` means
    ``interactions`` already holds ``user``/``item`` row indices into ``users``/``items``
    (generated data), so the id lookup is skipped.
    """
    warnings = list(warnings or [])
    inter = interactions
    if len(inter) == 0:
        raise DataError(f"{source}: no interactions (the file has a header but no rows)")
    for col in ("user", "item") if indexed else ("user_id", "item_id"):
        if col not in inter.columns:
            raise DataError(f"{source}: missing required column {col!r}")
        missing = inter[col].isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise DataError(
                f"{source}: line {row + first_line}: missing {col} (every interaction needs one)"
            )
    _check_count(len(inter), "max_rows", "interaction rows", source)
    # a users/items table derived from the interactions is counted against their file
    count_sources = (source if users is None else users_source, source if items is None else items_source)
    inter = inter.copy()
    if "value" not in inter.columns:
        inter["value"] = 1.0
    if "timestamp" not in inter.columns:
        inter["timestamp"] = np.arange(len(inter), dtype=np.int64)

    # ---- users ----
    if users is None:
        users = pd.DataFrame({"user_id": pd.unique(inter["user_id"])})
    else:
        users = _checked_attribute_table(users, "user_id", users_source, first_line)
    if "age" in users.columns and "age_group" not in users.columns:
        users["age_group"] = age_group(users["age"], age_edges)
    # ---- items ----
    if items is None:
        items = pd.DataFrame({"item_id": pd.unique(inter["item_id"])})
    else:
        items = _checked_attribute_table(items, "item_id", items_source, first_line)
    if "title" not in items.columns:
        items["title"] = items["item_id"].astype(str)
    if "category" not in items.columns:
        items["category"] = "Unknown"
    if "price" in items.columns and "price_band" not in items.columns:
        items["price_band"] = _price_band(items["price"])

    _check_count(len(users), "max_users", "users", count_sources[0])
    _check_count(len(items), "max_items", "items", count_sources[1])

    # ---- map ids (ids are compared as strings when dtypes differ between files) ----
    if indexed:
        uidx, iidx = inter["user"].to_numpy(np.int64), inter["item"].to_numpy(np.int64)
    else:
        uidx = _map_ids(inter["user_id"], users["user_id"], source, "user_id", users_source, first_line)
        iidx = _map_ids(inter["item_id"], items["item_id"], source, "item_id", items_source, first_line)
    ts, values = _checked_numbers(inter, source, first_line)
    # latest row per (user, item) wins: sort by user, item, time, file order; keep each pair's last
    order = np.lexsort((np.arange(len(uidx)), ts, iidx, uidx))
    u_s, i_s = uidx[order], iidx[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (u_s[1:] != u_s[:-1]) | (i_s[1:] != i_s[:-1])
    if not last.all():
        warnings.append(
            f"{source}: {int((~last).sum())} duplicate (user, item) rows aggregated; "
            "the latest row is kept"
        )
    keep = order[last]
    keep = keep[np.lexsort((iidx[keep], ts[keep], uidx[keep]))]  # by user, then time
    frame = pd.DataFrame(
        {
            "user": uidx[keep].astype(np.int32),
            "item": iidx[keep].astype(np.int32),
            "value": values[keep],
            "timestamp": ts[keep],
        }
    )
    if "event" in inter.columns:
        frame["event"] = pd.Categorical(inter["event"])[keep]

    items = items.reset_index(drop=True)
    items["popularity"] = np.bincount(frame["item"].to_numpy(), minlength=len(items))
    return Dataset(
        name=name,
        users=users.reset_index(drop=True),
        items=items,
        interactions=frame.reset_index(drop=True),
        warnings=tuple(warnings),
    )


def _check_count(n: int, field: str, what: str, source: str) -> None:
    lim = getattr(limits.current(), field)
    if n > lim:
        raise limits.LimitError(
            f"{source}: {n:,} {what}; at most {lim:,} are allowed ({limits.ENVIRONMENT[field]})"
        )


def _checked_numbers(inter: pd.DataFrame, source: str, first_line: int):
    """Timestamps (int64) and values (float32), refusing what the loaders should already have
    refused: a non-finite or float32-overflowing value, a timestamp outside the documented range."""
    value = pd.to_numeric(inter["value"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = ~np.isfinite(value) | (np.abs(value) > FLOAT32_MAX)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: line {row + first_line}: value {shown(inter['value'].iloc[row])}, "
            f"expected {VALUE.describe()}"
        )
    ts_raw = pd.to_numeric(inter["timestamp"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = ~np.isfinite(ts_raw) | (ts_raw < 0) | (ts_raw > TIMESTAMP_MAX)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: line {row + first_line}: timestamp {shown(inter['timestamp'].iloc[row])}, "
            f"expected {TIMESTAMP.describe()}"
        )
    return inter["timestamp"].to_numpy(np.int64), value.astype(np.float32)


def _checked_attribute_table(
    table: pd.DataFrame, id_col: str, source: str, first_line: int
) -> pd.DataFrame:
    if id_col not in table.columns:
        raise DataError(f"{source}: missing required column {id_col!r}")
    missing = table[id_col].isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(f"{source}: line {row + first_line}: missing {id_col}")
    dup = table[id_col].duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"{source}: line {row + first_line}: duplicate {id_col} {shown(table[id_col].iloc[row])}; ids must be unique"
        )
    return table.copy()


def _map_ids(
    values: pd.Series, known: pd.Series, source: str, col: str, table: str, first_line: int
) -> np.ndarray:
    if values.dtype != known.dtype:
        values, known = values.astype(str), known.astype(str)
    idx = pd.Index(known).get_indexer(values)
    if (idx < 0).any():
        bad = np.flatnonzero(idx < 0)
        raise DataError(
            f"{source}: line {int(bad[0]) + first_line}: {col} {shown(values.iloc[bad[0]])} is not in {table} "
            f"({len(bad)} interaction rows name unknown {col}s)"
        )
    return idx

