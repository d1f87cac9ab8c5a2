"""The policy written as TOML reads back to the same policy; a saved baseline reads back to the
same metrics and is replaced whole; a file that is not an audit's metrics.json is one line."""

from __future__ import annotations

import json
import tomllib

import pytest

from fairrec_core.errors import DataError
from fairrec_core.scorecard import (
    MetricPolicy,
    Policy,
    baseline_folder,
    load_policy,
    parse_metrics,
    parse_policy,
    policy_toml,
    read_baseline,
    save_baseline,
)
from tests.scorecard._cards import gap_entry, metrics


@pytest.mark.parametrize("policy", [
    Policy(),
    Policy(metrics=(MetricPolicy("ndcg", 0.015, 0.75), MetricPolicy("recall", 0.1, 0.9)),
           significance=0.01, attributes=("gender", "age_group"), fail_on_red=True,
           fail_on=('gender:ndcg:ratio<0.7', "region:category:difference>0.2")),
])
def test_policy_toml_reads_back_to_the_same_policy(policy, tmp_path):
    text = policy_toml(policy)
    assert parse_policy(tomllib.loads(text)) == policy
    path = tmp_path / "fairness-policy.toml"
    path.write_text(text)
    assert load_policy(path) == policy


def test_the_repositorys_policy_survives_the_round_trip():
    from tests.conftest import ROOT

    policy = load_policy(ROOT / "fairness-policy.toml")
    assert parse_policy(tomllib.loads(policy_toml(policy))) == policy


def test_baseline_is_saved_and_read_back_per_dataset(tmp_path):
    first = metrics({"gender": gap_entry(0.05, 0.01, 0.09, 0.01, 0.02)})
    second = metrics({"gender": gap_entry(0.01, -0.01, 0.03, 0.4, 0.02)})
    assert read_baseline("Demo shop", tmp_path) is None
    path = save_baseline(first, "Demo shop", tmp_path)
    assert path == tmp_path / "demo-shop" / "metrics.json"
    assert read_baseline("Demo shop", tmp_path) == json.loads(json.dumps(first))
    save_baseline(second, "Demo shop", tmp_path)  # replaced whole, no temporary file left
    assert read_baseline("Demo shop", tmp_path)["gaps"]["gender"]["ndcg@10"]["difference"] == 0.01
    assert sorted(p.name for p in path.parent.iterdir()) == ["metrics.json"]
    assert read_baseline("MovieLens (ml-100k)", tmp_path) is None
    assert baseline_folder("MovieLens (ml-100k)", tmp_path).name == "movielens-ml-100k"


@pytest.mark.parametrize(("raw", "says"), [
    (b"\xff\xfe", "not valid JSON"),
    (b"{", "not valid JSON"),
    (b"[1, 2]", "with 'k' and 'gaps'"),
    (b'{"k": true, "gaps": {}}', "with 'k' and 'gaps'"),
])
def test_not_an_audit_is_one_line_naming_the_source(raw, says):
    with pytest.raises(DataError) as err:
        parse_metrics(raw, "upload.json")
    text = str(err.value)
    assert text.startswith("upload.json: ") and says in text and "\n" not in text
