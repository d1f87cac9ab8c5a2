"""A Spark session for the engine's Spark SQL (:func:`~._expr.to_sql` and
:func:`~._poisson.weighted_sql` with ``dialect="spark"``): ANSI mode off (division by zero and
log of 0 give NULL, as the renderings expect), few shuffle partitions on a local master, the
driver memory from ``--memory-limit``, Spark's logging off (its errors become one-line DataErrors), and Java's failures turned into
one-line :class:`~fairrec_core.errors.DataError` messages."""

from __future__ import annotations

import os
import shutil

from fairrec_core.engines._connection import parse_memory_limit
from fairrec_core.errors import DataError

#: How to give PySpark a Java runtime, in the words of every message that lacks one.
JAVA_HINT = ("set JAVA_HOME to a Java 17 runtime or install one "
             "(Debian: apt-get install openjdk-17-jre-headless)")


def missing() -> str | None:
    """Why Spark cannot start here (no pyspark, no java), or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install pyspark==4.3.0 py4j==0.10.9.9)"
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(os.path.join(java_home, "bin", "java"), os.X_OK):
        return None
    if shutil.which("java") is None:
        return f"no Java runtime: {JAVA_HINT}"
    return None


def session(*, master: str = "local[2]", memory_limit: str | None = None,
            app_name: str = "fairrec-audit"):
    """A SparkSession on ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``,
    ``k8s://...``)."""
    reason = missing()
    if reason:
        raise DataError(f"--engine spark: {reason}")
    import warnings

    with warnings.catch_warnings():  # pyspark 4.3 warns about pandas 3 on import
        warnings.simplefilter("ignore", FutureWarning)
        from pyspark.sql import SparkSession

    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.sql.ansi.enabled", "false")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if master.startswith("local"):  # one machine: bind to it only
        builder = (builder.config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1"))
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    if memory_limit:
        mib = parse_memory_limit(memory_limit) // 1024**2
        builder = builder.config("spark.driver.memory", f"{mib}m")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # py4j / Java start-up failures: one line, no stack trace
        raise DataError(f"--engine spark: Spark did not start on {master!r}: "
                        f"{first_line(exc)}") from None
    spark.sparkContext.setLogLevel("OFF")  # errors reach the user as one DataError line
    return spark


def active():
    """The SparkSession already running in this process (``getOrCreate`` would return it), or
    None."""
    if missing():
        return None
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def collect(spark, sql: str) -> list:
    """The rows of ``sql``; a Spark analysis or execution error as one DataError line."""
    try:
        return spark.sql(sql).collect()
    except Exception as exc:
        raise DataError(f"spark: {first_line(exc)}") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
