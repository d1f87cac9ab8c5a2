"""Importing recommendation lists and test interactions from any system."""

import numpy as np
import pytest

from fairrec_core.errors import DataError
from fairrec_core.external import read_recommendations, read_test
from fairrec_core.ranking import RankedLists


@pytest.fixture(scope="module")
def lists(demo):
    rng = np.random.default_rng(0)
    items = np.argsort(rng.random((demo.n_users, demo.n_items)), axis=1)[:, :10]
    scores = -np.sort(rng.random((demo.n_users, 10)), axis=1)
    return RankedLists(np.arange(demo.n_users), items, scores.astype(np.float32))


def test_round_trip_through_csv(demo, lists):
    raw = lists.to_frame(demo).to_csv(index=False).encode()
    imported = read_recommendations(raw, demo)
    assert np.array_equal(imported.lists.users, lists.users)
    assert np.array_equal(imported.lists.items, lists.items)
    assert np.allclose(imported.lists.scores, lists.scores)
    assert imported.score_source == "scores" and imported.warnings == ()


def test_rows_in_any_order_and_scores_only(demo, lists):
    frame = lists.to_frame(demo).drop(columns="rank").sample(frac=1.0, random_state=3)
    imported = read_recommendations(frame.to_csv(index=False).encode(), demo)
    assert np.array_equal(imported.lists.items, lists.items)


def test_ranks_only_derive_scores(demo, lists):
    frame = lists.to_frame(demo).drop(columns="score")
    imported = read_recommendations(frame.to_csv(index=False).encode(), demo)
    assert imported.score_source == "ranks"
    assert np.array_equal(imported.lists.items, lists.items)
    assert np.allclose(imported.lists.scores[0], 1 - np.arange(10) / 10)


def test_mapping_of_other_column_names(demo, lists):
    frame = lists.to_frame(demo).rename(columns={"user_id": "customer", "item_id": "sku", "rank": "pos"})
    imported = read_recommendations(
        frame.to_csv(index=False).encode(), demo, mapping={"customer": "user_id", "sku": "item_id"}
    )
    assert np.array_equal(imported.lists.items, lists.items)


def test_short_lists_and_unserved_users_warn(demo_split, demo, lists):
    frame = lists.to_frame(demo)
    frame = frame[(frame["rank"] <= 5) & (frame["user_id"] != demo.user_vocab.id(0))]
    imported = read_recommendations(frame.to_csv(index=False).encode(), demo, k=10, test=demo_split.test)
    assert any("2999 of 2999 lists are shorter than k=10" in w for w in imported.warnings)
    assert any("1 users with test items have no list" in w for w in imported.warnings)
    assert imported.lists.n_users == demo.n_users
    assert (imported.lists.items[0] == -1).all()


def test_test_file_gives_history_and_test(demo, demo_split):
    t = demo_split.test.interactions
    raw = ("user_id,item_id\n" + "\n".join(
        f"{u},{i}" for u, i in zip(demo.user_vocab.lookup(t["user"]), demo.item_vocab.lookup(t["item"]), strict=True)
    )).encode()
    train, test = read_test(raw, demo)
    assert train.fingerprint == demo_split.train.fingerprint
    assert test.fingerprint == demo_split.test.fingerprint


HEADER = "user_id,item_id,rank,score\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("user_id,rank\nu00000,1\n", r"recommendations\.csv: missing required column 'item_id'"),
        ("user_id,item_id\nu00000,i00001\n", r"recommendations\.csv: needs a 'rank' or a 'score' column"),
        (HEADER + "u00000,i00001,1,0.5\nnobody,i00002,1,0.4\n",
         r"recommendations\.csv: line 3: user_id 'nobody' is not in the dataset"),
        (HEADER + "u00000,i00001,1,0.5\nu00000,i99999,2,0.4\n",
         r"recommendations\.csv: line 3: item_id 'i99999' is not in the dataset"),
        (HEADER + "u00000,i00001,1,0.5\nu00000,i00002,1,0.4\n",
         r"recommendations\.csv: line 3: duplicate \(user_id, rank\) \('u00000', '1'\)"),
        (HEADER + "u00000,i00001,1,0.5\nu00000,i00001,2,0.4\n",
         r"recommendations\.csv: line 3: duplicate \(user_id, item_id\) \('u00000', 'i00001'\)"),
        (HEADER + "u00000,i00001,1,high\n", r"recommendations\.csv: line 2: score 'high' is not a number"),
        (HEADER + "u00000,i00001,first,0.5\n", r"recommendations\.csv: line 2: rank 'first' is not a whole number"),
        (HEADER + "u00000,i00001,0,0.5\n", r"recommendations\.csv: line 2: rank '0' must be a whole number from 1 to 2,147,483,647"),
        (HEADER, r"recommendations\.csv: no recommendations"),
    ],
)
def test_bad_lists(demo, body, message):
    with pytest.raises(DataError, match=message) as info:
        read_recommendations(body.encode(), demo)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("user_id\nu00000\n", r"test\.csv: missing required column 'item_id'"),
        ("user_id,item_id\nu00000,zzz\n", r"test\.csv: line 2: item_id 'zzz' is not in the dataset"),
        ("user_id,item_id\nu00000,i00001\nu00000,i00001\n", r"test\.csv: line 3: duplicate \(user_id, item_id\)"),
    ],
)
def test_bad_test_file(demo, body, message):
    with pytest.raises(DataError, match=message):
        read_test(body.encode(), demo)
