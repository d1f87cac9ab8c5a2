"""The text each item is described by, its fingerprint, and the demo shop's descriptions."""

from __future__ import annotations

import pandas as pd
import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.data import _synthetic as synthetic
from fairrec_core.errors import DataError
from fairrec_core.text import item_texts, text_fingerprint

SPEC = SyntheticSpec(users=120, items=90, interactions=2500, seed=5)


def test_title_then_genres_then_description():
    items = pd.DataFrame({
        "item_id": [1, 2, 3, 4],
        "title": ["Toy Story (1995)", "GoldenEye (1995)", None, "Heat (1995)"],
        "categories": ["Animation|Children's|Comedy", "Action|Adventure", "unknown", ""],
        "category": ["Animation", "Action", "unknown", ""],  # "categories" wins
        "description": [None, "Bond is back!", "A lost film", "  "],
    })
    assert item_texts(items) == [
        "Toy Story (1995). Animation, Children's, Comedy.",
        "GoldenEye (1995). Action, Adventure. Bond is back!",
        "A lost film.",
        "Heat (1995).",
    ]


def test_a_dataset_reads_its_items_table(small_shop):
    texts = item_texts(small_shop)
    assert len(texts) == small_shop.n_items
    row = small_shop.items.iloc[7]
    assert texts[7] == f"{row['title']}. {row['category']}. {row['description']}"


def test_no_text_column_or_no_text_at_all_is_refused():
    with pytest.raises(DataError, match="no title, category or description column.*item_id, price"):
        item_texts(pd.DataFrame({"item_id": [1, 2], "price": [3.0, 4.0]}))
    with pytest.raises(DataError, match="every item's title, category and description is empty"):
        item_texts(pd.DataFrame({"item_id": [1, 2], "title": ["", None],
                                 "category": ["Unknown", "unknown"]}))
    with pytest.raises(DataError, match="expected a Dataset or an items table"):
        item_texts(["a title"])


def test_fingerprint_follows_content_and_order():
    a = ["one.", "two."]
    assert text_fingerprint(a) == text_fingerprint(list(a))
    assert len(text_fingerprint(a)) == 32
    assert text_fingerprint(a) != text_fingerprint(["one.", "two!"])
    assert text_fingerprint(a) != text_fingerprint(["two.", "one."])
    assert text_fingerprint(["ab", "c"]) != text_fingerprint(["a", "bc"])
    assert text_fingerprint(a) != text_fingerprint(a + [""])


@pytest.fixture(scope="module")
def small_shop():
    return generate_shop(SPEC)


def test_descriptions_name_the_brand_and_the_price_band(small_shop):
    items = small_shop.items
    again = generate_shop(SPEC).items
    assert items["description"].tolist() == again["description"].tolist()  # deterministic
    assert items["description"].nunique() > len(items) // 2
    for _, row in items.iterrows():
        text = row["description"]
        assert f"by {row['brand']}." in text
        band = synthetic.PRICE_BANDS.index(row["price_band"])
        assert any(text.endswith(p) for p in synthetic.PRICE_PHRASES[band])
        nouns = synthetic.PRODUCTS[synthetic.CATEGORIES.index(row["category"])]
        assert any(f" {noun} by " in text for noun in nouns)
    other = generate_shop(SyntheticSpec(**{**SPEC.__dict__, "seed": 6})).items
    assert other["description"].tolist() != items["description"].tolist()


def test_descriptions_leave_every_other_draw_alone(small_shop, monkeypatch):
    """With the descriptions' generator replaced by empty strings, the shop is the same: they
    draw from a generator of their own, after everything else."""
    monkeypatch.setattr(synthetic, "_descriptions", lambda spec, category, brand, price:
                        [""] * len(category))
    plain = generate_shop(SPEC)
    assert plain.fingerprint == small_shop.fingerprint
    pd.testing.assert_frame_equal(plain.items.drop(columns="description"),
                                  small_shop.items.drop(columns="description"))
    pd.testing.assert_frame_equal(plain.interactions, small_shop.interactions)
    pd.testing.assert_frame_equal(plain.users, small_shop.users)


def test_movielens_titles_with_their_genres(ml100k):
    texts = item_texts(ml100k)
    assert len(texts) == 1682
    assert texts[0] == "Toy Story (1995). Animation, Children's, Comedy."
    assert texts[1] == "GoldenEye (1995). Action, Adventure, Thriller."
    assert all(texts)
