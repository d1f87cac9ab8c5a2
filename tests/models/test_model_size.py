"""``Recommender.size_problem`` (the app's cheap "would this fit") agrees with what ``fit`` does
under the same ``FAIRREC_MAX_DENSE_BYTES``: None exactly when fitting passes the limit."""

from __future__ import annotations

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.limits import LimitError
from fairrec_core.models import ALS, EASE

ITEMS = 60


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SyntheticSpec(users=80, items=ITEMS, interactions=1500, seed=2))


# EASE's peak, computed here: two float64 n x n arrays
PEAK = 2 * ITEMS * ITEMS * 8


@pytest.mark.parametrize("limit", [PEAK - 1, PEAK, PEAK + 1, 10 * PEAK])
def test_ease_size_problem_agrees_with_fit(shop, monkeypatch, limit):
    assert shop.n_items == ITEMS
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", str(limit))
    problem = EASE.size_problem(shop)
    if limit < PEAK:
        assert problem is not None and f"for {ITEMS} items" in problem
        with pytest.raises(LimitError):
            EASE(l2=10.0).fit(shop)
    else:
        assert problem is None
        assert EASE(l2=10.0).fit(shop).is_fitted


def test_models_without_a_dense_item_matrix_report_no_size_problem(shop, monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", "1")
    assert ALS.size_problem(shop) is None
