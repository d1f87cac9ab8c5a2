"""The ``coldstart`` command: the files hold the core audit of the same split and model; bad
options stop before any work — through the module's parser and through ``main()`` (one line,
exit 2)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.cli import _coldstart
from fairrec_core.coldstart import COLDSTART_FILES, cold_start_audit, cold_start_split
from fairrec_core.data import load_dataset
from fairrec_core.errors import FairrecError
from fairrec_core.models import TextALS

SPEC = "synthetic:users=150,items=100,interactions=3000,seed=1"
ARGS = ["coldstart", "--data", SPEC, "--model", "textals", "--param", "features=category",
        "--param", "factors=8", "--param", "iterations=3", "--cold-share", "0.25",
        "--seed", "4", "--quiet"]


def _run(argv):
    parser = argparse.ArgumentParser()
    _coldstart.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_writes_the_core_audit(tmp_path, capsys):
    assert _run([*ARGS, "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(COLDSTART_FILES)
    split = cold_start_split(load_dataset(SPEC), cold_share=0.25, seed=4)
    model = TextALS(features="category", factors=8, iterations=3, random_state=42)
    expected = cold_start_audit(split, model.fit(split.train))
    info = json.loads((out / "coldstart.json").read_text())
    for key, value in expected.overall.items():
        assert info["overall"][key] == pytest.approx(value, nan_ok=True)
    assert info["settings"]["params"]["features"] == "category"
    assert info["settings"]["cold_share"] == 0.25
    items = pd.read_csv(out / "items.csv")
    np.testing.assert_allclose(items["cold_exposure_share"], expected.items["cold_exposure_share"])
    text = capsys.readouterr().out
    assert f"cold items    {len(split.cold_items)} of 100" in text


@pytest.mark.parametrize(("extra", "message"), [
    (["--cold-share", "1.0"], "--cold-share 1: expected a fraction strictly between 0 and 1"),
    (["--k", "0"], "--k 0: expected a positive integer"),
    (["--param", "ridge=x"], "parameter ridge='x': expected a number"),
])
def test_bad_options_stop_before_writing(tmp_path, extra, message):
    with pytest.raises(FairrecError, match=message):
        _run([*ARGS, *extra, "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_a_folder_with_other_files_is_refused_even_with_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(FairrecError, match="notes.txt"):
        _run([*ARGS, "--out", str(tmp_path / "out"), "--force"])
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_registered_command_bad_option_is_one_line_exit_2(tmp_path, capsys):
    from fairrec_core.cli import main

    assert main([*ARGS, "--cold-share", "1.0", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "--cold-share 1" in err and "\n" not in err
    assert not (tmp_path / "out").exists()
