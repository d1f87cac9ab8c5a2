"""Fixtures for the engine tests: EASE top-10 lists on ML-100K's standard split (random 20%,
seed 42) and on a small synthetic shop, each written as CSV and Parquet, and the in-memory
engine's audits of the same files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_cases import ids_frame, memory_audit, write_both

from fairrec_core.data import SyntheticSpec, generate_shop, load_dataset, split_dataset
from fairrec_core.models import MODELS, top_n


@pytest.fixture(scope="session")
def ml100k_files(ml100k, ml100k_split, tmp_path_factory):
    """EASE (default settings) trained on the standard split; its top-10 for every user with
    held-out items, and the held-out pairs, as CSV and Parquet."""
    folder = tmp_path_factory.mktemp("ml100k_files")
    split = ml100k_split
    model = MODELS["ease"]().fit(split.train)
    lists = top_n(model, np.flatnonzero(split.test.user_counts > 0), 10)
    recs = write_both(folder, "recs", lists.to_frame(split.train))
    test = write_both(folder, "test", ids_frame(ml100k, split.test.interactions))
    return {"data": ml100k, "recs": recs, "test": test, "folder": folder}


@pytest.fixture(scope="session")
def ml100k_memory(ml100k_files):
    f = ml100k_files
    return memory_audit(f["data"], f["recs"]["csv"], f["test"]["csv"])


@pytest.fixture(scope="session")
def shop_files(tmp_path_factory):
    """A shop as the CSV files of ``--data csv:DIR`` (users with ages, items with prices), its
    split, popularity top-12 lists (some users without a list, one list cut at 6) and test."""
    folder = tmp_path_factory.mktemp("shop_files")
    shop = generate_shop(SyntheticSpec(users=700, items=250, interactions=16000, seed=5))
    shop.users[["user_id", "gender", "age", "region"]].to_csv(folder / "users.csv", index=False)
    shop.items[["item_id", "title", "category", "brand", "brand_tier", "price"]].to_csv(
        folder / "items.csv", index=False)
    inter = shop.interactions
    frame = ids_frame(shop, inter)
    frame["value"], frame["timestamp"] = inter["value"].to_numpy(), inter["timestamp"].to_numpy()
    frame.to_csv(folder / "interactions.csv", index=False)
    data = load_dataset(f"csv:{folder}")
    split = split_dataset(data, test_size=0.2, seed=1)
    model = MODELS["popularity"]().fit(split.train)
    lists = top_n(model, np.flatnonzero(split.test.user_counts > 0)[:-4], 12)
    recs = lists.to_frame(split.train).drop(columns="score")
    first = recs["user_id"].iloc[0]
    recs = recs[~((recs["user_id"] == first) & (recs["rank"] > 6))]
    out = {"data": data, "folder": folder,
           "recs": write_both(folder, "recs", recs),
           "test": write_both(folder, "test", ids_frame(data, split.test.interactions))}
    for name in ("users", "items", "interactions"):
        table = pd.read_csv(folder / f"{name}.csv", dtype={"user_id": str, "item_id": str})
        table.to_parquet(folder / f"{name}.parquet", index=False)
    return out


@pytest.fixture(scope="session")
def shop_memory(shop_files):
    f = shop_files
    return memory_audit(f["data"], f["recs"]["csv"], f["test"]["csv"], seed=3)
