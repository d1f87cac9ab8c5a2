"""Prompt sets and answer files: what the prompts hold, the JSONL round trip, free-text answers
parsed into titles, and one-line errors naming the file, the line and the field."""

from __future__ import annotations

import json

import pytest

from fairrec_core.data import SyntheticSpec, generate_shop
from fairrec_core.errors import DataError
from fairrec_core.llmaudit import (
    build_prompts,
    parse_titles,
    read_prompts,
    read_responses,
)


@pytest.fixture(scope="module")
def prompts(demo):
    return build_prompts(demo, attributes=["gender", "region"], users=5, sample="top",
                         sample_size=3, k=8, seed=4)


def test_one_neutral_prompt_and_one_per_informative_value(prompts, demo):
    """5 users x (neutral + F, M (not the uninformative U) + 6 regions) = 45 prompts; within a
    user the texts differ only in who is asking; the samples are the user's top-rated training
    items, none held out."""
    t = prompts.table
    assert len(t) == 45 and t["prompt_id"].is_unique
    assert prompts.attributes == ["gender", "region"]
    assert prompts.values("gender") == ["F", "M"]
    assert prompts.values("region") == ["North", "South", "East", "West", "Central", "Islands"]
    split = prompts.split(demo)
    for user, rows in t.groupby("user"):
        neutral = rows[rows["attribute"].isna()]
        assert len(neutral) == 1 and neutral["text"].iloc[0].startswith("I am a user.")
        female = rows[rows["value"] == "F"]["text"].iloc[0]
        assert female == neutral["text"].iloc[0].replace("a user", "a female user", 1)
        islands = rows[rows["value"] == "Islands"]["text"].iloc[0]
        assert islands.startswith("I am a user from the Islands.")
        assert rows["sample_items"].map(tuple).nunique() == 1 and "8 other products" in female
        u = demo.user_vocab.index(user)
        train = split.train.interactions
        mine = train[train["user"] == u].sort_values(["value", "timestamp"], ascending=False)
        want = [str(demo.item_vocab.id(i)) for i in mine["item"].head(3)]
        assert list(neutral["sample_items"].iloc[0]) == want


def test_jsonl_round_trip_and_fields(prompts, tmp_path, demo):
    path = tmp_path / "prompts.jsonl"
    path.write_text(prompts.to_jsonl())
    back = read_prompts(path, data=demo)
    assert back.table.equals(prompts.table) and back.holdout == prompts.holdout
    first = json.loads(path.read_text().splitlines()[0])
    assert first["attribute"] is None and first["value"] is None
    assert set(first) >= {"prompt_id", "user", "attribute", "value", "text", "sample_items", "k",
                          "dataset", "holdout"}


def test_intersections_and_item_anchors(demo):
    p = build_prompts(demo, attributes=["gender", "age_group"], users=2, intersections=True,
                      anchor="item", seed=0)
    assert "gender & age_group" in p.attributes
    row = p.table[p.table["value"] == "F & 25-34"].iloc[0]
    assert row["text"].startswith("I am a female user aged 25-34 and a fan of ")
    assert row["prompt_id"].endswith("|gender=F&age_group=25-34")
    top = demo.item_vocab.id(int(demo.item_counts.argmax()))
    assert set(p.table["user"]) >= {str(top)} and p.holdout is None


def test_parse_titles():
    text = ("Here are three movies you might like:\n1. **Toy Story (1995)** - a fun film\n"
            "2. \"Stand by Me\" (1986)\n3) 12 Angry Men\n\nEnjoy!")
    assert parse_titles(text) == ["Toy Story (1995)", "Stand by Me", "12 Angry Men"]
    assert parse_titles("1. Heat 2. Fargo (1996) 3. Se7en") == ["Heat", "Fargo (1996)", "Se7en"]
    assert parse_titles('["A", "B"]') == ["A", "B"]
    assert parse_titles("Spider-Man\n- The Matrix") == ["The Matrix"]
    assert parse_titles("Spider-Man\nThe Matrix") == ["Spider-Man", "The Matrix"]
    assert parse_titles([" x ", ""]) == ["x"]


def _write(tmp_path, lines, name="answers.jsonl"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.mark.parametrize(("lines", "message"), [
    (['{"prompt_id": "P0", "response": "1. A"}', "{not json"], "answers.jsonl: line 2: not valid JSON"),
    (['["a list"]'], "answers.jsonl: line 1: expected a JSON object, got a list"),
    (['{"prompt_id": "nope", "response": "x"}'], "answers.jsonl: line 1: unknown prompt id 'nope' (not in prompts.jsonl)"),
    (['{"prompt_id": "P0"}'], "answers.jsonl: line 1: missing field 'response'"),
    (['{"response": "x"}'], "answers.jsonl: line 1: missing field 'prompt_id'"),
    (['{"prompt_id": "P0", "response": 3}'], "answers.jsonl: line 1: field 'response' must be a string or a list of titles, got 3"),
    (['{"prompt_id": "P0", "response": "x", "sample": "one"}'], "field 'sample' must be a whole number"),
    (['{"prompt_id": "P0", "response": "x"}', '{"prompt_id": "P0", "response": "y"}'], "answers.jsonl: line 2: a second answer for prompt"),
    (['{"prompt_id": "P0", "response": "x", "model": "a"}', '{"prompt_id": "P0", "response": "x", "model": "b"}'], "holds answers of several models (a, b)"),
    ([""], "answers.jsonl: holds no answers"),
])
def test_answer_file_errors(prompts, tmp_path, lines, message):
    pid = prompts.table["prompt_id"].iloc[0]
    path = _write(tmp_path, [line.replace("P0", pid) for line in lines])
    with pytest.raises(DataError) as err:
        read_responses(path, prompts, prompts_source="prompts.jsonl")
    text = str(err.value)
    assert message in text and "\n" not in text


def test_missing_answer_file(prompts, tmp_path):
    with pytest.raises(DataError, match="cannot read the file"):
        read_responses(tmp_path / "missing.jsonl", prompts)


def test_prompt_file_errors(prompts, tmp_path, demo):
    lines = prompts.to_jsonl().splitlines()
    bad = json.loads(lines[1])
    del bad["text"]
    path = _write(tmp_path, [lines[0], json.dumps(bad)], "p.jsonl")
    with pytest.raises(DataError, match=r"p\.jsonl: line 2: missing field 'text'"):
        read_prompts(path)
    path = _write(tmp_path, [lines[0], lines[0]], "p.jsonl")
    with pytest.raises(DataError, match=r"line 2: prompt id .* appears twice \(first on line 1\)"):
        read_prompts(path)
    path = _write(tmp_path, lines[:3], "p.jsonl")
    assert len(read_prompts(path, data=demo)) == 3  # the data the prompts were made from
    small = generate_shop(SyntheticSpec(users=50, items=40, interactions=600))
    with pytest.raises(DataError, match="made from another dataset"):
        read_prompts(path, data=small)
    neutral = json.loads(lines[0])
    neutral["value"] = "F"
    path = _write(tmp_path, [json.dumps(neutral)], "p.jsonl")
    with pytest.raises(DataError, match="'attribute' and 'value' must both be null"):
        read_prompts(path)
