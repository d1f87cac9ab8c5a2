"""`python -m fairrec_core train` and the text form of hyperparameters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairrec_core.cli import main
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.metrics import hit_matrix, n_relevant, ndcg
from fairrec_core.models import ALS, BPR, TwoTower, load_model, parse_params, top_n

SPEC = "synthetic:users=200,items=120,interactions=4000,seed=3"


def test_train_saves_a_model_whose_metrics_can_be_recomputed(tmp_path, capsys):
    out = tmp_path / "bpr"
    code = main(["train", "--data", SPEC, "--model", "bpr", "--param", "epochs=3",
                 "--param", "factors=8", "--seed", "5", "--out", str(out), "--threads", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert [line.split()[1] for line in captured.err.splitlines()] == ["1/3", "2/3", "3/3"]
    info = json.loads((out / "params.json").read_text())
    assert info["model"] == "bpr"
    assert info["params"]["epochs"] == 3 and info["params"]["factors"] == 8
    split = split_dataset(load_dataset(SPEC), seed=5)
    assert info["fingerprint"] == split.train.fingerprint
    model = load_model(out, data=split.train)
    lists = top_n(model, np.flatnonzero(split.test.user_counts), 10)
    hits = hit_matrix(lists, split.test)
    assert info["metrics"]["NDCG@10"] == pytest.approx(
        float(np.nanmean(ndcg(hits, n_relevant(lists, split.test))))
    )
    assert info["metrics"]["HR@10"] == pytest.approx(float(hits.any(axis=1).mean()))
    assert f"NDCG@10       {info['metrics']['NDCG@10']:.4f}" in captured.out


def test_train_without_split_uses_all_data(tmp_path, capsys):
    out = tmp_path / "pop"
    assert main(["train", "--data", SPEC, "--model", "popularity", "--split", "none",
                 "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    info = json.loads((out / "params.json").read_text())
    assert info["fingerprint"] == load_dataset(SPEC).fingerprint
    assert "NDCG@10" not in info["metrics"]


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("nope=1", "error: ease: unknown parameter 'nope'; expected one of l2"),
        ("l2=big", "error: ease: parameter l2='big': expected a number"),
        ("l2", "error: --param 'l2': expected KEY=VALUE"),
        ("l2=-5", "error: ease: l2 must be positive, got -5.0"),
    ],
)
def test_train_bad_parameters_are_one_line_errors(param, message, tmp_path, capsys):
    code = main(["train", "--data", SPEC, "--model", "ease", "--param", param,
                 "--out", str(tmp_path / "m"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == message


def test_parse_params_types_follow_the_defaults():
    assert parse_params(ALS, ["factors=16", "reg=0.5", "validation=0"]) == {
        "factors": 16, "reg": 0.5, "validation": 0.0,
    }
    assert parse_params(TwoTower, ["user_features=gender, region", "item_features="]) == {
        "user_features": ("gender", "region"), "item_features": (),
    }
    with pytest.raises(ModelError, match="expected an integer"):
        parse_params(BPR, ["epochs=1.5"])
