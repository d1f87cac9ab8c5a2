"""The DuckDB engine's audit context: the in-memory :class:`~fairrec_core.audit.AuditContext`'s
options and results, with the data in DuckDB instead of numpy arrays.

Build one per train / test split — :meth:`DuckDBContext.from_dataset` (a loaded dataset, the
test pairs from a file) or :meth:`DuckDBContext.from_files` (users, items, interactions and test
files, never loaded whole) — then :meth:`~DuckDBContext.audit` a recommendations file (CSV or
Parquet, a folder or a glob). Per-user metrics (:mod:`._usersql`), group sums, parity counts and
item exposure are SQL; the Poisson bootstrap streams the per-user table (:mod:`._replicates`);
the permutation tests and adjusted gaps read the per-user rows, or a stratified sample of them
above ``max_test_users`` (:mod:`._rows`). Close it (or use ``with``) to free DuckDB's memory
and spill folder.
"""

from __future__ import annotations

import numpy as np

from fairrec_core.audit import USER_METRICS, AuditResult
from fairrec_core.audit._gaps import MIN_GROUP_SIZE
from fairrec_core.engines import _tables
from fairrec_core.engines._assemble import assemble
from fairrec_core.engines._connection import Connection
from fairrec_core.engines._groups import plan
from fairrec_core.engines._items import item_facts
from fairrec_core.engines._lists import read_lists
from fairrec_core.engines._lists import warnings as list_warnings
from fairrec_core.engines._partitions import user_ranges
from fairrec_core.engines._rows import MAX_USERS
from fairrec_core.engines._sources import ident
from fairrec_core.engines._usersql import slot_totals, user_table_sql
from fairrec_core.errors import DataError


class DuckDBContext:
    """Audit ranked lists held in files with DuckDB, out of core; the options are those of
    ``AuditContext`` plus ``memory_limit`` (e.g. ``"4GB"``; default half the machine's
    memory), ``threads`` (default: DuckDB's, one per core) and ``max_test_users``."""

    def __init__(self, connection: Connection, universe, *, k: int = 10, groups=None,
                 intersections: bool = True, min_group_size: int = MIN_GROUP_SIZE,
                 include_uninformative: bool = False, reference: dict | None = None,
                 max_test_users: int = MAX_USERS):
        if int(k) < 1:
            raise DataError(f"audit: k must be at least 1, got {k}")
        self.connection = connection
        self.con = connection.con
        self.universe = universe
        self.k = int(k)
        self.min_group_size = int(min_group_size)
        self.include_uninformative = bool(include_uninformative)
        self.max_test_users = int(max_test_users)
        self.n_users, self.n_items = universe.n_users, universe.n_items
        self.facts = item_facts(self.con, universe)
        self.plan = plan(self.con, universe, groups, intersections=intersections)
        self.con.execute("DROP TABLE fr_user_source")  # the labels are codes in fr_ucodes now
        self.groupings = list(self.plan.groupings)
        self.item_attributes = list(self.facts.attributes)
        self.excluded = (np.zeros(sum(g.n_groups for g in self.groupings), dtype=bool)
                         if self.include_uninformative else
                         np.concatenate([g.uninformative for g in self.groupings] or [[]])
                         .astype(bool))
        self.reference = self._check_reference(reference)
        self.warnings: tuple[str, ...] = ()

    @classmethod
    def from_dataset(cls, data, *, test, test_label: str | None = None, mapping=None,
                     memory_limit: str | None = None, threads: int | None = None, **options):
        """``data`` (a Dataset: users, items, all interactions) with the test pairs of ``test``
        (path, folder, glob or DataFrame; ``user_id,item_id``): the history is the rest."""
        connection = Connection(memory_limit=memory_limit, threads=threads)
        try:
            universe = _tables.from_dataset(connection.con, data, test=test,
                                            test_label=test_label, mapping=mapping,
                                            budget=connection.memory_limit)
            return cls(connection, universe, **options)
        except BaseException:
            connection.close()
            raise

    @classmethod
    def from_files(cls, *, users, items, test, interactions=None, mapping=None,
                   labels: dict | None = None, memory_limit: str | None = None,
                   threads: int | None = None, **options):
        """Users (``user_id`` and attributes), items (``item_id`` and attributes), the test pairs
        and, optionally, interactions (their pairs that are not test pairs are the history)."""
        connection = Connection(memory_limit=memory_limit, threads=threads)
        try:
            universe = _tables.from_files(connection.con, users=users, items=items, test=test,
                                          interactions=interactions, mapping=mapping,
                                          labels=labels, budget=connection.memory_limit)
            return cls(connection, universe, **options)
        except BaseException:
            connection.close()
            raise

    def _check_reference(self, reference) -> dict:
        known = {g.attribute: g for g in self.groupings}
        out = {}
        for attribute, group in dict(reference or {}).items():
            if attribute not in known:
                raise DataError(f"audit: reference {attribute}={group}: {attribute!r} is not "
                                f"audited; audited: {', '.join(known) or 'none'}")
            if str(group) not in known[attribute].labels:
                raise DataError(f"audit: reference {attribute}={group}: no such group; groups: "
                                f"{', '.join(known[attribute].labels)}")
            out[attribute] = str(group)
        return out

    @property
    def threads(self) -> int:
        return self.connection.threads

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(f"{m}@{self.k}" for m in USER_METRICS)

    def __repr__(self) -> str:
        return (f"DuckDBContext(k={self.k}, users={self.n_users}, items={self.n_items}, "
                f"groups={[g.attribute for g in self.groupings]})")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def _check_covariates(self, covariates) -> tuple[str, ...]:
        if covariates is None:
            return ()
        if isinstance(covariates, str):
            covariates = [c.strip() for c in covariates.split(",") if c.strip()]
        names = tuple(dict.fromkeys(str(c) for c in covariates))
        for name in names:
            if name not in self.universe.numeric:
                raise DataError(f"audit: unknown covariate {name!r}; numeric user columns: "
                                f"{', '.join(self.universe.numeric) or 'none'}")
        return names

    def read(self, recommendations, *, label: str | None = None, mapping=None) -> None:
        """Check the lists and compute the per-user table (``fr_um``), range of users by
        range; warnings in ``self.warnings``."""
        self.lists = read_lists(self.con, recommendations, k=self.k, label=label,
                                mapping=mapping, where=self.universe.where)
        n_rows = self.con.sql("SELECT count(*) FROM fr_recs").fetchall()[0][0]
        ranges = user_ranges(self.n_users, n_rows, self.connection.memory_limit)
        for j, (lo, hi) in enumerate(ranges):
            for statement in user_table_sql(self.k, self.n_users, self.facts.n_categories, lo,
                                            hi, first=j == 0, n_mixes=self.facts.n_mixes,
                                            n_attributes=len(self.facts.attributes),
                                            mix_codes=self.facts.mix_codes):
                self.con.execute(statement)
        for statement in slot_totals(len(self.facts.attributes)):
            self.con.execute(statement)
        self.n_listed = self.con.sql("SELECT count(*) FROM fr_um").fetchall()[0][0]
        self.warnings = list_warnings(self.lists, self.n_listed, self.k)

    def audit(self, recommendations, *, label: str | None = None, mapping=None,
              n_bootstrap: int = 1000, n_permutations: int = 1000, seed: int | None = 0,
              level: float = 0.95, covariates=None) -> AuditResult:
        """The full audit of ``recommendations`` (path, folder, glob or DataFrame:
        ``user_id,item_id`` plus ``rank`` and/or ``score``), as ``AuditContext.audit``; the
        bootstrap is the Poisson bootstrap (:mod:`._poisson`) with ``n_bootstrap`` replicates."""
        if not 0 < level < 1:
            raise DataError(f"audit: confidence level must be between 0 and 1, got {level}")
        if n_bootstrap < 0 or n_permutations < 0:
            raise DataError("audit: the numbers of resamples and permutations cannot be negative")
        names = self._check_covariates(covariates)
        self.read(recommendations, label=label, mapping=mapping)
        return assemble(self, self.lists, n_bootstrap=int(n_bootstrap),
                        n_permutations=int(n_permutations), seed=seed, level=level,
                        covariates=names)

    def write_users(self, path, *, kind: str = "csv") -> None:
        """The per-user table of the last audit (``user_id, n_test``, every metric, the single
        attributes' groups; by user) as CSV (``users.csv``, as the memory engine writes it) or
        Parquet, written by DuckDB without passing through Python."""
        labels = [f"list_extract({_labels_sql(g.labels)}, u.g{j} + 1) AS {ident(g.attribute)}"
                  for j, g in enumerate(self.plan.singles)]
        metrics = ", ".join(f"u.{ident(m)}" for m in USER_METRICS)
        select = ", ".join(["u.user_id", "u.n_test", metrics, *labels])
        target = str(path).replace("'", "''")
        options = "(HEADER, DELIMITER ',')" if kind == "csv" else "(FORMAT parquet)"
        self.con.execute(f"COPY (SELECT {select} FROM fr_um u ORDER BY u.user) TO '{target}' "
                         f"{options}")


def _labels_sql(labels) -> str:
    return "[" + ", ".join("'" + str(x).replace("'", "''") + "'" for x in labels) + "]"
