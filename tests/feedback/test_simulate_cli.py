"""``python -m fairrec_core simulate`` through ``main()``: rounds.csv equals the core's table,
the summary's comparison equals drift_difference, and bad input is one line, exit 2, nothing
written."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fairrec_core.cli import main
from fairrec_core.data import SyntheticSpec, load_dataset
from fairrec_core.feedback import ChoiceModel, drift_difference, generator_truth, simulate

SPEC = "synthetic:users=120,items=60,interactions=1800,seed=5,bias=1"
ARGS = ["simulate", "--data", SPEC, "--model", "popularity", "--rounds", "3", "--seeds", "2",
        "--first-seed", "7", "--rerank", "popularity:lambda=0.5", "--candidates", "30",
        "--compare", "--position-bias", "0.5", "--budget", "2", "--threads", "1", "--quiet"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("simulate") / "run"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def test_rounds_csv_is_the_core_table(written):
    table = pd.read_csv(written / "rounds.csv", keep_default_na=False, na_values=[""])
    data = load_dataset(SPEC)
    truth = generator_truth(SyntheticSpec(users=120, items=60, interactions=1800, seed=5,
                                          bias=1.0))
    kw = dict(model="popularity", rounds=3, seeds=(7, 8), k=10,
              choice=ChoiceModel(position_bias=0.5, budget=2))
    plain = simulate(data, truth, **kw)
    other = simulate(data, truth, **kw, rerank=["popularity:lambda=0.5"], candidates=30)
    direct = pd.concat([plain.table, other.table], ignore_index=True)
    assert list(table.columns) == list(direct.columns)
    pd.testing.assert_frame_equal(table.drop(columns="value"), direct.drop(columns="value"),
                                  check_dtype=False)
    pd.testing.assert_series_equal(table["value"], direct["value"], rtol=1e-12)
    summary = json.loads((written / "feedback.json").read_text())
    assert [a["arm"] for a in summary["arms"]] == ["plain", other.arm]
    assert "generator" in summary["arms"][0]["assumption"]
    row = next(c for c in summary["comparison"] if c["metric"] == "popularity"
               and c["attribute"] == "all" and c["how"] == "slope")
    assert row["difference"] == pytest.approx(
        drift_difference(plain, other, "popularity")["difference"])
    assert not (written / "report.html").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--rounds", "-1"], "--rounds must be >= 0"),
    (["--candidates", "5"], "must exceed --k"),
    (["--param", "nope=1"], "unknown parameter 'nope'"),
    (["--rerank", "shuffle:x=1"], "unknown re-ranker 'shuffle'"),
    (["--temperature", "-1"], "temperature -1.0 must be >= 0"),
    (["--groups", "shoe_size"], "unknown user attribute 'shoe_size'"),
])
def test_errors_are_one_line_exit_2(tmp_path, capsys, extra, message):
    assert main([*ARGS, *extra, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "o").exists()


def test_compare_needs_an_intervention(tmp_path, capsys):
    args = ["simulate", "--data", SPEC, "--model", "popularity", "--compare", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    assert "--compare needs an intervention" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_refuses_to_overwrite_without_force(written, capsys):
    before = (written / "rounds.csv").read_bytes()
    assert main([*ARGS, "--out", str(written)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (written / "rounds.csv").read_bytes() == before


def test_versus_runs_two_models_on_the_same_seeds_and_compares_them(tmp_path):
    """Model against model: both models through the same loop and seeds; rounds.csv holds both
    arms named by model, and the comparison is drift_difference(first, second)."""
    out = tmp_path / "versus"
    args = ["simulate", "--data", SPEC, "--model", "popularity", "--versus", "itemknn",
            "--versus-param", "neighbors=10", "--rounds", "2", "--seeds", "2", "--threads", "1",
            "--quiet", "--out", str(out)]
    assert main(args) == 0
    data = load_dataset(SPEC)
    truth = generator_truth(SyntheticSpec(users=120, items=60, interactions=1800, seed=5,
                                          bias=1.0))
    kw = dict(rounds=2, seeds=(0, 1), k=10)
    first = simulate(data, truth, model="popularity", arm="popularity", **kw)
    second = simulate(data, truth, model="itemknn", params={"neighbors": 10}, arm="itemknn", **kw)
    table = pd.read_csv(out / "rounds.csv", keep_default_na=False, na_values=[""])
    assert list(table["arm"].unique()) == ["popularity", "itemknn"]
    direct = pd.concat([first.table, second.table], ignore_index=True)
    pd.testing.assert_series_equal(table["value"], direct["value"], rtol=1e-12)
    summary = json.loads((out / "feedback.json").read_text())
    row = next(c for c in summary["comparison"] if c["metric"] == "ndcg"
               and c["attribute"] == "all" and c["how"] == "change")
    assert row["difference"] == pytest.approx(
        drift_difference(first, second, "ndcg", how="change")["difference"])


@pytest.mark.parametrize(("extra", "message"), [
    (["--compare", "--rerank", "mmr:lambda=0.5", "--versus", "ease"], "cannot be combined"),
    (["--versus-param", "neighbors=3"], "--versus-param needs --versus"),
    (["--versus", "itemknn", "--versus-param", "nope=1"], "unknown parameter 'nope'"),
])
def test_versus_mistakes_are_one_line_exit_2(tmp_path, capsys, extra, message):
    args = ["simulate", "--data", SPEC, "--model", "popularity", "--quiet", *extra]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "o").exists()
