"""``train --lists FILE.parquet --test-out FILE.parquet`` (issue 16, scoring at scale): the
lists of every user streamed to Parquet, audited by ``audit --engine duckdb`` to the same
metrics.json as the in-memory audit of the saved model; bad outputs are one-line errors and a
failed write leaves no file under the final name."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fairrec_core.cli import main
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import load_model, top_n

SPEC = "synthetic:users=240,items=100,interactions=3500,seed=6"
TRAIN = ["train", "--data", SPEC, "--model", "als", "--param", "factors=8",
         "--param", "iterations=3", "--param", "validation=0", "--quiet", "--threads", "1"]
QUICK = ["--bootstrap", "0", "--permutations", "0", "--quiet"]


def _leaves(x, path=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _leaves(v, f"{path}/{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _leaves(v, f"{path}/{i}")
    else:
        yield path, x


def test_train_lists_audited_by_duckdb_equal_the_in_memory_audit(tmp_path, capsys):
    lists, test = tmp_path / "lists.parquet", tmp_path / "test.parquet"
    assert main([*TRAIN, "--out", str(tmp_path / "m"), "--lists", str(lists),
                 "--test-out", str(test)]) == 0
    out = capsys.readouterr().out
    assert f"lists         {lists} (240 users x top 10, 2,400 rows" in out
    # the file holds the saved model's top 10 of every user, training items excluded
    split = split_dataset(load_dataset(SPEC), seed=42)
    model = load_model(tmp_path / "m", data=split.train)
    pd.testing.assert_frame_equal(pd.read_parquet(lists), top_n(model, None, 10)
                                  .to_frame(split.train), check_dtype=False)
    assert len(pd.read_parquet(test)) == split.test.n_interactions
    assert main(["audit", "--data", SPEC, "--load", str(tmp_path / "m"),
                 "--out", str(tmp_path / "mem"), *QUICK]) == 0
    assert main(["audit", "--data", SPEC, "--engine", "duckdb", "--recommendations", str(lists),
                 "--test", str(test), "--out", str(tmp_path / "duck"), *QUICK]) == 0
    a = dict(_leaves(json.loads((tmp_path / "mem" / "metrics.json").read_text())))
    b = dict(_leaves(json.loads((tmp_path / "duck" / "metrics.json").read_text())))
    a = {k: v for k, v in a.items() if not k.startswith("/settings/")}
    b = {k: v for k, v in b.items() if not k.startswith("/settings/")}
    assert a.keys() == b.keys() and len(a) > 1000
    for key, value in a.items():
        if isinstance(value, float) and isinstance(b[key], float):
            assert b[key] == pytest.approx(value, abs=1e-9, nan_ok=True), key
        else:
            assert b[key] == value, key


@pytest.mark.parametrize(("name", "message"), [
    ("lists.csv", "the file must end in .parquet"),
    ("afile/lists.parquet", "no folder"),
])
def test_bad_lists_paths_are_one_line_errors_before_any_work(name, message, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    code = main([*TRAIN, "--out", str(tmp_path / "m"), "--lists", str(tmp_path / name)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert "Traceback" not in err and not (tmp_path / "m").exists()


def test_a_failed_write_is_one_line_and_leaves_no_file(tmp_path, capsys, monkeypatch):
    import fairrec_core.models as models

    real = models.write_lists

    def half(model, data, file, **kw):  # write a batch, then the disk fills up
        real(model, data, file, **{**kw, "users": [0, 1]})
        raise OSError(28, "No space left on device", str(tmp_path / "lists.parquet"))

    monkeypatch.setattr(models, "write_lists", half)
    code = main([*TRAIN, "--out", str(tmp_path / "m"), "--lists", str(tmp_path / "lists.parquet")])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [
        f"error: cannot write {tmp_path / 'lists.parquet'}: No space left on device"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
