"""Audit engines beyond the in-memory one: the DuckDB engine computes the same
:class:`~fairrec_core.audit.AuditResult` (``metrics.json``) by SQL over CSV or Parquet files,
out of core, with a memory limit.

One definition of each metric serves every back end: :mod:`._formulas` writes each per-user
metric as a small relational formulation (per-slot contributions such as ``hit / log2(1 + pos)``,
per-user aggregates and a normalisation), rendered as SQL (:mod:`._usersql`) and evaluated with
numpy (:func:`formulation_metrics`, held against :mod:`fairrec_core.metrics` by the tests).

- :class:`DuckDBContext`: ``from_dataset(data, test=...)`` or ``from_files(users=, items=,
  test=, interactions=)``, then ``audit(recommendations, ...)``.
- :class:`SparkContext`: the same on Spark (``master="local[2]"``, ``spark://...``, YARN,
  Kubernetes): the per-user table, the sums and the Poisson bootstrap in Spark SQL generated
  from the same formulas (``dialect="spark"``).
- :func:`poisson_weights`: the hashed Poisson(1) bootstrap weights (the SQL draws the same).
- :func:`read_table`: a CSV or Parquet file, folder or glob as a DataFrame (for the in-memory
  engine's readers).
"""

from fairrec_core.engines._connection import MEMORY_SHARE, default_memory_limit, parse_memory_limit
from fairrec_core.engines._context import DuckDBContext
from fairrec_core.engines._formulas import CALIBRATION, UserMetric, user_metrics
from fairrec_core.engines._numpy import formulation_metrics
from fairrec_core.engines._poisson import weighted_sql
from fairrec_core.engines._poisson import weights as poisson_weights
from fairrec_core.engines._rows import MAX_USERS, quotas
from fairrec_core.engines._sources import is_csv_file, read_table
from fairrec_core.engines._sparkctx import SparkContext

#: The engines an audit can run on (the command line's ``--engine``).
ENGINES = ("memory", "duckdb", "spark")

__all__ = [
    "CALIBRATION",
    "ENGINES",
    "MAX_USERS",
    "MEMORY_SHARE",
    "DuckDBContext",
    "SparkContext",
    "UserMetric",
    "default_memory_limit",
    "formulation_metrics",
    "is_csv_file",
    "parse_memory_limit",
    "poisson_weights",
    "quotas",
    "read_table",
    "user_metrics",
    "weighted_sql",
]
