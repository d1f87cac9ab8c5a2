"""The embedded demo shop: a deterministic synthetic e-commerce dataset with planted biases.

The generative model is documented in ``data/README.md``. In short, each user picks items by a
score made of a shared taste factor model, a global item popularity (long tail), and, scaled by
``bias``, (a) category preferences that depend on gender and age, (b) noisier (less predictable)
choices by F users, (c) a penalty on small sellers' items, and (d) sparser histories in one region. With ``bias=0`` group membership carries no signal.

Each item also gets a short ``description`` (a product noun and adjective of its category, its
brand and a phrase for its price band), drawn last from a generator of its own, so the other
columns and the interactions are the same as without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.data._build import PRICE_BANDS, _price_band, build_dataset
from fairrec_core.data._dataset import Dataset
from fairrec_core.errors import DataError
from fairrec_core.limits import check_dense

CATEGORIES = (
    "Electronics", "Fashion", "Beauty", "Home & Kitchen", "Sports & Outdoors", "Toys & Games",
    "Books", "Grocery", "Garden", "Automotive", "Health", "Jewelry",
)
#: Median price (EUR) per category; prices are log-normal around it.
CATEGORY_PRICE = (180.0, 45.0, 25.0, 60.0, 70.0, 30.0, 15.0, 8.0, 40.0, 55.0, 20.0, 120.0)
#: Planted category affinity, added (times ``bias``) to the score: by gender F / M.
GENDER_AFFINITY = {
    "F": (-0.6, 0.8, 1.2, 0.3, -0.3, 0.0, 0.3, 0.0, 0.2, -0.8, 0.3, 0.9),
    "M": (0.9, -0.4, -0.9, -0.1, 0.5, 0.1, -0.1, 0.0, 0.1, 1.0, -0.2, -0.6),
    "U": (0.0,) * 12,
}
#: Planted affinity by age (young -> old), linearly interpolated over 18..75.
YOUNG_AFFINITY = (0.6, 0.6, 0.3, -0.4, 0.4, 0.5, -0.3, -0.2, -0.8, 0.1, -0.6, 0.0)
OLD_AFFINITY = (-0.6, -0.5, -0.2, 0.6, -0.4, -0.3, 0.7, 0.5, 0.9, 0.0, 0.8, 0.1)
#: Planted: F users' choices carry more noise (Gumbel scale 1 + F_NOISE * bias), so they are
#: less predictable from shared tastes and popularity -> a lower accuracy for F.
F_NOISE = 0.25
REGIONS = ("North", "South", "East", "West", "Central", "Islands")
REGION_SHARE = (0.22, 0.22, 0.18, 0.18, 0.12, 0.08)
#: The region with sparser histories (activity times 1 - 0.6 * bias).
SPARSE_REGION = "Islands"
EVENTS = ("view", "click", "cart", "purchase")
EVENT_WEIGHTS = (1.0, 2.0, 3.0, 5.0)
START = pd.Timestamp("2025-01-01").value // 10**9
SPAN = 365 * 24 * 3600
#: Product nouns per category (in the order of CATEGORIES) for the generated descriptions.
PRODUCTS = (
    ("wireless headphones", "smart speaker", "USB-C charger", "tablet", "action camera"),
    ("denim jacket", "summer dress", "wool sweater", "leather belt", "sneakers"),
    ("face cream", "lipstick", "shampoo", "perfume", "nail polish"),
    ("frying pan", "coffee maker", "knife set", "blender", "bed linen"),
    ("running shoes", "yoga mat", "camping tent", "bike helmet", "water bottle"),
    ("board game", "jigsaw puzzle", "building blocks", "plush toy", "remote-control car"),
    ("crime novel", "cookbook", "travel guide", "children's book", "biography"),
    ("olive oil", "green tea", "dark chocolate", "pasta", "breakfast cereal"),
    ("garden hose", "flower seeds", "pruning shears", "plant pot", "lawn chair"),
    ("car wax", "phone mount", "floor mats", "jump starter", "tyre inflator"),
    ("vitamin tablets", "first-aid kit", "electric toothbrush", "heating pad", "hand sanitiser"),
    ("silver necklace", "gold ring", "pearl earrings", "charm bracelet", "wristwatch"),
)
ADJECTIVES = ("classic", "compact", "practical", "stylish", "durable", "lightweight", "handy",
              "elegant")
#: Phrases per price band (PRICE_BANDS order).
PRICE_PHRASES = (
    ("An affordable everyday pick.", "Budget-friendly.", "Low price, simple and useful."),
    ("Good value for the price.", "A mid-range choice.", "Solid quality at a fair price."),
    ("A premium choice.", "High-end quality.", "A luxury pick for special occasions."),
)
#: Seeds the descriptions' own generator with (spec.seed, this), apart from the main draws.
DESCRIPTION_STREAM = 0xDE5C


@dataclass(frozen=True)
class SyntheticSpec:
    users: int = 3000
    items: int = 1000
    interactions: int = 100_000
    seed: int = 7
    bias: float = 1.0
    brands: int | None = None

    def check(self) -> None:
        if self.users < 10 or self.items < 20:
            raise DataError(f"synthetic: need at least 10 users and 20 items, got {self.users} and {self.items}")
        if not 0 <= self.bias <= 3:
            raise DataError(f"synthetic: bias {self.bias} outside [0, 3]")
        max_k = self.users * self.items // 2
        if not self.users <= self.interactions <= max_k:
            raise DataError(
                f"synthetic: interactions={self.interactions} must be between users ({self.users}) "
                f"and half of users x items ({max_k})"
            )


@dataclass(frozen=True, eq=False)
class _Shop:
    """The generator's first draws: who the users and items are, and the utility model."""

    gender: np.ndarray
    age: np.ndarray
    region: np.ndarray
    category: np.ndarray
    brand: np.ndarray
    price: np.ndarray
    small: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    popularity: np.ndarray
    user_category: np.ndarray

    def utilities(self, lo: int, hi: int) -> np.ndarray:
        """True utility of every item for users ``lo..hi`` (float32): shared tastes, long-tail
        popularity and the planted group effects, before the choice noise (float64)."""
        return (self.user_factors[lo:hi] @ self.item_factors.T * 3.0 + self.popularity
                + self.user_category[lo:hi][:, self.category])


def _draw_shop(spec: SyntheticSpec, rng: np.random.Generator) -> _Shop:
    b = float(spec.bias)
    n_u, n_i, n_c = spec.users, spec.items, len(CATEGORIES)
    # ---- users ----
    gender = rng.choice(np.array(["F", "M", "U"]), size=n_u, p=[0.36, 0.60, 0.04])
    age = np.clip(np.round(rng.gamma(4.0, 7.5, size=n_u) + 16), 18, 75).astype(np.int64)
    region = rng.choice(np.array(REGIONS), size=n_u, p=REGION_SHARE)
    # ---- items ----
    category = rng.integers(0, n_c, size=n_i)
    n_brands = spec.brands or max(n_c * 2, min(300, n_i // 3))
    brand_cat = np.arange(n_brands) % n_c
    brand_small = rng.random(n_brands) < 0.4
    # every item gets a brand of its own category
    brand = np.empty(n_i, dtype=np.int64)
    for c in range(n_c):
        mine = np.flatnonzero(category == c)
        options = np.flatnonzero(brand_cat == c)
        brand[mine] = rng.choice(options, size=len(mine))
    price = np.round(
        np.asarray(CATEGORY_PRICE)[category] * np.exp(rng.normal(0, 0.5, size=n_i)), 2
    )
    small = brand_small[brand]

    # ---- scores: taste factors + long-tail popularity + planted group effects ----
    dim = 8
    u_f = rng.normal(0, 1, size=(n_u, dim)).astype(np.float32)
    i_f = rng.normal(0, 1, size=(n_i, dim)).astype(np.float32)
    cat_f = rng.normal(0, 1, size=(n_c, dim)).astype(np.float32)
    i_f = (0.6 * i_f + 0.8 * cat_f[category]) / np.sqrt(dim)
    u_f = u_f / np.sqrt(dim) * 2.0
    pop = np.log(1.0 / np.arange(1, n_i + 1) ** 1.1)[rng.permutation(n_i)].astype(np.float32)
    pop = pop - b * 0.8 * small
    g_aff = np.stack([np.asarray(GENDER_AFFINITY[g]) for g in ("F", "M", "U")])
    g_code = np.searchsorted(np.array(["F", "M", "U"]), gender)
    t = ((age - 18) / 57.0)[:, None]
    user_cat = b * (g_aff[g_code] + (1 - t) * np.asarray(YOUNG_AFFINITY) + t * np.asarray(OLD_AFFINITY))
    user_cat = user_cat.astype(np.float32)
    return _Shop(gender, age, region, category, brand, price, small, u_f, i_f, pop,
                 user_cat)


def _descriptions(spec: SyntheticSpec, category: np.ndarray, brand: np.ndarray,
                  price: np.ndarray) -> list[str]:
    """One short product description per item from its category, brand and price band,
    deterministic for ``spec.seed`` (a generator of its own: the shop's draws are untouched)."""
    rng = np.random.default_rng([spec.seed, DESCRIPTION_STREAM])
    n = len(category)
    noun = rng.integers(0, len(PRODUCTS[0]), size=n)
    adjective = rng.integers(0, len(ADJECTIVES), size=n)
    phrase = rng.integers(0, len(PRICE_PHRASES[0]), size=n)
    band = np.asarray(_price_band(pd.Series(price)).astype(object))
    code = {b: i for i, b in enumerate(PRICE_BANDS)}
    out = []
    for j in range(n):
        text = (f"{ADJECTIVES[adjective[j]].capitalize()} {PRODUCTS[category[j]][noun[j]]} by "
                f"Brand {brand[j]:03d}.")
        if band[j] in code:
            text += " " + PRICE_PHRASES[code[band[j]]][phrase[j]]
        out.append(text)
    return out


def true_utilities(spec: SyntheticSpec = SyntheticSpec()) -> np.ndarray:
    """Every user's true utility for every item (float64 ``[users, items]``, rows and columns in
    the order of :func:`generate_shop`'s users and items for the same ``spec``): the score the
    generator ranks each user's items by — shared taste factors x 3 + the item's long-tail
    popularity (less the small-seller penalty) + the planted category affinities — before the
    Gumbel choice noise it adds to draw the interactions. The same seed gives the same users,
    items and utilities as the shop (the interactions are the top items of utility + noise)."""
    spec.check()
    check_dense((spec.users, spec.items), np.float64, what="the true utilities")
    shop = _draw_shop(spec, np.random.default_rng(spec.seed))
    return shop.utilities(0, spec.users)


def generate_shop(spec: SyntheticSpec = SyntheticSpec(), *, name: str | None = None) -> Dataset:
    """Generate the synthetic shop described by ``spec`` (deterministic for a seed)."""
    spec.check()
    rng = np.random.default_rng(spec.seed)
    b = float(spec.bias)
    n_u, n_i = spec.users, spec.items
    shop = _draw_shop(spec, rng)
    gender, age, region, category = shop.gender, shop.age, shop.region, shop.category
    brand, price, small = shop.brand, shop.price, shop.small

    # ---- how many items each user touches ----
    activity = rng.lognormal(0.0, 0.8, size=n_u)
    activity = np.where(region == SPARSE_REGION, activity * (1 - 0.6 * min(b, 1.0)), activity)
    n_per = np.maximum(3, np.round(activity / activity.sum() * spec.interactions)).astype(np.int64)
    n_per = np.minimum(n_per, n_i // 2)
    # make the total exact
    diff = spec.interactions - int(n_per.sum())
    order = rng.permutation(n_u)
    while diff != 0:
        step = 1 if diff > 0 else -1
        room = (n_per < n_i // 2) if step > 0 else (n_per > 3)
        cand = order[room[order]][: abs(diff)]
        if len(cand) == 0:
            break
        n_per[cand] += step
        diff -= step * len(cand)

    noise = np.where(gender == "F", 1.0 + F_NOISE * b, 1.0).astype(np.float32)
    users_out, items_out = [], []
    chunk = max(1, 4_000_000 // n_i)
    for lo in range(0, n_u, chunk):
        hi = min(n_u, lo + chunk)
        s = shop.utilities(lo, hi)
        # Gumbel top-k = sampling without replacement; planted: F users' choices are noisier
        s += rng.gumbel(size=s.shape).astype(np.float32) * noise[lo:hi, None]
        k = n_per[lo:hi]
        kth = -np.partition(-s, k.max() - 1, axis=1)[:, : k.max()]
        kth.sort(axis=1)
        thresh = kth[np.arange(hi - lo), kth.shape[1] - k]
        rows, cols = np.nonzero(s >= thresh[:, None])
        users_out.append(rows + lo)
        items_out.append(cols)
    uu = np.concatenate(users_out)
    ii = np.concatenate(items_out)
    n = len(uu)
    # event type per (user, item): 55% view, 25% click, 12% cart, 8% purchase (the strongest kept)
    event = np.searchsorted(np.array([0.55, 0.80, 0.92]), rng.random(n))
    ts = START + rng.integers(0, SPAN, size=n)

    users = pd.DataFrame(
        {
            "user_id": [f"u{u:05d}" for u in range(n_u)],
            "gender": pd.Categorical(gender, categories=["F", "M", "U"]),
            "age": age,
            "region": pd.Categorical(region, categories=list(REGIONS)),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": [f"i{i:05d}" for i in range(n_i)],
            "title": [f"{CATEGORIES[c]} item {i}" for i, c in enumerate(category)],
            "category": pd.Categorical(np.asarray(CATEGORIES)[category], categories=list(CATEGORIES)),
            "brand": [f"Brand {x:03d}" for x in brand],
            "brand_tier": pd.Categorical(np.where(small, "small", "large"), categories=["large", "small"]),
            "price": price,
            "description": _descriptions(spec, category, brand, price),
        }
    )
    inter = pd.DataFrame(
        {
            "user": uu,
            "item": ii,
            "value": np.asarray(EVENT_WEIGHTS)[event],
            "timestamp": ts,
            "event": pd.Categorical.from_codes(event, categories=list(EVENTS)),
        }
    )
    label = name or (
        "Demo shop" if spec == SyntheticSpec() else
        f"Synthetic shop (users={n_u}, items={n_i}, interactions={n}, seed={spec.seed}, bias={b:g})"
    )
    return build_dataset(label, inter, users=users, items=items, source="synthetic", indexed=True)
