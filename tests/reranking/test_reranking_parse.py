"""``parse_rerank``: the command-line form of every re-ranker, and its one-line errors."""

from __future__ import annotations

import pytest

from fairrec_core.errors import DataError
from fairrec_core.reranking import RERANKERS, CalibratedReranker, parse_rerank


def test_parse_maps_lambda_to_lam_and_keeps_defaults():
    r = parse_rerank("calibrated:lambda=0.25")
    assert isinstance(r, CalibratedReranker)
    # attribute none: the audit's calibration attribute (categories, else category)
    assert r.get_params() == {"lam": 0.25, "attribute": None}
    assert parse_rerank("calibrated:attribute=none").attribute is None
    assert parse_rerank("  MMR ").get_params() == RERANKERS["mmr"]().get_params()


def test_parse_structured_values():
    fair = parse_rerank("fair:p=0.3,alpha=0.1,protected=brand_tier=small")
    assert fair.get_params() == {"p": 0.3, "alpha": 0.1, "protected": "brand_tier=small"}
    parity = parse_rerank("parity:user_attr=age_group,item_attr=category,value=Books,lambda=1")
    assert parity.get_params() == {
        "user_attr": "age_group",
        "item_attr": "category",
        "value": "Books",
        "lam": 1.0,
    }
    ugf = parse_rerank("ugf:epsilon=0.02,user_attr=region")
    assert (ugf.epsilon, ugf.user_attr, ugf.lam) == (0.02, "region", 0.5)
    assert parse_rerank("ugf:epsilon=none").epsilon is None


@pytest.mark.parametrize("name", list(RERANKERS))
def test_spec_round_trip(name):
    cls = RERANKERS[name]
    r = cls()
    again = parse_rerank(r.spec())
    assert type(again) is cls
    assert again.get_params() == r.get_params()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope:lambda=1", "unknown re-ranker 'nope'"),
        ("calibrated:lambda=2", "lambda=2 is outside [0, 1]"),
        ("calibrated:lambda=abc", "lambda='abc' is not a number"),
        ("calibrated:gamma=1", "calibrated has no parameter 'gamma'"),
        ("calibrated:lambda", "expected key=value"),
        ("calibrated:lambda=0.1,lambda=0.2", "lambda given twice"),
        ("mmr:attribute=", "attribute needs a value"),
        ("fair:protected=brand_tier", "must be ATTRIBUTE=VALUE"),
        ("fair:alpha=0", "alpha=0 is outside [0.01, 0.5]"),
    ],
)
def test_bad_specs_raise_one_line_data_errors(spec, message):
    with pytest.raises(DataError) as err:
        parse_rerank(spec)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
