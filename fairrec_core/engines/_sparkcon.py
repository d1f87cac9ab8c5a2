"""The engine's SQL statements run on Spark: an adapter with the few methods of a DuckDB
connection the pipeline calls (``execute``, ``sql(...).fetchall / fetchnumpy / df /
to_arrow_reader``, ``register`` / ``unregister``), so that the per-user table
(:func:`~._usersql.user_table_sql` with ``dialect="spark"``), the catalogue counts, the cell
sums and the rows for the tests are the same generated statements on both back ends.

What the adapter translates is the statement, not the formulas: ``CREATE [OR REPLACE] [TEMP]
TABLE t AS q`` becomes ``q`` checkpointed (computed once, lineage cut) as the temporary view
``t``, ``INSERT INTO t q`` the view's union with ``q``, ``DROP TABLE t`` the view dropped; a
double-quoted identifier (:func:`~._sources.ident`) is written with backticks. The formulas
come already in Spark's dialect from :func:`~._expr.to_sql`.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from fairrec_core.engines._spark import first_line
from fairrec_core.errors import DataError

_CREATE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?TABLE\s+(\w+)\s+AS\s+(.*)$",
                     re.IGNORECASE | re.DOTALL)
_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s+(.*)$", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(r"^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)\s*$", re.IGNORECASE)


def backticks(sql: str) -> str:
    """``"name"`` -> ``name`` in backticks outside single-quoted strings (``""`` inside a
    quoted name is one ``"``; a backtick in a name is doubled)."""
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'":  # a string literal: copied as it is ('' is a quote inside it)
            j = i + 1
            while j < n:
                if sql[j] == "'" and (j + 1 >= n or sql[j + 1] != "'"):
                    break
                j += 2 if sql[j] == "'" else 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif ch == '"':
            j, name = i + 1, []
            while j < n:
                if sql[j] == '"':
                    if j + 1 < n and sql[j + 1] == '"':
                        name.append('"')
                        j += 2
                        continue
                    break
                name.append(sql[j])
                j += 1
            out.append("`" + "".join(name).replace("`", "``") + "`")
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class SparkResult:
    """A query's rows, read as DuckDB's relation methods read them."""

    def __init__(self, con: SparkConnection, frame):
        self.con, self.frame = con, frame

    def fetchall(self) -> list[tuple]:
        return [tuple(r) for r in self.con.guard(self.frame.collect)]

    def df(self):
        with warnings.catch_warnings():  # pyspark 4.3 warns about pandas 3 at each call
            warnings.filterwarnings("ignore", module="pyspark")
            return self.con.guard(self.frame.toPandas)

    def fetchnumpy(self) -> dict:
        frame = self.df()
        return {c: frame[c].to_numpy() for c in frame.columns}

    def to_arrow_reader(self, batch: int):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="pyspark")
            table = self.con.guard(self.frame.toArrow)
        return iter(table.to_batches(max_chunksize=int(batch)))


class SparkConnection:
    """``execute`` / ``sql`` / ``register`` on a SparkSession (see the module docstring)."""

    def __init__(self, spark):
        self.spark = spark
        self.views: dict = {}

    def guard(self, call, *args):
        try:
            return call(*args)
        except DataError:
            raise
        except Exception as exc:  # Spark's analysis / execution errors: one line
            raise DataError(f"spark: {first_line(exc)}") from None

    def frame(self, sql: str):
        return self.guard(self.spark.sql, backticks(sql))

    def sql(self, sql: str) -> SparkResult:
        return SparkResult(self, self.frame(sql))

    def _keep(self, name: str, frame) -> None:
        frame = self.guard(frame.localCheckpoint)  # eager: computed once here
        self.drop(name)
        frame.createOrReplaceTempView(name)
        self.views[name] = frame

    def execute(self, sql: str) -> None:
        if m := _CREATE.match(sql):
            self._keep(m.group(1), self.frame(m.group(2)))
        elif m := _INSERT.match(sql):
            name = m.group(1)
            self._keep(name, self.views[name].union(self.frame(m.group(2))))
        elif m := _DROP.match(sql):
            self.drop(m.group(1))
        else:
            self.guard(self.frame(sql).collect)

    def drop(self, name: str) -> None:
        frame = self.views.pop(name, None)
        if frame is not None:
            frame.unpersist()
        self.spark.catalog.dropTempView(name)

    def load(self, name: str, path: str) -> None:
        """The Parquet files at ``path`` as the view ``name`` (read where it is used)."""
        frame = self.guard(self.spark.read.parquet, path)
        frame.createOrReplaceTempView(name)
        self.views[name] = frame

    def register(self, name: str, frame) -> None:
        data = frame.copy()
        for c in data.columns:  # numpy scalars Spark infers as their Python types
            if data[c].dtype.kind == "f":
                data[c] = data[c].astype(np.float64)
        self.guard(self.spark.createDataFrame, data).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def close(self) -> None:
        for name in list(self.views):
            self.drop(name)
