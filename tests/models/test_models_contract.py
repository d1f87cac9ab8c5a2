"""The contract every registered model keeps (parametrized over the one registry)."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.errors import ModelError
from fairrec_core.models import MODELS, Progress, load_model, save_model, top_n

#: Hyperparameters that keep each model's training to about a second on the small shop.
FAST_PARAMS: dict[str, dict] = {
    "popularity": {},
    "itemknn": {"neighbors": 20},
    "userknn": {"neighbors": 20},
    "ease": {"l2": 50.0},
    "als": {"factors": 8, "iterations": 3},
    "bpr": {"factors": 8, "epochs": 3},
    "twotower": {"dim": 8, "epochs": 2},
    "sasrec": {"dim": 16, "epochs": 2, "max_len": 20},
    "textals": {"factors": 8, "iterations": 3},
}

NAMES = list(MODELS)


def make(name: str):
    return MODELS[name](**FAST_PARAMS[name])


@pytest.fixture(scope="module")
def fitted(small_split):
    """One fitted model per name, shared by the read-only checks."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = make(name).fit(small_split.train)
        return cache[name]

    return get


def assert_same_lists(a_items, a_scores, b_items, b_scores, *, tol=1e-4):
    """Equal lists, except that items whose scores tie up to float rounding may swap ranks."""
    np.testing.assert_allclose(a_scores, b_scores, rtol=tol, atol=tol)
    for r, j in zip(*np.nonzero(a_items != b_items), strict=True):
        row = a_scores[r]
        near = [row[i] for i in (j - 1, j + 1) if 0 <= i < len(row)]
        assert any(abs(row[j] - x) <= tol * max(1.0, abs(row[j])) for x in near), (r, j)


def test_registry_names_and_fast_params_cover_every_model():
    assert set(MODELS) <= set(FAST_PARAMS)
    for name, cls in MODELS.items():
        assert cls.name == name


@pytest.mark.parametrize("name", NAMES)
def test_params_round_trip(name):
    model = make(name)
    params = model.get_params()
    for key, value in FAST_PARAMS[name].items():
        assert params[key] is value  # stored unchanged
    clone = MODELS[name](**params)
    assert clone.get_params() == params
    assert MODELS[name]().set_params(**params).get_params() == params
    with pytest.raises(ModelError, match="unknown parameter 'no_such_param'"):
        model.set_params(no_such_param=1)


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_learned_state_ends_in_underscore(name, small_split):
    model = make(name)
    before = set(vars(model))
    assert model.fit(small_split.train) is model
    added = set(vars(model)) - before
    assert added and all(a.endswith("_") for a in added), sorted(added)
    assert model.get_params() == make(name).get_params()  # fit leaves parameters alone


@pytest.mark.parametrize("name", NAMES)
def test_recommend_shapes_no_seen_no_duplicates_sorted(name, fitted, small_split):
    model = fitted(name)
    train = small_split.train
    users = np.arange(train.n_users)
    items, scores = model.recommend(users, 10)
    assert items.shape == scores.shape == (train.n_users, 10)
    assert items.dtype == np.int64 and scores.dtype == np.float32
    seen = train.matrix
    for u in users:
        row = items[u][items[u] >= 0]
        assert len(set(row)) == len(row)
        assert not set(row) & set(seen.indices[seen.indptr[u] : seen.indptr[u + 1]])
    assert np.all(np.diff(scores, axis=1) <= 0)
    assert np.all(items >= 0)  # 120 items, nobody has seen 110 of them
    # recommend's scores are the model's scores of those pairs
    np.testing.assert_allclose(
        model.score(np.repeat(users, 10), items.ravel()).reshape(items.shape), scores,
        rtol=1e-4, atol=1e-4,
    )


@pytest.mark.parametrize("name", NAMES)
def test_exclude_seen_false_keeps_the_best_scores(name, fitted, small_split):
    model = fitted(name)
    users = np.arange(0, small_split.train.n_users, 7)
    items, scores = model.recommend(users, 15, exclude_seen=False)
    full = model.score(np.repeat(users, model.n_items_), np.tile(np.arange(model.n_items_), len(users)))
    full = full.reshape(len(users), model.n_items_)
    np.testing.assert_allclose(scores, -np.sort(-full, axis=1)[:, :15], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_batch_equals_one_at_a_time(name, fitted):
    model = fitted(name)
    users = np.array([5, 0, 17, 5, 199, 42])
    items, scores = model.recommend(users, 8)
    for r, u in enumerate(users):
        one_items, one_scores = model.recommend([u], 8)
        assert_same_lists(items[r : r + 1], scores[r : r + 1], one_items, one_scores)


@pytest.mark.parametrize("name", NAMES)
def test_save_load_recommends_identically(name, fitted, small_split, tmp_path):
    model = fitted(name)
    save_model(model, tmp_path / name, train=small_split.train, metrics={"NDCG@10": 0.5})
    loaded = load_model(tmp_path / name, data=small_split.train)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    users = np.arange(small_split.train.n_users)
    a_items, a_scores = model.recommend(users, 10)
    b_items, b_scores = loaded.recommend(users, 10)
    np.testing.assert_array_equal(a_items, b_items)
    np.testing.assert_array_equal(a_scores, b_scores)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_result(name, fitted, small_split):
    model = fitted(name)
    again = make(name).fit(small_split.train)
    users = np.arange(small_split.train.n_users)
    a_items, a_scores = model.recommend(users, 10)
    b_items, b_scores = again.recommend(users, 10)
    np.testing.assert_array_equal(a_items, b_items)
    np.testing.assert_array_equal(a_scores, b_scores)


@pytest.mark.parametrize("name", NAMES)
def test_progress_reports_steps_up_to_total(name, small_split):
    events: list[Progress] = []
    make(name).fit(small_split.train, progress=events.append)
    assert events
    assert all(isinstance(e, Progress) for e in events)
    steps = [e.step for e in events]
    assert steps == sorted(steps)
    assert all(0 <= e.step <= e.total for e in events)
    assert all(e.loss is None or np.isfinite(e.loss) for e in events)
    assert all(e.val_ndcg is None or 0.0 <= e.val_ndcg <= 1.0 for e in events)
    assert events[-1].step == events[-1].total  # a progress bar always ends full


@pytest.mark.parametrize("name", ["als", "bpr", "twotower", "sasrec"])
def test_early_stopping_keeps_the_best_validation_epoch(name, small_split):
    events: list[Progress] = []
    epochs_key = "iterations" if name == "als" else "epochs"
    params = {**FAST_PARAMS[name], epochs_key: 12, "patience": 1, "validation": 0.2}
    model = MODELS[name](**params).fit(small_split.train, progress=events.append)
    per_epoch = [e for e in events if "stopped early" not in e.message]
    kept = getattr(model, f"{epochs_key}_")
    best = max(range(len(per_epoch)), key=lambda j: (per_epoch[j].val_ndcg, -j)) + 1
    # ALS adds one final alternation over all interactions after the best one
    assert kept == (best + 1 if name == "als" else best)
    if len(per_epoch) < 12:  # stopped early: one epoch without a gain (patience 1)
        assert per_epoch[-1].val_ndcg <= per_epoch[-2].val_ndcg
        assert events[-1].message.startswith("stopped early") and events[-1].step == 12


@pytest.mark.parametrize("name", NAMES)
def test_top_n_pads_when_the_unseen_catalogue_is_short(name, fitted, small_split):
    model = fitted(name)
    counts = small_split.train.user_counts
    user = int(np.argmax(counts))
    n_unseen = model.n_items_ - int(counts[user])
    lists = top_n(model, [user], n_unseen + 5)
    assert lists.depth == n_unseen + 5
    assert lists.lengths()[0] == n_unseen
    assert np.all(lists.items[0, n_unseen:] == -1)
    assert np.all(np.isneginf(lists.scores[0, n_unseen:]))
    assert np.all(np.isfinite(lists.scores[0, :n_unseen]))
    wide = top_n(model, [user], model.n_items_ + 3)  # wider than the catalogue: padded too
    np.testing.assert_array_equal(wide.items[0, : n_unseen + 5], lists.items[0])
