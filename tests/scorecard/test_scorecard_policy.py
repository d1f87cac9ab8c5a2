"""The policy file: the example at the repository root, defaults, and one-line errors naming the
file, the key and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairrec_core.errors import DataError
from fairrec_core.scorecard import MetricPolicy, Policy, load_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "fairness-policy.toml"


def write(tmp_path, text: str | bytes) -> Path:
    path = tmp_path / "policy.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_the_example_policy_parses_to_what_its_comments_say():
    p = load_policy(EXAMPLE)
    assert p.significance == 0.05 and p.fail_on_red is True
    assert p.attributes == ("gender", "age_group", "region")
    assert p.fail_on == ("gender:ndcg:ratio<0.7",)
    assert p.metrics == (MetricPolicy("ndcg", 0.02, 0.8), MetricPolicy("recall", 0.03, 0.8))


def test_an_empty_file_is_the_default_policy(tmp_path):
    assert load_policy(write(tmp_path, "")) == Policy()
    assert Policy().metrics == (MetricPolicy("ndcg", 0.02, 0.8),)


def test_metric_names_with_a_cutoff_are_accepted(tmp_path):
    p = load_policy(write(tmp_path, '[metrics."NDCG@10"]\nmax_gap = 0.05\n'))
    assert p.metrics == (MetricPolicy("ndcg", 0.05, 0.8),)


@pytest.mark.parametrize(("text", "key", "expected"), [
    ("signifcance = 0.05", "signifcance", "one of the keys"),
    ("significance = 1.5", "significance", "between 0 and 1"),
    ("significance = 0", "significance", "between 0 and 1"),
    ('significance = "5%"', "significance", "between 0 and 1"),
    ("significance = true", "significance", "between 0 and 1"),
    ('attributes = "gender"', "attributes", "list of attribute names"),
    ("attributes = []", "attributes", "list of attribute names"),
    ("attributes = [1]", "attributes", "list of attribute names"),
    ('fail_on_red = "yes"', "fail_on_red", "true or false"),
    ('fail_on = "gender:ndcg:difference>0.05"', "fail_on", "a list of conditions"),
    ('fail_on = ["gender:ndcg:gap>0.05"]', "fail_on", "ATTR:METRIC:STAT>X"),
    ("metrics = 3", "metrics", "tables such as [metrics.ndcg]"),
    ("[metrics.accuracy]\nmax_gap = 0.1", "metrics.accuracy", "a per-user metric name"),
    ("[metrics]\nndcg = 0.02", "metrics.ndcg", "a table with max_gap and min_ratio"),
    ("[metrics.ndcg]\nmax_gap = -0.1", "metrics.ndcg.max_gap", "a number >= 0"),
    ('[metrics.ndcg]\nmax_gap = "small"', "metrics.ndcg.max_gap", "a number >= 0"),
    ("[metrics.ndcg]\nmin_ratio = 1.25", "metrics.ndcg.min_ratio", "between 0 and 1"),
    ("[metrics.ndcg]\nmaxgap = 0.1", "metrics.ndcg.maxgap", "max_gap or min_ratio"),
])
def test_bad_policy_is_one_line_naming_file_key_and_expectation(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as err:
        load_policy(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {key}: expected ")
    assert expected in msg


def test_not_toml_not_utf8_and_missing_files(tmp_path):
    for text, expected in (("significance = ", "not valid TOML"), (b"\xff\xfe = 1", "not UTF-8")):
        path = write(tmp_path, text)
        with pytest.raises(DataError, match=rf"^{path}: {expected}") as err:
            load_policy(path)
        assert "\n" not in str(err.value)
    with pytest.raises(DataError, match=r"^.*nope\.toml: "):
        load_policy(tmp_path / "nope.toml")
