"""``python -m fairrec_core close-gap``: its files hold the same search as the library's on the
same split and model, and an unreachable target exits with status 4 naming the closest."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fairrec_core.cli import main
from fairrec_core.cli._closegap import EXIT_NOT_MET
from fairrec_core.gapsearch import GapTarget, search_gap


def test_close_gap_writes_the_librarys_search(tmp_path, shop_pipeline, capsys):
    ctx, cands = shop_pipeline  # the same split (random, 0.2, seed 42), EASE, top-100
    out = tmp_path / "cg"
    rc = main(["close-gap", "--data", "demo", "--model", "ease", "--attribute", "gender",
               "--max-gap", "0.06", "--resamples", "30", "--out", str(out), "--quiet"])
    assert rc == 0
    saved = json.loads((out / "close_gap.json").read_text())
    table = pd.read_csv(out / "close_gap.csv")
    expected = search_gap(ctx, cands, GapTarget("gender", "ndcg", max_gap=0.06), n_resamples=30)
    assert saved["met"] and saved["chosen"] == expected.chosen["setting"]
    assert saved["model"]["gap"] == pytest.approx(expected.model["gap"], abs=1e-12)
    assert list(table["setting"]) == list(expected.table["setting"])
    assert table["gap"].to_numpy() == pytest.approx(expected.table["gap"].to_numpy(), abs=1e-12)
    assert [r["ci_lo"] for r in saved["shortlist"]] == pytest.approx(
        list(expected.shortlist["ci_lo"]))
    assert expected.chosen["setting"] in capsys.readouterr().out


def test_unreachable_target_exits_4_and_names_the_closest(tmp_path, capsys):
    rc = main(["close-gap", "--data", "demo", "--model", "popularity", "--attribute", "gender",
               "--max-gap", "0", "--resamples", "20", "--out", str(tmp_path / "cg"), "--quiet"])
    assert rc == EXIT_NOT_MET
    saved = json.loads((tmp_path / "cg" / "close_gap.json").read_text())
    assert saved["met"] is False and saved["chosen"] is None
    assert capsys.readouterr().out.startswith("No setting meets the target")


def test_bad_attribute_is_one_line(tmp_path, capsys):
    rc = main(["close-gap", "--data", "demo", "--model", "popularity", "--attribute", "shoe",
               "--max-gap", "0.1", "--out", str(tmp_path / "cg"), "--quiet"])
    assert rc == 2 and "not audited" in capsys.readouterr().err
