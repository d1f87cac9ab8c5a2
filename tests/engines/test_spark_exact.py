"""The Spark engine (issue 16): the same AuditResult as the in-memory engine to 1e-9 on ML-100K
with EASE lists and on the ML-1M-size shop, the Poisson bootstrap's intervals equal to DuckDB's
(the same hashed weights, summed by Spark SQL instead of numpy: equal to rounding), the Spark
renderings of the formulas and of the Poisson hash equal to their numpy evaluations, and bad
input giving DuckDB's one-line messages. Skipped in one line without Java or pyspark, unless
FAIRREC_REQUIRE_SPARK=1 (then tests/conftest.py's ``spark`` fixture fails them)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from engine_cases import BOOTSTRAP_COLUMNS, N_BOOT, N_PERM, differences, memory_audit
from test_exact import duckdb_audit
from test_exact_ml1m import ml1m_size_files  # noqa: F401 (a fixture)
from test_formulas import _random_columns

from fairrec_core.audit import USER_METRICS
from fairrec_core.engines import SparkContext, poisson_weights, weighted_sql
from fairrec_core.engines._expr import evaluate, to_sql
from fairrec_core.engines._formulas import CALIBRATION, user_metrics
from fairrec_core.engines._spark import missing
from fairrec_core.errors import DataError

if missing() and os.environ.get("FAIRREC_REQUIRE_SPARK") != "1":  # one skip for the module
    pytest.skip(f"Spark engine tests skipped: {missing()}", allow_module_level=True)


def spark_audit(spark, data, recs, test, *, seed=0, **options):
    with SparkContext.from_dataset(data, test=test, test_label=str(test), threads=2,
                                   memory_limit="1GB", spark=spark, **options) as ctx:
        result = ctx.audit(recs, label=str(recs), n_bootstrap=N_BOOT, n_permutations=N_PERM,
                           seed=seed)
        return result, ctx.warnings


def bootstrap_differences(a, b) -> dict:
    """The largest difference of each bootstrap column between two results."""
    out = {}
    for table, columns in BOOTSTRAP_COLUMNS.items():
        x, y = getattr(a, table), getattr(b, table)
        for c in columns:
            u, v = x[c].to_numpy(np.float64), y[c].to_numpy(np.float64)
            assert np.array_equal(np.isnan(u), np.isnan(v)), (table, c)
            out[(table, c)] = float(np.nanmax(np.abs(u - v), initial=0.0))
    return out


def test_ml100k_ease_lists_equal_the_memory_engine_and_duckdbs_bootstrap(
        spark, ml100k_files, ml100k_memory):
    f = ml100k_files
    _, imported, memory = ml100k_memory
    result, warnings = spark_audit(spark, f["data"], f["recs"]["parquet"], f["test"]["csv"])
    assert differences(memory, result) == {}
    assert warnings == imported.warnings
    assert len(result.users) == memory.n_users == 943 and len(result.attributes) == 10
    assert np.isfinite(result.gaps["difference"]).sum() > 50
    duck, _ = duckdb_audit(f["data"], f["recs"]["parquet"], f["test"]["csv"])
    worst = bootstrap_differences(result, duck)
    assert max(worst.values()) < 1e-9, worst
    assert np.isfinite(result.groups["ci_lo"]).sum() > 100


def test_ml1m_size_shop_equals_the_memory_engine(spark, ml1m_size_files):  # noqa: F811
    f = ml1m_size_files
    _, imported, memory = memory_audit(f["data"], f["recs"]["csv"], f["test"]["csv"])
    result, warnings = spark_audit(spark, f["data"], f["recs"]["parquet"], f["test"]["parquet"])
    assert differences(memory, result) == {}
    assert warnings == imported.warnings
    assert len(result.users) == memory.n_users > 5000


def test_the_spark_rendering_computes_the_numpy_evaluation(spark):
    """Every expression of every formula, rendered with dialect="spark" and computed by Spark
    (ANSI off) over random columns with zeros (0 / 0, log 0): numpy's value where it is finite,
    and not finite (NULL) exactly where numpy's is not."""
    frame = _random_columns(np.random.default_rng(1))
    env = {c: frame[c].to_numpy() for c in frame.columns}
    view = spark.createDataFrame(frame.astype({c: np.float64 for c in frame.columns}))
    view.createOrReplaceTempView("fr_random")
    expressions = [CALIBRATION.contribution, CALIBRATION.where, CALIBRATION.defined]
    for metric in user_metrics(10, 943):
        expressions += [metric.value, metric.defined, *(a.contribution for a in metric.aggregates)]
    columns = ", ".join(f"CAST({to_sql(e, 'spark')} AS DOUBLE) AS e{i}"
                        for i, e in enumerate(expressions))
    rows = spark.sql(f"SELECT {columns} FROM fr_random").toPandas()
    for i, e in enumerate(expressions):
        sql = rows[f"e{i}"].to_numpy(np.float64, na_value=np.nan)
        ours = np.asarray(evaluate(e, env), dtype=np.float64) * np.ones(len(frame))
        both = np.isfinite(ours)
        assert np.array_equal(both, np.isfinite(sql)), to_sql(e, "spark")
        assert np.allclose(sql[both], ours[both], rtol=1e-14, atol=0), to_sql(e, "spark")
        assert to_sql(e, "spark") != to_sql(e) or "`" not in to_sql(e, "spark")
    assert len(expressions) > 30 and (~np.isfinite(rows.to_numpy(np.float64))).any()


@pytest.mark.parametrize("seed", [0, 12345])
def test_the_spark_poisson_weights_are_the_hashed_weights(spark, seed):
    rng = np.random.default_rng(seed)
    users = np.unique(np.r_[0, 1, 2**31 - 1, rng.integers(0, 2**31 - 1, 500)])
    spark.createDataFrame(pd.DataFrame({"user": users.astype(np.int64)})) \
        .createOrReplaceTempView("fr_some_users")
    n = 40
    sql = weighted_sql("SELECT user FROM fr_some_users", n_resamples=n, seed=seed,
                       dialect="spark")
    got = spark.sql(f"SELECT user, b, w FROM ({sql})").toPandas()
    ours = poisson_weights(users, n, seed)  # [n_resamples, n_users]
    table = np.zeros_like(ours)
    table[got["b"].to_numpy(), np.searchsorted(users, got["user"].to_numpy())] = got["w"]
    assert np.array_equal(table, ours)
    assert (ours == 0).mean() == pytest.approx(np.exp(-1), abs=0.02) and ours.max() >= 4


def _bad_lists(f, tmp_path):
    good = pd.read_csv(f["recs"]["csv"], dtype=str)
    missing = tmp_path / "no_item.csv"
    good.drop(columns=["item_id"]).to_csv(missing, index=False)
    duplicate = tmp_path / "duplicate.csv"
    pd.concat([good.iloc[:5], good.iloc[[2]], good.iloc[5:]]).to_csv(duplicate, index=False)
    return [missing, duplicate]


def test_bad_input_gives_duckdbs_one_line_message(spark, ml100k_files, tmp_path):
    from fairrec_core.engines import DuckDBContext

    f = ml100k_files
    for bad in _bad_lists(f, tmp_path):
        messages = []
        for context, extra in ((DuckDBContext, {}), (SparkContext, {"spark": spark})):
            with context.from_dataset(f["data"], test=f["test"]["csv"], threads=2,
                                      memory_limit="1GB", **extra) as ctx:
                with pytest.raises(DataError) as info:
                    ctx.audit(bad, label=str(bad), n_bootstrap=0, n_permutations=0)
            messages.append(str(info.value))
        assert messages[0] == messages[1] and "\n" not in messages[0]
        assert bad.name in messages[0]
    assert not spark.catalog.listTables() or all(t.name != "fr_um" for t in
                                                  spark.catalog.listTables())


def test_cli_spark_writes_duckdbs_files_and_refuses_in_one_line(spark, ml100k_files,
                                                                ml100k_path, tmp_path, capsys):
    import json

    from fairrec_core.cli import main

    f = ml100k_files
    common = ["audit", "--data", f"movielens:{ml100k_path}", "--recommendations",
              str(f["recs"]["parquet"]), "--test", str(f["test"]["parquet"]), "--bootstrap",
              "50", "--permutations", "50", "--quiet", "--memory-limit", "1GB"]
    assert main([*common, "--engine", "duckdb", "--out", str(tmp_path / "d")]) == 0
    assert main([*common, "--engine", "spark", "--master", "local[2]", "--spark-stage",
                 str(tmp_path / "stage"), "--out", str(tmp_path / "s")]) == 0
    assert list((tmp_path / "stage").iterdir()) == []  # the staged tables are removed
    a = json.loads((tmp_path / "d" / "metrics.json").read_text())
    b = json.loads((tmp_path / "s" / "metrics.json").read_text())
    sa, sb = a.pop("settings"), b.pop("settings")
    assert sb["engine"] == "spark" and sb["master"] == "local[2]" and sa["engine"] == "duckdb"
    _close(a, b)
    ua = pd.read_csv(tmp_path / "d" / "users.csv", dtype={"user_id": str})
    ub = pd.read_csv(tmp_path / "s" / "users.csv", dtype={"user_id": str})
    pd.testing.assert_frame_equal(ua, ub, check_dtype=False, atol=1e-9, rtol=0)
    assert list(ub.columns[:2]) == ["user_id", "n_test"] and set(USER_METRICS) <= set(ub)
    capsys.readouterr()
    bad = _bad_lists(f, tmp_path)[1]
    code = main([*common[:4], str(bad), *common[5:], "--engine", "spark",
                 "--out", str(tmp_path / "bad")])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "duplicate" in err, err
    assert main([*common, "--master", "local[1]", "--out", str(tmp_path / "m")]) == 2
    assert "--master needs --engine spark" in capsys.readouterr().err
    assert main([*common, "--spark-stage", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "--spark-stage needs --engine spark" in capsys.readouterr().err
    assert spark.sql("SELECT 1").collect()[0][0] == 1  # the CLI did not stop the shared session


def _close(a, b, path="") -> None:
    """Two JSON documents equal, numbers to 1e-9."""
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), path
        for key in a:
            _close(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert a == pytest.approx(b, abs=1e-9, nan_ok=True), path
    else:
        assert a == b, path
