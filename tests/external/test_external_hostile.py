"""Issue 13, imported lists and test files: non-finite or out-of-range scores and ranks,
duplicate columns, huge headers and files — each refused with its exact one-line message;
float32-edge scores load unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fairrec_core.errors import FairrecError
from fairrec_core.external import read_recommendations, read_test

HEADER = "user_id,item_id,rank,score\n"
SCORE_RANGE = "a finite number within float32 range (|x| <= 3.4e38)"
RANK_RANGE = "a whole number from 1 to 2,147,483,647"


def refused(fn, *args, **kwargs) -> str:
    with pytest.raises(FairrecError) as info:
        fn(*args, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 500
    return msg


@pytest.mark.parametrize("score", ["inf", "-inf", "1e400", "1e39", "-1e39"])
def test_score_not_finite_float32(demo, score):
    body = f"user_id,item_id,score\nu00000,i00001,0.5\nu00000,i00002,{score}\n"
    assert refused(read_recommendations, body.encode(), demo) == (
        f"recommendations.csv: line 3: score '{score}' must be {SCORE_RANGE}")


@pytest.mark.parametrize("rank", ["1e30", "inf", "2147483648", "0", "-3"])
def test_rank_out_of_range(demo, rank):
    body = HEADER + f"u00000,i00001,{rank},0.5\n"
    assert refused(read_recommendations, body.encode(), demo) == (
        f"recommendations.csv: line 2: rank '{rank}' must be {RANK_RANGE}")


def test_rank_and_score_empty_or_text(demo):
    assert refused(read_recommendations, (HEADER + "u00000,i00001,,0.5\n").encode(), demo) == (
        "recommendations.csv: line 2: rank is empty")
    assert refused(read_recommendations, (HEADER + "u00000,i00001,1,nan\n").encode(), demo) == (
        "recommendations.csv: line 2: score 'nan' is not a number")


def test_duplicate_column_in_lists(demo):
    body = "user_id,user_id,item_id,rank\nu00000,u00001,i00001,1\n"
    assert refused(read_recommendations, body.encode(), demo) == (
        "recommendations.csv: line 1: column 'user_id' appears twice (columns 1 and 2); "
        "every column name must be unique")


def test_duplicate_column_after_aliases(demo):
    """'position' and 'rank' both mean rank: refused, not one silently dropped."""
    body = "user_id,item_id,rank,position\nu00000,i00001,1,2\n"
    assert refused(read_recommendations, body.encode(), demo) == (
        "recommendations.csv: two columns map to 'rank'; check the column mapping")
    frame = pd.DataFrame([["u00000", "i00001", 1, 2]], columns=["user_id", "item_id", "rank", "Position"])
    assert refused(read_recommendations, frame, demo) == (
        "recommendations.csv: column 'rank' appears twice; every column name must be unique")


def test_duplicate_column_in_test_file(demo):
    body = "user_id,item_id,item_id\nu00000,i00001,i00002\n"
    assert refused(read_test, body.encode(), demo) == (
        "test.csv: line 1: column 'item_id' appears twice (columns 2 and 3); every column name must be unique")


def test_wide_header_in_lists(demo):
    body = ",".join(f"c{k}" for k in range(5000)) + "\n"
    assert refused(read_recommendations, body.encode(), demo) == (
        "recommendations.csv: header has 5,000 columns; at most 1,000 are allowed (FAIRREC_MAX_COLUMNS)")


def test_list_file_over_the_size_limit(demo, monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_FILE_BYTES", "100")
    body = HEADER + "u00000,i00001,1,0.5\n" * 10
    assert refused(read_test, body.encode(), demo, source="t.csv") == (
        f"t.csv: {len(body)} bytes is over the 100 bytes file limit (FAIRREC_MAX_FILE_BYTES)")


def test_long_unknown_id_is_shown_truncated(demo):
    body = HEADER + "u00000," + "x" * 10_000 + ",1,0.5\n"
    msg = refused(read_recommendations, body.encode(), demo)
    assert msg == ("recommendations.csv: line 2: item_id 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... is not in "
                   "the dataset (1 rows name unknown item_ids)")


def test_scores_at_float32_edges_load(demo):
    top = float(np.finfo(np.float32).max)
    body = f"user_id,item_id,score\nu00000,i00001,{top!r}\nu00000,i00002,{-top!r}\n"
    imported = read_recommendations(body.encode(), demo)
    assert imported.lists.scores[0, :2].tolist() == [np.float32(top), np.float32(-top)]
    assert imported.lists.items[0, :2].tolist() == demo.item_vocab.index(["i00001", "i00002"]).tolist()
