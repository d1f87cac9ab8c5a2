"""Tables about one user for the Recommendations page (pure pandas; no Streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.data import Dataset
from fairrec_core.explain import explain
from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
from fairrec_core.ranking import PAD_ITEM, RankedLists

#: Item columns shown next to a recommended or past item, when the data has them.
ITEM_COLUMNS = ("category", "brand", "brand_tier", "price", "price_band")


def per_user_ndcg(lists: RankedLists, test: Dataset) -> pd.Series:
    """NDCG@k per listed user index (k = the lists' depth)."""
    values = ndcg(hit_matrix(lists, test), n_relevant(lists, test))
    return pd.Series(values, index=lists.users, name="ndcg")


def item_table(data: Dataset, items: np.ndarray) -> pd.DataFrame:
    cols = ["item_id", "title", *[c for c in ITEM_COLUMNS if c in data.items.columns]]
    return data.items.iloc[items][cols].reset_index(drop=True)


def history(train: Dataset, user: int, n: int = 15) -> pd.DataFrame:
    """The user's latest ``n`` training interactions, newest first, with item attributes."""
    inter = train.interactions
    mine = inter[inter["user"] == user].sort_values("timestamp", ascending=False).head(n)
    table = item_table(train, mine["item"].to_numpy())
    table.insert(0, "when", pd.to_datetime(mine["timestamp"].to_numpy(), unit="s").date)
    if "event" in mine.columns:
        table.insert(1, "event", mine["event"].astype(str).to_numpy())
    return table


def top_list(data: Dataset, train: Dataset, test: Dataset, lists: RankedLists, user: int,
             *, why: int = 2) -> pd.DataFrame:
    """The user's list: rank, item, score, attributes, held-out hit, and why (the most similar
    history items, by cosine over the training interactions)."""
    row = int(np.flatnonzero(lists.users == user)[0])
    items = lists.items[row]
    keep = items != PAD_ITEM
    items, scores = items[keep], lists.scores[row][keep]
    table = item_table(data, items)
    table.insert(0, "rank", np.arange(1, len(items) + 1))
    table.insert(3, "score", scores)
    held_out = set(test.interactions.loc[test.interactions["user"] == user, "item"].tolist())
    table["hit"] = [int(i) in held_out for i in items]
    reasons = explain(train, int(user), items, n=why)
    titles = data.items["title"].to_numpy()
    table["why"] = [" · ".join(f"{titles[j]} ({s:.2f})" for j, s in r) or "—" for r in reasons]
    return table


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """A table as a page shows it: the rank (or the row number) as index, ✓ for a hit, human
    column names (``brand_tier`` -> "brand tier"); the values are unchanged."""
    from fairrec_core import names

    out = table.set_index("rank") if "rank" in table.columns else table.reset_index(drop=True)
    if "hit" in out.columns:
        out = out.assign(hit=np.where(out["hit"].to_numpy(dtype=bool), "✓", ""))
    if "score" in out.columns:
        out = out.assign(score=[f"{v:.4f}" for v in out["score"]])
    return out.rename(columns=names.attribute)


def compare_lists(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The re-ranked list with how each item moved against the model's list: ``new`` (not in
    the model's top-k), ``↑ n`` / ``↓ n`` (moved), ``=`` (same rank)."""
    old_rank = dict(zip(before["item_id"], before["rank"], strict=True))
    moves = []
    for item, rank in zip(after["item_id"], after["rank"], strict=True):
        if item not in old_rank:
            moves.append("new")
        elif old_rank[item] == rank:
            moves.append("=")
        else:
            d = old_rank[item] - rank
            moves.append(f"↑ {d}" if d > 0 else f"↓ {-d}")
    out = after.copy()
    out.insert(1, "moved", moves)
    return out


def dropped(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Items of the model's list that the re-ranking removed."""
    return before[~before["item_id"].isin(set(after["item_id"]))]
