"""Recommendation lists from any system (a production service, RecBole, LensKit, ...), imported
for auditing: a recommendations CSV (``user_id,item_id`` plus ``rank`` and/or ``score``) and the
held-out test interactions (``user_id,item_id``), matched against a loaded dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairrec_core.data import Dataset, read_csv_table
from fairrec_core.data._csv import ALIASES
from fairrec_core.data._tables import check_size
from fairrec_core.data._values import RANK, VALUE, Range, shown, shown_columns
from fairrec_core.errors import DataError
from fairrec_core.ranking import PAD_ITEM, RankedLists

#: Column names recognised without a mapping in lists and test files.
LIST_ALIASES = {
    **{k: v for k, v in ALIASES.items() if v in ("user_id", "item_id")},
    "rank": "rank", "position": "rank", "pos": "rank",
    "score": "score", "prediction": "score", "prediction_score": "score", "rating": "score",
}


@dataclass(frozen=True, eq=False)
class ImportedLists:
    """Imported lists over a dataset's users, plus what the import noticed.

    ``score_source`` is ``"scores"`` when the file gave scores, ``"ranks"`` when scores were
    derived from ranks (``1 - (rank - 1) / N``: re-rankers then see only the order).
    """

    lists: RankedLists
    score_source: Literal["scores", "ranks"]
    warnings: tuple[str, ...]


def _ids_to_index(values: pd.Series, vocab, source: str, col: str) -> np.ndarray:
    known = pd.Index(pd.Series(vocab.ids).astype(str))
    idx = known.get_indexer(values.astype(str).str.strip())
    if (idx < 0).any():
        bad = np.flatnonzero(idx < 0)
        raise DataError(
            f"{source}: line {int(bad[0]) + 2}: {col} {shown(values.iloc[bad[0]])} is not in the dataset "
            f"({len(bad)} rows name unknown {col}s)"
        )
    return idx


def _frame(raw, source: str, mapping) -> pd.DataFrame:
    if not isinstance(raw, pd.DataFrame):
        return read_csv_table(raw, source, mapping, aliases=LIST_ALIASES)
    check_size(int(raw.memory_usage(deep=False).sum()), source)
    frame = raw.astype(str).where(raw.notna())
    names = [LIST_ALIASES.get(str(c).lower(), str(c)) for c in frame.columns]
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"{source}: column {shown(name)} appears twice; every column name must be unique")
        seen.add(name)
    frame.columns = names
    return frame


def read_recommendations(
    raw: bytes | pd.DataFrame,
    data: Dataset,
    *,
    source: str = "recommendations.csv",
    mapping: dict[str, str] | None = None,
    k: int = 10,
    test: Dataset | None = None,
) -> ImportedLists:
    """Parse a recommendations CSV into :class:`RankedLists` over ``data``'s users and items.

    Errors (one line, naming file and line): missing ``user_id``/``item_id``, neither ``rank`` nor
    ``score``, non-numeric rank or score, unknown ids, duplicate (user, rank) or (user, item).
    Warnings: lists shorter than ``k``; users with test items but no list (they get an empty list,
    so they count as served with no hits).
    """
    frame = _frame(raw, source, mapping)
    for col in ("user_id", "item_id"):
        if col not in frame.columns:
            raise DataError(
                f"{source}: missing required column {col!r} (columns: {shown_columns(frame.columns)})"
            )
    has_rank, has_score = "rank" in frame.columns, "score" in frame.columns
    if not (has_rank or has_score):
        raise DataError(f"{source}: needs a 'rank' or a 'score' column (columns: {shown_columns(frame.columns)})")
    if len(frame) == 0:
        raise DataError(f"{source}: no recommendations (the file has a header but no rows)")
    for col in ("user_id", "item_id"):
        missing = frame[col].isna().to_numpy()
        if missing.any():
            raise DataError(f"{source}: line {int(np.flatnonzero(missing)[0]) + 2}: missing {col}")
    user = _ids_to_index(frame["user_id"], data.user_vocab, source, "user_id")
    item = _ids_to_index(frame["item_id"], data.item_vocab, source, "item_id")
    rank = _numbers(frame, "rank", source, RANK) if has_rank else None
    score = _numbers(frame, "score", source, VALUE) if has_score else None
    _no_duplicates(frame, user, item, "item_id", source)
    if rank is not None:
        _no_duplicates(frame, user, rank, "rank", source)
    # order each user's rows: by rank when given, else by score (descending), ties by file order
    key = rank if rank is not None else -score
    order = np.lexsort((np.arange(len(frame)), key, user))
    user, item = user[order], item[order]
    score = score[order] if score is not None else None
    users, starts, counts = np.unique(user, return_index=True, return_counts=True)
    position = np.arange(len(user)) - np.repeat(starts, counts)
    depth = int(counts.max())
    if score is None:
        score = 1.0 - position / np.repeat(counts, counts)
    warnings = []
    all_users = users
    if test is not None:
        served = np.isin(test.user_counts.nonzero()[0], users, invert=True)
        unserved = test.user_counts.nonzero()[0][served]
        if len(unserved):
            warnings.append(
                f"{source}: {len(unserved)} users with test items have no list; they are audited "
                "as served with an empty list"
            )
            all_users = np.union1d(users, unserved)
    row_of = np.searchsorted(all_users, user)
    items = np.full((len(all_users), depth), PAD_ITEM, dtype=np.int64)
    scores = np.full((len(all_users), depth), -np.inf, dtype=np.float32)
    items[row_of, position] = item
    scores[row_of, position] = score
    short = int((counts < k).sum())
    if short:
        warnings.append(
            f"{source}: {short} of {len(users)} lists are shorter than k={k}; missing ranks count as misses"
        )
    return ImportedLists(
        lists=RankedLists(all_users, items, scores),
        score_source="scores" if has_score else "ranks",
        warnings=tuple(warnings),
    )


def read_test(
    raw: bytes | pd.DataFrame, data: Dataset, *, source: str = "test.csv", mapping=None
) -> tuple[Dataset, Dataset]:
    """The held-out interactions as a Dataset over ``data``'s users and items, and the training
    history: ``data`` without those interactions (if ``data`` holds them) -> ``(train, test)``."""
    frame = _frame(raw, source, mapping)
    for col in ("user_id", "item_id"):
        if col not in frame.columns:
            raise DataError(f"{source}: missing required column {col!r} (columns: {shown_columns(frame.columns)})")
    if len(frame) == 0:
        raise DataError(f"{source}: no test interactions (the file has a header but no rows)")
    user = _ids_to_index(frame["user_id"], data.user_vocab, source, "user_id")
    item = _ids_to_index(frame["item_id"], data.item_vocab, source, "item_id")
    _no_duplicates(frame, user, item, "item_id", source)
    key = user.astype(np.int64) * data.n_items + item
    inter = data.interactions
    data_key = inter["user"].to_numpy(np.int64) * data.n_items + inter["item"].to_numpy(np.int64)
    in_test = np.isin(data_key, key)
    test_rows = inter[in_test]
    extra = np.setdiff1d(key, data_key)
    if len(extra):  # test pairs the dataset does not hold: keep them with value 1
        test_rows = pd.concat(
            [test_rows, pd.DataFrame({"user": (extra // data.n_items).astype(np.int32),
                                      "item": (extra % data.n_items).astype(np.int32),
                                      "value": np.float32(1.0), "timestamp": np.int64(0)})],
            ignore_index=True,
        )
    test_rows = test_rows.sort_values(["user", "timestamp", "item"], kind="stable")
    train = data.with_interactions(inter[~in_test], name=f"{data.name} (history)")
    test = data.with_interactions(test_rows, name=f"{data.name} (test)")
    return train, test


def _numbers(frame, col, source, valid: Range) -> np.ndarray:
    """A rank or score column as float64: finite, inside ``valid`` (whole numbers for ranks)."""
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < valid.lo) | (values > valid.hi)
    if valid.integer:
        bad |= np.isfinite(values) & (values != np.round(values))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        if frame[col].isna().iloc[row]:
            raise DataError(f"{source}: line {row + 2}: {col} is empty")
        if np.isnan(values[row]):
            expected = "is not a whole number" if valid.integer else "is not a number"
        else:
            expected = f"must be {valid.describe()}"
        raise DataError(f"{source}: line {row + 2}: {col} {shown(frame[col].iloc[row])} {expected}")
    return values


def _no_duplicates(frame, user, other, col, source) -> None:
    pairs = pd.DataFrame({"u": user, "o": other})
    dup = pairs.duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"{source}: line {row + 2}: duplicate (user_id, {col}) "
            f"({shown(frame['user_id'].iloc[row])}, {shown(frame[col].iloc[row])}); each must appear once"
        )
