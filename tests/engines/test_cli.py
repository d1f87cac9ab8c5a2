"""``python -m fairrec_core audit --engine duckdb``: the same metrics.json, users.csv and
groups.csv as the memory engine (the bootstrap's intervals aside), from ``--data`` or from
``--users``/``--items``/``--interactions`` files; gates; one-line refusals of what an engine
cannot run."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from fairrec_core.cli import _duckdb, main
from fairrec_core.engines import ENGINES

FAST = ["--bootstrap", "80", "--permutations", "80", "--seed", "4", "--quiet"]
#: metrics.json keys drawn from the bootstrap (Poisson in DuckDB, multinomial in memory).
BOOTSTRAP_KEYS = ("overall_ci95", "difference_ci95_percentile")
#: Keys derived from standard errors (compared to 1e-8: see tests/engines/engine_cases.py).
SE_KEYS = ("difference_se", "difference_ci95", "difference_ci95_simultaneous", "ci95",
           "min_detectable_gap", "statistic", "ci95_single", "se")


def _walk(a, b, path=""):
    """Differences between two metrics.json structures (bootstrap keys left out)."""
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key in BOOTSTRAP_KEYS or key.endswith("_ci95") and key not in SE_KEYS:
        return
    if isinstance(a, dict):
        if set(a) != set(b):
            yield path, sorted(set(a) ^ set(b))
            return
        for k in a:
            yield from _walk(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield path, (len(a), len(b))
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _walk(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        tol = 1e-8 if key in SE_KEYS else 1e-9
        if not (math.isclose(a, b, rel_tol=0, abs_tol=tol)):
            yield path, (a, b)
    elif a != b:
        yield path, (a, b)


def _run(*args):
    return main(["audit", *args, *FAST])


def _same_outputs(memory_out, duckdb_out):
    a = json.loads((memory_out / "metrics.json").read_text())
    b = json.loads((duckdb_out / "metrics.json").read_text())
    settings_a, settings_b = a.pop("settings"), b.pop("settings")
    assert settings_a["engine"] == "memory" and settings_b["engine"] == "duckdb"
    assert list(_walk(a, b)) == []
    users_a = pd.read_csv(memory_out / "users.csv", dtype={"user_id": str})
    users_b = pd.read_csv(duckdb_out / "users.csv", dtype={"user_id": str})
    assert list(users_a.columns) == list(users_b.columns)
    pd.testing.assert_frame_equal(users_a, users_b, check_dtype=False, atol=1e-9, rtol=0)
    groups_a = pd.read_csv(memory_out / "groups.csv").drop(columns=["ci_lo", "ci_hi"])
    groups_b = pd.read_csv(duckdb_out / "groups.csv").drop(columns=["ci_lo", "ci_hi"])
    pd.testing.assert_frame_equal(groups_a, groups_b, check_dtype=False, atol=1e-9, rtol=0)
    return a, b, settings_b


def test_duckdb_writes_the_memory_engines_metrics(ml100k_files, ml100k_path, tmp_path):
    f = ml100k_files
    data = f"movielens:{ml100k_path}"
    assert _run("--data", data, "--recommendations", str(f["recs"]["csv"]), "--test",
                str(f["test"]["csv"]), "--out", str(tmp_path / "memory")) == 0
    assert _run("--data", data, "--recommendations", str(f["recs"]["parquet"]), "--test",
                str(f["test"]["parquet"]), "--engine", "duckdb", "--memory-limit", "1GB",
                "--threads", "2", "--out", str(tmp_path / "duckdb")) == 0
    a, _, settings = _same_outputs(tmp_path / "memory", tmp_path / "duckdb")
    assert settings["memory_limit_bytes"] == 10**9 and settings["threads"] == 2
    assert sorted(p.name for p in (tmp_path / "duckdb").iterdir()) == [
        "groups.csv", "metrics.json", "users.csv"]
    assert a["n_users"] == 943 and len(a["gaps"]) == 10


def test_duckdb_from_users_items_and_interactions_files(shop_files, tmp_path):
    f = shop_files
    folder = f["folder"]
    common = ["--recommendations", str(f["recs"]["csv"]), "--test", str(f["test"]["csv"])]
    assert _run("--data", f"csv:{folder}", *common, "--out", str(tmp_path / "memory")) == 0
    assert _run("--engine", "duckdb", "--users", str(folder / "users.parquet"), "--items",
                str(folder / "items.parquet"), "--interactions",
                str(folder / "interactions.parquet"), *common,
                "--out", str(tmp_path / "duckdb")) == 0
    _, b, settings = _same_outputs(tmp_path / "memory", tmp_path / "duckdb")
    assert settings["users"].endswith("users.parquet") and "data" in settings
    assert set(b["groups"]) >= {"gender", "age_group", "region"}


def test_a_per_user_table_too_large_to_keep_is_parquet(shop_files, tmp_path, monkeypatch):
    """Above the users the result keeps (the tests then run on a sample), the per-user table
    is users.parquet: every listed user, the memory engine's values."""
    from fairrec_core.engines import _rows

    f = shop_files
    common = ["--data", f"csv:{f['folder']}", "--recommendations", str(f["recs"]["csv"]),
              "--test", str(f["test"]["csv"])]
    assert _run(*common, "--out", str(tmp_path / "memory")) == 0
    monkeypatch.setattr(_rows, "MAX_USERS", 300)
    assert _run(*common, "--engine", "duckdb", "--out", str(tmp_path / "duckdb")) == 0
    assert not (tmp_path / "duckdb" / "users.csv").exists()
    users = pd.read_parquet(tmp_path / "duckdb" / "users.parquet")
    expected = pd.read_csv(tmp_path / "memory" / "users.csv", dtype={"user_id": str})
    pd.testing.assert_frame_equal(users, expected, check_dtype=False, atol=1e-9, rtol=0)
    metrics = json.loads((tmp_path / "duckdb" / "metrics.json").read_text())
    assert "stratified sample" in metrics["notes"][-1]
    # --force replaces an audit that wrote users.parquet
    assert _run(*common, "--engine", "duckdb", "--out", str(tmp_path / "duckdb"), "--force") == 0


def test_gates_and_report_with_duckdb(ml100k_files, ml100k_path, tmp_path, capsys):
    f = ml100k_files
    code = _run("--data", f"movielens:{ml100k_path}", "--recommendations",
                str(f["recs"]["parquet"]), "--test", str(f["test"]["parquet"]), "--engine",
                "duckdb", "--fail-on", "gender:ndcg:difference>0.0", "--report", "--out",
                str(tmp_path / "gate"))
    assert code == 3
    assert "fail-on: gender:ndcg:difference>0.0" in capsys.readouterr().err
    metrics = json.loads((tmp_path / "gate" / "metrics.json").read_text())
    assert metrics["fail_on"][0]["failed"] is True
    assert metrics["fail_on"][0]["value"] == metrics["gaps"]["gender"]["ndcg@10"]["difference"]
    assert "<html" in (tmp_path / "gate" / "report.html").read_text().lower()


@pytest.mark.parametrize("args, message", [
    (["--data", "synthetic:users=50,items=20,interactions=300", "--model", "popularity",
      "--users", "u.csv"], "--users needs --engine duckdb"),
    (["--data", "synthetic:users=50,items=20,interactions=300", "--model", "popularity",
      "--engine", "duckdb"], "--engine duckdb audits --recommendations"),
    (["--recommendations", "r.csv", "--test", "t.csv"], "--data is required"),
    (["--recommendations", "r.csv", "--test", "t.csv", "--engine", "duckdb", "--users",
      "u.csv"], "--engine duckdb needs --data, or --users and --items"),
    (["--recommendations", "r.csv", "--test", "t.csv", "--engine", "duckdb", "--data",
      "synthetic:users=50,items=20,interactions=300", "--items", "i.csv"],
     "replace --data"),
    (["--recommendations", "r.csv", "--test", "t.csv", "--engine", "duckdb", "--data",
      "synthetic:users=50,items=20,interactions=300", "--rerank", "mmr"],
     "--rerank needs the memory engine"),
])
def test_refusals_are_one_line(tmp_path, capsys, args, message):
    assert main(["audit", *args, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_bad_memory_limit_and_missing_files(shop_files, tmp_path, capsys):
    f = shop_files

    def run(recommendations, *extra):
        return _run("--data", f"csv:{f['folder']}", "--recommendations", str(recommendations),
                    "--test", str(f["test"]["csv"]), "--engine", "duckdb", *extra,
                    "--out", str(tmp_path / "o"))

    assert run(f["recs"]["csv"], "--memory-limit", "lots") == 2
    assert "--memory-limit 'lots': expected a size such as 4GB" in capsys.readouterr().err
    assert run(tmp_path / "nope-*.parquet") == 2
    assert "nope-*.parquet: the pattern matches no file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_parsers_copy_of_the_engines_is_the_engines():
    assert _duckdb.ENGINES == ENGINES
