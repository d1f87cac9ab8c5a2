"""Attribute leakage on the audit page (AppTest): for a model with user embeddings (ALS) the
section shows the probe's figures from the embeddings and from the lists, equal to an
independent call of :func:`fairrec_core.leakage.leakage`; a model without embeddings (EASE, the
default) gets one line saying so and only the lists' figure; presenter mode keeps the cards and
the reading and drops the table."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_app import keys, layout, leakage_views
from fairrec_app.settings import ModelChoice
from tests.app.conftest import assert_ok, open_page

AUDIT = "pages/4_Fairness_audit.py"
ALS_PARAMS = {"factors": 16, "iterations": 3, "random_state": 0}


@pytest.fixture(scope="module")
def split():
    from fairrec_core.data import load_dataset, split_dataset

    return split_dataset(load_dataset("demo"), method="random", test_size=0.2, seed=42)


def _expected(model, split, attribute: str):
    from fairrec_core.leakage import leakage
    from fairrec_core.models import top_n

    users = np.flatnonzero(split.test.user_counts > 0)
    lists = top_n(model, users, 100).top(10)
    return leakage(model, split.train, lists, attribute)


def _cards(at) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric if m.label in leakage_views.SOURCES.values()}


def test_als_leakage_from_embeddings_and_lists_equals_the_core(split):
    from fairrec_core.models import ALS

    at = open_page(AUDIT, state={keys.MODELS_ACTIVE: ModelChoice.of("als", ALS_PARAMS)})
    assert_ok(at)
    assert at.selectbox(key=keys.widget("audit", "leak_attr")).value == "gender"
    headers = [h.value for h in at.main.header]
    assert "Can the model tell a user's gender?" in headers
    expected = _expected(ALS(**ALS_PARAMS).fit(split.train), split, "gender")
    shown = next(f.value for f in at.main.dataframe if "Read from" in f.value.columns)
    assert list(shown["Read from"]) == [leakage_views.SOURCES[s] for s in expected["source"]]
    for col, core in (("Score (0.5 = chance)", "auc"), ("95% low", "low"), ("95% high", "high"),
                      ("Guesses right", "accuracy"),
                      ("Always guessing the largest group", "baseline_accuracy"),
                      ("Users", "n"), ("Users left out", "n_left_out")):
        np.testing.assert_allclose(shown[col].to_numpy(float), expected[core].to_numpy(float),
                                   rtol=0, atol=1e-9, err_msg=col)
    cards = _cards(at)
    for _, row in expected.iterrows():
        assert cards[leakage_views.SOURCES[row["source"]]] == f"{row['auc']:.2f}"
    # the reading follows the interval: above chance is a warning, else a success box
    boxes = {b.value: "warning" for b in at.main.warning} | {b.value: "ok" for b in at.main.success}
    for _, row in expected.iterrows():
        text = f"{leakage_views.SOURCES[row['source']]}: the probe " \
               f"{leakage_views.reading(row, 'gender')}."
        assert boxes[text] == ("warning" if row["low"] > 0.5 else "ok")


def test_model_without_embeddings_checks_its_lists_only_in_presenter_mode(split):
    from fairrec_core.models import EASE

    at = open_page(AUDIT, state={layout.PRESENTER: True})
    assert_ok(at)
    expected = _expected(EASE().fit(split.train), split, "gender")
    assert list(expected["source"]) == ["list"]
    assert any("keeps no learned profile of each user" in c.value for c in at.main.caption)
    cards = _cards(at)
    assert cards == {leakage_views.SOURCES["list"]: f"{expected['auc'].iloc[0]:.2f}"}
    # presenter mode: no table, no downloads
    assert not any("Read from" in f.value.columns for f in at.main.dataframe)
    assert not at.get("download_button")
