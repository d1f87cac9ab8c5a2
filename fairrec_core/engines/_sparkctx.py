"""The Spark engine's audit context: :class:`~._context.DuckDBContext`'s options and result,
with the per-user work on Spark.

What runs where:

- the inputs are read and checked as the DuckDB engine reads them (:mod:`._tables`,
  :mod:`._lists`: the same one-line messages naming file, column and row), and the checked
  tables (lists, test, history, group codes, item features) are handed to Spark as Parquet in a
  staging folder (``stage``: local by default; on a cluster a path every executor reads);
- Spark builds the per-user table from the same generated statements as DuckDB
  (:func:`~._usersql.user_table_sql` with ``dialect="spark"``, through :class:`~._sparkcon.
  SparkConnection`), the catalogue counts, the cell sums, the parity counts and item exposure;
- the Poisson bootstrap is Spark SQL too: :func:`~._poisson.weighted_sql`'s hash in Spark's
  dialect, summed per replicate and cell with :func:`~._aggregates.stacked_sql`'s weighted sums;
- the driver assembles the small tables with :func:`~._assemble.assemble`, as for DuckDB.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import pandas as pd

from fairrec_core.audit import USER_METRICS
from fairrec_core.audit._simultaneous import moments
from fairrec_core.engines._aggregates import stacked_sql
from fairrec_core.engines._context import DuckDBContext
from fairrec_core.engines._lists import read_lists
from fairrec_core.engines._lists import warnings as list_warnings
from fairrec_core.engines._poisson import weighted_sql
from fairrec_core.engines._sources import ident
from fairrec_core.engines._sparkcon import SparkConnection
from fairrec_core.engines._usersql import slot_totals, user_table_sql

#: The checked tables Spark reads (those present: ``fr_item_cats`` and ``fr_user_numeric``
#: are read only where the SQL uses them).
HANDED = ("fr_recs", "fr_test", "fr_hist", "fr_ucodes", "fr_item_features", "fr_item_cats",
          "fr_item_values", "fr_user_numeric")


class SparkContext(DuckDBContext):
    """Audit ranked lists on Spark: ``DuckDBContext``'s options plus ``master`` (``local[2]``,
    ``spark://host:7077``, ``yarn``, ``k8s://...``), ``spark`` (a SparkSession to use instead
    of starting one; it is then not stopped on close) and ``stage`` (a folder in which a
    temporary folder holds the checked tables, removed on close; default the system's
    temporary folder: on a cluster, a shared folder every executor reads at the same path)."""

    def __init__(self, connection, universe, *, master: str = "local[2]", spark=None,
                 stage: str | None = None, **options):
        super().__init__(connection, universe, **options)
        self.duck = self.con
        self.master = str(master)
        self._own = spark is None
        self._spark = spark
        if stage is not None:
            os.makedirs(stage, exist_ok=True)
            stage = tempfile.mkdtemp(prefix="fairrec-spark-", dir=stage)  # removed on close
        self.stage = stage or tempfile.mkdtemp(prefix="fairrec-spark-")
        self.spark_con: SparkConnection | None = None

    def __repr__(self) -> str:
        return super().__repr__().replace("DuckDBContext", f"SparkContext({self.master!r}, ", 1)

    @property
    def spark(self):
        if self._spark is None:
            from fairrec_core.engines._spark import active, session

            self._own = active() is None  # a running session is used, and not stopped

            self._spark = session(master=self.master,
                                  memory_limit=str(self.connection.memory_limit))
        return self._spark

    def _hand_over(self) -> SparkConnection:
        if self.spark_con is not None:
            self.spark_con.close()
        sc = SparkConnection(self.spark)
        present = {r[0] for r in self.duck.sql("SELECT table_name FROM duckdb_tables()")
                   .fetchall()}
        for table in HANDED:
            if table not in present:
                continue
            path = os.path.join(self.stage, table)
            shutil.rmtree(path, ignore_errors=True)
            self.duck.execute(f"COPY {table} TO '{path.replace(chr(39), chr(39) * 2)}' "
                              "(FORMAT parquet, PER_THREAD_OUTPUT)")
            sc.load(table, path)
        self.duck.execute("DROP TABLE fr_recs")
        self.spark_con = sc
        return sc

    def read(self, recommendations, *, label: str | None = None, mapping=None) -> None:
        """Check the lists (DuckDB), hand the tables to Spark and build the per-user table
        ``fr_um`` there; warnings in ``self.warnings``."""
        self.con = self.duck
        self.lists = read_lists(self.duck, recommendations, k=self.k, label=label,
                                mapping=mapping, where=self.universe.where)
        codes = tuple(r[0] for r in self.duck.sql("DESCRIBE fr_ucodes").fetchall()
                      if r[0] not in ("user", "user_id"))
        sc = self._hand_over()
        for statement in user_table_sql(self.k, self.n_users, self.facts.n_categories, 0,
                                        self.n_users, first=True, n_mixes=self.facts.n_mixes,
                                        n_attributes=len(self.facts.attributes),
                                        mix_codes=self.facts.mix_codes, dialect="spark",
                                        code_columns=codes):
            sc.execute(statement)
        for statement in slot_totals(len(self.facts.attributes)):
            sc.execute(statement)
        self.con = sc  # the assembly's queries read the Spark tables
        self.n_listed = sc.sql("SELECT count(*) FROM fr_um").fetchall()[0][0]
        self.warnings = list_warnings(self.lists, self.n_listed, self.k)

    def replicates(self, con, cells: np.ndarray, indicator, s: np.ndarray, *,
                   n_resamples: int, seed: int, threads: int = 1):
        """``(means, se2)`` of the Poisson bootstrap, each ``[n_resamples, n_columns + 1, m]``:
        the hashed weights and the weighted cell sums in Spark SQL."""
        m = len(USER_METRICS)
        columns = ", ".join(["user", "cell"] + [ident(c) for c in USER_METRICS])
        weighted = weighted_sql(f"SELECT {columns} FROM fr_um", n_resamples=n_resamples,
                                seed=seed, dialect="spark")
        rows = con.sql(f"SELECT b, cell, {stacked_sql(s, 'w * ')} FROM ({weighted}) "
                       "GROUP BY b, cell").df()
        values = np.nan_to_num(rows.iloc[:, 2:].to_numpy(dtype=np.float64, na_value=np.nan))
        totals = np.zeros((len(cells), n_resamples, 3 * m))
        where = np.searchsorted(cells, rows["cell"].to_numpy(np.int64))
        totals[where, rows["b"].to_numpy(np.int64)] = values
        grouped = np.asarray(indicator.T @ totals.reshape(len(cells), -1))
        grouped = grouped.reshape(-1, n_resamples, 3 * m).transpose(1, 0, 2)
        return moments(grouped[..., :m], grouped[..., m:2 * m], grouped[..., 2 * m:], s)

    def write_users(self, path, *, kind: str = "csv") -> None:
        """As :meth:`DuckDBContext.write_users`, from Spark's per-user table (collected)."""
        codes = [f"u.g{j}" for j in range(len(self.plan.singles))]
        metrics = ", ".join(f"u.{ident(m)}" for m in USER_METRICS)
        frame = self.spark_con.sql(f"SELECT u.user_id, u.n_test, {metrics}"
                                   f"{''.join(', ' + c for c in codes)} FROM fr_um u "
                                   "ORDER BY u.user").df()
        for j, g in enumerate(self.plan.singles):
            labels = np.asarray(g.labels, dtype=object)
            frame[g.attribute] = labels[frame.pop(f"g{j}").to_numpy(np.int64)]
        if kind == "csv":
            frame.to_csv(path, index=False)
        else:
            pd.DataFrame(frame).to_parquet(path, index=False)

    def close(self) -> None:
        try:
            if self.spark_con is not None:
                self.spark_con.close()
            if self._own and self._spark is not None:
                self._spark.stop()
                self._spark = None
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)
            super().close()
