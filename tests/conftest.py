"""Shared fixtures: the real MovieLens 100K data and the demo shop.

MovieLens 100K is not in the repository (its licence forbids redistribution). Tests that need it
look in ``$FAIRREC_ML100K`` or, failing that, ``../shared/data/ml-100k`` beside the project; where
it is missing they are skipped with one line saying how to provide it — unless
``FAIRREC_REQUIRE_DATA=1`` (as ``.ci/run`` sets), when they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fairrec_core.data import generate_shop, load_movielens, split_dataset

ROOT = Path(__file__).resolve().parents[1]
ML100K = Path(os.environ.get("FAIRREC_ML100K") or ROOT.parent / "shared" / "data" / "ml-100k")
DATA_HINT = ("download MovieLens 100K from https://grouplens.org/datasets/movielens/100k/ and set "
             "FAIRREC_ML100K=/path/to/ml-100k")


@pytest.fixture(scope="session")
def ml100k_path() -> Path:
    if not (ML100K / "u.data").is_file():
        message = f"MovieLens 100K not found at {ML100K}: {DATA_HINT}"
        if os.environ.get("FAIRREC_REQUIRE_DATA") == "1":
            pytest.fail(f"{message} (FAIRREC_REQUIRE_DATA=1: the data tests must run)")
        pytest.skip(message)
    return ML100K


@pytest.fixture(scope="session")
def ml100k(ml100k_path):
    return load_movielens(ml100k_path)


@pytest.fixture(scope="session")
def ml100k_split(ml100k):
    return split_dataset(ml100k, method="random", test_size=0.2, seed=42)


@pytest.fixture(scope="session")
def demo():
    return generate_shop()


@pytest.fixture(scope="session")
def demo_split(demo):
    return split_dataset(demo, method="random", test_size=0.2, seed=42)


#: The start of every skip of a Spark test (counted into one line at the end).
SPARK_SKIP = "Spark engine tests skipped"


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for every Spark test (few shuffle partitions); without Java or
    pyspark the tests skip with one line saying what is missing — unless
    ``FAIRREC_REQUIRE_SPARK=1`` (as ``.ci/run`` sets), when they fail instead."""
    from fairrec_core.engines._spark import missing, session

    reason = missing()
    if reason:
        message = f"{SPARK_SKIP}: {reason}"
        if os.environ.get("FAIRREC_REQUIRE_SPARK") == "1":
            pytest.fail(f"{message} (FAIRREC_REQUIRE_SPARK=1: the Spark tests must run)")
        pytest.skip(message)
    s = session(master="local[2]", memory_limit="1GB")
    s.conf.set("spark.sql.shuffle.partitions", "2")
    yield s
    s.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Count the data tests skipped for want of MovieLens 100K (written last, by unconfigure)."""
    skipped = terminalreporter.stats.get("skipped", [])
    config._fairrec_data_skips = sum(
        "MovieLens 100K not found" in str(getattr(r, "longrepr", "")) for r in skipped)
    spark = [_skip_message(r) for r in skipped]
    spark = [t[t.index(SPARK_SKIP):] for t in spark if SPARK_SKIP in t]
    config._fairrec_spark_skips = (len(spark), spark[0] if spark else "")


def _skip_message(report) -> str:
    """A skip's message (its longrepr is ``(path, line, message)``)."""
    longrepr = getattr(report, "longrepr", None)
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr or "")


def pytest_unconfigure(config):
    """End the run with one line on the skipped data tests and how to enable them."""
    n = getattr(config, "_fairrec_data_skips", 0)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if n and reporter is not None:
        reporter.write_line(f"{n} tests needing MovieLens 100K were skipped: {DATA_HINT} "
                            "(FAIRREC_REQUIRE_DATA=1 makes them fail instead)")
    n, why = getattr(config, "_fairrec_spark_skips", (0, ""))
    if n and reporter is not None:
        reporter.write_line(f"{why} (FAIRREC_REQUIRE_SPARK=1 makes them fail instead)")
