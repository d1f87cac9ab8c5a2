"""``python -m fairrec_core mitigate`` through ``main()``: the three files, the same numbers as
the core sweep on the same split, and one-line errors with exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.cli import main
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.mitigation import TABLE_COLUMNS, MitigationTarget, mitigate

SPEC = "synthetic:users=200,items=80,interactions=3000,seed=5,bias=1"
ARGS = ["mitigate", "--data", SPEC, "--model", "popularity", "--attr", "gender",
        "--strengths", "0,0.5,1", "--candidates", "30", "--resamples", "50", "--seed", "7",
        "--threads", "1", "--quiet"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("mitigate") / "run"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def test_files_hold_the_core_sweep(written, capsys):
    table = pd.read_csv(written / "mitigation.csv", keep_default_na=False,
                        na_values=[""])
    data = load_dataset(SPEC)
    split = split_dataset(data, method="random", test_size=0.2, seed=7)
    direct = mitigate(split.train, split.test, model="popularity",
                      target=MitigationTarget("gender"), strengths=(0, 0.5, 1), seed=7,
                      n_bootstrap=50, candidates=30)
    assert list(table.columns) == list(direct.table.columns)
    assert list(table.columns[:len(TABLE_COLUMNS)]) == list(TABLE_COLUMNS)
    for column in ("accuracy", "gap", "gap_lo", "gap_hi", "ndcg@10 gender=F"):
        np.testing.assert_allclose(table[column].astype(float),
                                   direct.table[column].astype(float), rtol=1e-9)
    # popularity takes weights but has no fairness training: one row says so
    assert table.loc[table["lever"] == "in", "note"].str.contains("no fairness").tolist() == [True]
    payload = json.loads((written / "mitigation.json").read_text())
    assert payload["target"]["spec"] == "gender ndcg gap"
    assert payload["strengths"] == [0.0, 0.5, 1.0] and len(payload["table"]) == len(table)
    assert payload["best"]["gap_change"] == pytest.approx(direct.best()["gap_change"])
    html = (written / "report.html").read_text()
    assert "Mitigation: pre-, in- and post-processing" in html
    assert html.count("js-plotly-plot") >= 0 and 'id="figure-1"' in html
    assert "Fairness in training (in)" in html  # the note of the missing lever


@pytest.mark.parametrize(("extra", "message"), [
    (["--levers", "pre,mid"], "unknown lever 'mid'"),
    (["--strengths", "0,2"], "strength '2' is outside [0, 1]"),
    (["--item-attr", "brand_tier"], "needs both an item attribute and a protected value"),
    (["--item-attr", "brand_tier", "--protected", "tiny"], "brand_tier has no value 'tiny'"),
    (["--attr", "shoe_size"], "no user attribute 'shoe_size'"),
    (["--param", "nope=1"], "unknown parameter 'nope'"),
])
def test_errors_are_one_line_exit_2(tmp_path, capsys, extra, message):
    assert main([*ARGS, *extra, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "o").exists()


def test_refuses_to_overwrite_without_force(written, capsys):
    assert main([*ARGS, "--out", str(written)]) == 2
    assert "--force" in capsys.readouterr().err
