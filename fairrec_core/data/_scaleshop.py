"""A large synthetic shop built in time and memory linear in its interactions.

The demo shop (:mod:`._synthetic`) draws each user's items by ranking a utility over the whole
catalogue, which costs ``users x items`` cells of work: at 1,000,000 users x 100,000 items that
is 10^11 Gumbel draws, days on a small server. This generator is for scale tests: the users and
items have the demo shop's attributes (gender, age, region; category, brand, brand tier, price),
and each user's items are drawn by a long-tail (Zipf) popularity, half of them within the user's
favourite category (chosen with the demo shop's gender and age affinities), without repeats.
Nothing else is planted. ``interactions`` is a target: repeated draws of the same item by a user
are dropped, so the dataset holds slightly fewer (reported by ``n_interactions``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core import limits
from fairrec_core.data._build import build_dataset
from fairrec_core.data._dataset import Dataset
from fairrec_core.data._synthetic import (
    CATEGORIES,
    CATEGORY_PRICE,
    EVENT_WEIGHTS,
    EVENTS,
    GENDER_AFFINITY,
    OLD_AFFINITY,
    REGION_SHARE,
    REGIONS,
    SPAN,
    START,
    YOUNG_AFFINITY,
)
from fairrec_core.errors import DataError

#: Exponent of the items' Zipf popularity.
ZIPF = 1.0
#: Share of a user's draws made within the user's favourite category.
FAVOURITE_SHARE = 0.5
#: Users drawn at once (bounds the temporary arrays).
BLOCK_USERS = 200_000


def scale_shop(users: int, items: int, interactions: int, seed: int = 7) -> Dataset:
    """The scale shop with about ``interactions`` interactions (see the module docstring)."""
    if users < 10 or items < 20:
        raise DataError(f"scale: need at least 10 users and 20 items, got {users} and {items}")
    if not users <= interactions <= users * items // 2:
        raise DataError(f"scale: interactions={interactions} must be between users ({users}) "
                        f"and half of users x items ({users * items // 2})")
    lim = limits.current()
    for value, field in ((users, "max_users"), (items, "max_items"), (interactions, "max_rows")):
        if value > getattr(lim, field):
            raise limits.LimitError(f"scale: {value:,} is over the limit of "
                                    f"{getattr(lim, field):,} ({limits.ENVIRONMENT[field]})")
    rng = np.random.default_rng(seed)
    n_c = len(CATEGORIES)
    gender = rng.choice(np.array(["F", "M", "U"]), size=users, p=[0.36, 0.60, 0.04])
    age = np.clip(np.round(rng.gamma(4.0, 7.5, size=users) + 16), 18, 75).astype(np.int64)
    region = rng.choice(np.array(REGIONS), size=users, p=REGION_SHARE)
    category = rng.integers(0, n_c, size=items)
    n_brands = max(n_c * 2, min(300, items // 3))
    brand = (rng.integers(0, n_brands // n_c, size=items) * n_c + category).astype(np.int64)
    small = (rng.random(n_brands) < 0.4)[brand]
    price = np.round(np.asarray(CATEGORY_PRICE)[category] * np.exp(rng.normal(0, 0.5, items)), 2)
    weight = (1.0 / np.arange(1, items + 1) ** ZIPF)[rng.permutation(items)]
    favourite = _favourites(rng, gender, age)
    counts = np.minimum(np.maximum(1, np.round(rng.lognormal(0.0, 0.8, users)
                                               * interactions / users / np.exp(0.32))),
                        items // 2).astype(np.int64)
    # items sorted by category: a category's items are one range of the cumulative weights
    by_cat = np.argsort(category, kind="stable")
    cum_all = np.cumsum(weight)
    cum_cat = np.cumsum(weight[by_cat])
    bounds = np.searchsorted(category[by_cat], np.arange(n_c + 1))
    base = np.concatenate(([0.0], cum_cat))[bounds]
    uu, ii = [], []
    for lo in range(0, users, BLOCK_USERS):
        hi = min(users, lo + BLOCK_USERS)
        u = np.repeat(np.arange(lo, hi), counts[lo:hi])
        draw = rng.random(len(u))
        fav = rng.random(len(u)) < FAVOURITE_SHARE
        c = favourite[u]
        pick = np.searchsorted(cum_all, draw * cum_all[-1], side="right")
        within = np.searchsorted(cum_cat, base[c] + draw * (base[c + 1] - base[c]), side="right")
        within = np.clip(within, bounds[c], bounds[c + 1] - 1)
        item = np.where(fav, by_cat[within], np.minimum(pick, items - 1))
        key = np.unique(u.astype(np.int64) * items + item)  # drops repeats, sorts by user
        uu.append(key // items)
        ii.append(key % items)
    uu, ii = np.concatenate(uu), np.concatenate(ii)
    event = np.searchsorted(np.array([0.55, 0.80, 0.92]), rng.random(len(uu)))
    user_table = pd.DataFrame({
        "user_id": [f"u{u:07d}" for u in range(users)],
        "gender": pd.Categorical(gender, categories=["F", "M", "U"]),
        "age": age,
        "region": pd.Categorical(region, categories=list(REGIONS)),
    })
    item_table = pd.DataFrame({
        "item_id": [f"i{i:06d}" for i in range(items)],
        "category": pd.Categorical(np.asarray(CATEGORIES)[category], categories=list(CATEGORIES)),
        "brand": [f"Brand {x:03d}" for x in brand],
        "brand_tier": pd.Categorical(np.where(small, "small", "large"),
                                     categories=["large", "small"]),
        "price": price,
    })
    inter = pd.DataFrame({
        "user": uu, "item": ii, "value": np.asarray(EVENT_WEIGHTS)[event],
        "timestamp": START + rng.integers(0, SPAN, size=len(uu)),
        "event": pd.Categorical.from_codes(event, categories=list(EVENTS)),
    })
    name = f"Scale shop (users={users}, items={items}, interactions={len(uu)}, seed={seed})"
    return build_dataset(name, inter, users=user_table, items=item_table, source="scale",
                         indexed=True)


def _favourites(rng: np.random.Generator, gender: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Each user's favourite category: a softmax draw over the demo shop's affinities."""
    g_aff = np.stack([np.asarray(GENDER_AFFINITY[g]) for g in ("F", "M", "U")])
    t = ((age - 18) / 57.0)[:, None]
    aff = (g_aff[np.searchsorted(np.array(["F", "M", "U"]), gender)]
           + (1 - t) * np.asarray(YOUNG_AFFINITY) + t * np.asarray(OLD_AFFINITY))
    p = np.exp(aff)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((cum < rng.random(len(gender))[:, None]).sum(axis=1), len(CATEGORIES) - 1)
