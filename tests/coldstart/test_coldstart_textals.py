"""TextALS: the ridge map in closed form, the warm items scored exactly as ALS, the cold items
scored through the map from their features, saved and loaded unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.errors import ModelError
from fairrec_core.models import ALS, MODELS, TextALS, load_model, save_model
from fairrec_core.models._ridge import apply_map, ridge_map
from fairrec_core.models._textals import category_onehot
from tests.coldstart.conftest import FAST


@pytest.fixture(scope="module")
def fitted(split, embeddings):
    return {f: TextALS(features=f, **FAST).fit(split.train) for f in TextALS.FEATURES}


@pytest.fixture(scope="module")
def als(split):
    return ALS(**FAST).fit(split.train)


def test_ridge_map_is_the_closed_form_with_an_unpenalised_intercept():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 7)), rng.normal(size=(50, 3))
    alpha = 2.5
    stacked = ridge_map(x, y, alpha)
    # the normal equations of [x 1] with the penalty on every weight but the intercept's
    a = np.hstack([x, np.ones((50, 1))])
    penalty = np.diag([alpha] * 7 + [0.0])
    expected = np.linalg.solve(a.T @ a + penalty, a.T @ y)
    np.testing.assert_allclose(stacked, expected, atol=1e-10)
    from sklearn.linear_model import Ridge

    sk = Ridge(alpha=alpha).fit(x, y)
    np.testing.assert_allclose(stacked[:-1], sk.coef_.T, atol=1e-10)
    np.testing.assert_allclose(stacked[-1], sk.intercept_, atol=1e-10)
    np.testing.assert_allclose(apply_map(x[:4], stacked), sk.predict(x[:4]), atol=1e-10)
    with pytest.raises(ModelError, match="alpha must be positive"):
        ridge_map(x, y, 0.0)


def test_registered_with_a_display_name():
    from fairrec_core import names
    from fairrec_core.cli._help import MODEL_NAMES

    assert MODELS["textals"] is TextALS and "textals" in MODEL_NAMES
    assert names.model("textals") != "textals"


@pytest.mark.parametrize("features", TextALS.FEATURES)
def test_warm_items_score_exactly_as_als(features, fitted, als, split):
    model = fitted[features]
    warm = split.warm_items
    users = np.repeat(np.arange(split.train.n_users), len(warm))
    items = np.tile(warm, split.train.n_users)
    np.testing.assert_array_equal(model.score(users, items), als.score(users, items))
    np.testing.assert_array_equal(model.user_factors_, als.user_factors_)
    cold = split.cold_items
    assert not np.allclose(model.item_factors_[cold], als.item_factors_[cold])


@pytest.mark.parametrize("features", TextALS.FEATURES)
def test_cold_items_get_the_map_of_their_features(features, fitted, als, split, embeddings):
    model = fitted[features]
    x = embeddings.astype(np.float64) if features == "text" else \
        category_onehot(split.train.items)
    warm, cold = split.warm_items, split.cold_items
    y = np.hstack([als.item_factors_, als.item_bias_[:, None]]).astype(np.float64)
    # the closed form again, independently: centred data, penalised normal equations
    xm, ym = x[warm].mean(axis=0), y[warm].mean(axis=0)
    xc, yc = x[warm] - xm, y[warm] - ym
    w = np.linalg.solve(xc.T @ xc + model.ridge * np.eye(x.shape[1]), xc.T @ yc)
    guess = (x[cold] - xm) @ w + ym
    np.testing.assert_allclose(model.item_factors_[cold], guess[:, :-1], atol=1e-5)
    np.testing.assert_allclose(model.item_bias_[cold], guess[:, -1], atol=1e-5)
    np.testing.assert_array_equal(model.cold_items_, cold)
    assert model.feature_map_.shape == (x.shape[1] + 1, FAST["factors"] + 1)


def test_text_features_are_what_item_embeddings_give(fitted, split, embeddings):
    assert embeddings.shape == (split.train.n_items, 384)
    np.testing.assert_array_equal(fitted["text"].content_features(split.train),
                                  embeddings.astype(np.float64))
    onehot = category_onehot(split.train.items)
    assert onehot.sum(axis=1).tolist() == [1.0] * split.train.n_items  # one category each


def test_genres_are_multi_hot():
    import pandas as pd

    items = pd.DataFrame({"categories": ["Action|Comedy", "Comedy", None]})
    np.testing.assert_array_equal(category_onehot(items), [[1, 1, 0], [0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize("features", TextALS.FEATURES)
def test_save_and_load_give_identical_scores(features, fitted, split, tmp_path):
    model = fitted[features]
    save_model(model, tmp_path / features, train=split.train)
    loaded = load_model(tmp_path / features, data=split.train)
    assert loaded.get_params() == model.get_params()
    users = np.arange(split.train.n_users)
    for a, b in zip(model.recommend(users, 10), loaded.recommend(users, 10), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.cold_items_, model.cold_items_)
    np.testing.assert_array_equal(loaded.feature_map_, model.feature_map_)


def test_a_map_that_does_not_fit_the_factors_is_refused_on_load(fitted, split, tmp_path):
    import json

    save_model(fitted["category"], tmp_path / "m", train=split.train)
    info = json.loads((tmp_path / "m" / "params.json").read_text())
    info["params"]["factors"] = 9  # arrays hold 8 factors
    (tmp_path / "m" / "params.json").write_text(json.dumps(info))
    with pytest.raises(ModelError, match="arrays.npz: feature_map_ has 9 columns for 9 factors"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize(("params", "message"), [
    ({"features": "pictures"}, "features must be one of text, category"),
    ({"ridge": 0.0}, "ridge must be a positive number"),
    ({"ridge": float("nan")}, "ridge must be a positive number"),
    ({"factors": 0}, "factors must be a positive integer"),
])
def test_bad_parameters_are_refused(split, params, message):
    with pytest.raises(ModelError, match=message):
        TextALS(**{**FAST, **params}).fit(split.train)


def test_progress_reports_the_embedding_first(split, embeddings):
    events = []
    TextALS(**FAST).fit(split.train, progress=events.append)
    assert events[0].step == 0 and events[0].message == (
        f"embedding item texts {split.train.n_items}/{split.train.n_items}")
    assert [e.step for e in events[1:]] == [1, 2, 3, 4] and events[-1].total == 4
