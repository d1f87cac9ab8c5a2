"""The audit's universe in DuckDB: users and items with contiguous indices, the test pairs and the
training history, from an in-memory :class:`~fairrec_core.data.Dataset` or from files.

Tables (user and item indices as INTEGER):

- ``fr_users(user, user_id)``, ``fr_items(item, item_id)``: index = row of the dataset's
  tables, or of the users / items file (files in name order, rows in file order);
- ``fr_test(user, item)``: the test pairs (checked as :func:`fairrec_core.external.read_test`
  checks them: required columns, no empty or unknown id, no duplicate pair);
- ``fr_hist(user, item)``: the history, the distinct interaction pairs that are not test pairs
  (as ``read_test`` takes the test out of the data), written range of users by range.

User attribute labels come through :meth:`Universe.label_sql`: missing values read "Unknown", as
``Dataset.user_groups`` writes them; a users file with ``age`` and no ``age_group`` gets the
default age bands (``data.age_group``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fairrec_core.data import Dataset, age_bands
from fairrec_core.data._csv import ALIASES
from fairrec_core.data._dataset import _NON_GROUP_USER_COLUMNS, DEFAULT_AGE_EDGES, MAX_GROUP_VALUES
from fairrec_core.engines._checks import (
    has_repeats,
    map_into,
    mapped,
    no_duplicates,
    no_missing,
    not_empty,
)
from fairrec_core.engines._partitions import user_ranges, within
from fairrec_core.engines._sources import first_row, ident, require, run, scan
from fairrec_core.errors import DataError
from fairrec_core.external import LIST_ALIASES

#: DuckDB types that are not offered as groups (as float columns are not in memory).
FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL", "DECIMAL")
NUMERIC_PREFIXES = FLOAT_TYPES + ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                                  "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


@dataclass(eq=False)
class Universe:
    """What the engine knows about users and items (the tables above live in ``con``)."""

    n_users: int
    n_items: int
    items: pd.DataFrame  # the items table (Dataset form: category, categories, brand, ...)
    user_columns: dict  # user column -> DuckDB type (what label_sql can read)
    categories: dict = field(default_factory=dict)  # attribute -> ordered categories
    defaults: list = field(default_factory=list)  # attributes audited when none are named
    numeric: list = field(default_factory=list)  # numeric user columns (covariates)
    where: str = "the dataset"  # how messages name the users' table
    groupable: list = field(default_factory=list)  # every attribute offered as a group

    def label_sql(self, attribute: str, alias: str = "") -> str:
        """SQL of one label per user for ``attribute`` (a column of ``fr_user_source``, read
        through the table alias ``alias``)."""
        column = f"{alias}.{ident(attribute)}" if alias else ident(attribute)
        return f"COALESCE(CAST({column} AS VARCHAR), 'Unknown')"

    def check_attribute(self, attribute: str) -> None:
        """The message of ``user_groupings`` for an attribute the users do not have."""
        if attribute not in self.user_columns or attribute == "user_id":
            known = ", ".join(self.groupable) or "none"
            raise DataError(f"audit: unknown user attribute {attribute!r}; available: {known}")


def _test_and_history(con, test, label, mapping, where, interactions: str | None, *,
                      n_users: int, budget: int, distinct: bool = True) -> None:
    """``fr_test`` from ``test`` and ``fr_hist`` from the table ``interactions`` (or none),
    range of users by range of users (:mod:`._partitions`); ``distinct``: keep one row per
    pair (the dataset keeps one; a file may repeat a pair)."""
    s = scan(con, test, label=label, mapping=mapping, aliases=LIST_ALIASES)
    require(s, ("user_id", "item_id"))
    not_empty(con, s, "test interactions")
    ids = {"user_id": ("fr_users", "user_id", "user", "user"),
           "item_id": ("fr_items", "item_id", "item", "item")}
    map_into(con, s, "fr_test", columns=ids, where=where)
    if has_repeats(con, "fr_test", "user", "item"):
        no_duplicates(con, s, mapped(con, s, where=where, check=False, columns={
            "user_id": ("fr_users", "user_id", "user", "_u"),
            "item_id": ("fr_items", "item_id", "item", "_i")}), ("_u", "_i"),
            ("user_id", "item_id"))
    con.execute("CREATE OR REPLACE TEMP TABLE fr_hist (user INTEGER, item INTEGER)")
    if interactions is None:
        return
    n_rows = con.sql(f"SELECT count(*) FROM {interactions}").fetchall()[0][0]
    keep = "DISTINCT " if distinct else ""
    for lo, hi in user_ranges(n_users, n_rows, budget):
        con.execute(f"INSERT INTO fr_hist SELECT {keep}h.user, h.item FROM (SELECT * FROM "
                    f"{interactions} WHERE {within('user', lo, hi)}) h ANTI JOIN (SELECT * FROM "
                    f"fr_test WHERE {within('user', lo, hi)}) t ON h.user = t.user AND "
                    "h.item = t.item")
    con.execute(f"DROP TABLE {interactions}")


def from_dataset(con, data: Dataset, *, test, test_label: str | None = None,
                 mapping=None, budget: int = 1 << 30) -> Universe:
    """The universe of ``data`` (users, items, interactions held in memory) with the test pairs
    read from ``test`` (a path, folder, glob or DataFrame); the history is ``data`` without them."""
    users = pd.DataFrame({"user": np.arange(data.n_users, dtype=np.int32),
                          "user_id": data.users["user_id"].to_numpy()})
    items = pd.DataFrame({"item": np.arange(data.n_items, dtype=np.int32),
                          "item_id": data.items["item_id"].to_numpy()})
    labels = {"user": users["user"]}
    columns = {}
    for column in data.users.columns:
        if column == "user_id":
            continue
        labels[column] = data.user_groups(column).to_numpy()
        columns[column] = "VARCHAR"
    con.register("fr_users_frame", users)
    con.register("fr_items_frame", items)
    con.register("fr_user_source_frame", pd.DataFrame(labels))
    con.execute("CREATE OR REPLACE TABLE fr_users AS SELECT * FROM fr_users_frame")
    con.execute("CREATE OR REPLACE TABLE fr_items AS SELECT * FROM fr_items_frame")
    con.execute("CREATE OR REPLACE TABLE fr_user_source AS SELECT * FROM fr_user_source_frame")
    inter = pd.DataFrame({"user": data.interactions["user"].to_numpy(np.int32),
                          "item": data.interactions["item"].to_numpy(np.int32)})
    con.register("fr_inter_frame", inter)
    con.execute("CREATE OR REPLACE TEMP TABLE fr_inter AS SELECT * FROM fr_inter_frame")
    con.unregister("fr_inter_frame")
    _test_and_history(con, test, test_label or str(test), mapping, "the dataset", "fr_inter",
                      n_users=data.n_users, budget=budget, distinct=False)
    from fairrec_core.audit import audited_attributes, numeric_user_columns

    categories = {c: [str(v) for v in data.users[c].cat.categories] for c in columns
                  if isinstance(data.users[c].dtype, pd.CategoricalDtype)}
    numeric = numeric_user_columns(data)
    if numeric:
        frame = pd.DataFrame({"user": users["user"], **{c: data.users[c].to_numpy(
            dtype=np.float64, na_value=np.nan) for c in numeric}})
        con.register("fr_numeric_frame", frame)
        con.execute("CREATE OR REPLACE TABLE fr_user_numeric AS SELECT * FROM fr_numeric_frame")
    return Universe(data.n_users, data.n_items, data.items, columns, categories,
                    audited_attributes(data), numeric, groupable=list(data.user_attributes))


def _indexed(con, source, label, mapping, id_column: str, what: str, table: str):
    """A users or items file as ``table(index, id, ...)``: ids required, present and unique;
    the index is the row's place in the files (in name order) and in its file."""
    s = scan(con, source, label=label, mapping=mapping, aliases=ALIASES)
    require(s, (id_column,))
    not_empty(con, s, what)
    no_missing(con, s, (id_column,))
    c = ident(id_column)
    index = "user" if id_column == "user_id" else "item"
    if s.kind == "parquet":  # offsets of the files from their metadata: no sort
        sizes = [con.sql(f"SELECT count(*) FROM read_parquet('{f}')").fetchall()[0][0]
                 for f in s.files]
        offsets = ", ".join(str(int(v)) for v in np.concatenate(([0], np.cumsum(sizes)))[:-1])
        position = f"list_extract([{offsets}], _file + 1) + _row - 1"
    else:
        position = "row_number() OVER (ORDER BY _file, _row) - 1"
    run(con, f"CREATE OR REPLACE TABLE {table} AS SELECT CAST({position} AS INTEGER) AS {index}, "
             f"* EXCLUDE (_file, _row) FROM ({s.sql})", label)
    if con.sql(f"SELECT 1 FROM {table} GROUP BY {c} HAVING count(*) > 1 LIMIT 1").fetchall():
        dup = first_row(con, s, "_n > 1", select=c, source=(
            f"SELECT *, row_number() OVER (PARTITION BY {c} ORDER BY _file, _row) AS _n "
            f"FROM ({s.sql})"))
        raise DataError(f"{s.where(dup[0], dup[1])}: duplicate {id_column} {dup[2]!r}; ids must "
                        "be unique")
    return s


def from_files(con, *, users, items, test, interactions=None, mapping=None,
               labels: dict | None = None, budget: int = 1 << 30) -> Universe:
    """The universe of a users file, an items file, optional interactions (the history is
    those without the test pairs; none: no history) and the test pairs, all scanned by DuckDB.
    ``mapping`` renames the columns of the users, items and interactions files (as ``--map``
    does for ``--data`` CSVs); ``labels``: how messages name each file."""
    labels = labels or {}
    u = _indexed(con, users, labels.get("users", str(users)), mapping, "user_id", "users",
                 "fr_user_source")
    _indexed(con, items, labels.get("items", str(items)), mapping, "item_id", "items",
             "fr_item_source")
    con.execute("CREATE OR REPLACE TABLE fr_users AS SELECT user, user_id FROM fr_user_source")
    con.execute("CREATE OR REPLACE TABLE fr_items AS SELECT item, item_id FROM fr_item_source")
    n_users = con.sql("SELECT count(*) FROM fr_users").fetchall()[0][0]
    types = {c: str(t) for c, t in u.types.items() if c != "user_id"}
    categories = {}
    if "age" in types and "age_group" not in types:  # as build_dataset: the default bands
        _age_groups(con, u)
        types["age_group"] = "VARCHAR"
        categories["age_group"] = age_bands(DEFAULT_AGE_EDGES)
    inter = None
    if interactions is not None:
        label = labels.get("interactions", str(interactions))
        s = scan(con, interactions, label=label, mapping=mapping, aliases=ALIASES)
        require(s, ("user_id", "item_id"))
        map_into(con, s, "fr_inter", where=labels.get("users", str(users)),
                 rows="interaction rows", what=" (every interaction needs one)", columns={
                     "user_id": ("fr_users", "user_id", "user", "user"),
                     "item_id": ("fr_items", "item_id", "item", "item")})
        inter = "fr_inter"
    _test_and_history(con, test, labels.get("test", str(test)), None,
                      labels.get("users", str(users)), inter, n_users=n_users, budget=budget)
    item_frame = con.sql("SELECT * EXCLUDE (item) FROM fr_item_source ORDER BY item").df()
    from fairrec_core.data._build import _price_band

    if "category" not in item_frame.columns:
        item_frame["category"] = "Unknown"
    if "price" in item_frame.columns and "price_band" not in item_frame.columns:
        item_frame["price_band"] = _price_band(pd.to_numeric(item_frame["price"], errors="coerce"))
    groupable = _groupable(con, types)
    from fairrec_core.audit import DEFAULT_GROUPS, MAX_AUDITED_ATTRIBUTES

    ordered = [a for a in DEFAULT_GROUPS if a in groupable] + [
        a for a in groupable if a not in DEFAULT_GROUPS]
    numeric = [c for c, t in types.items() if t.upper().startswith(NUMERIC_PREFIXES)
               and c != "user_id"]
    if numeric:
        cast = ", ".join(f"CAST({ident(c)} AS DOUBLE) AS {ident(c)}" for c in numeric)
        con.execute(f"CREATE OR REPLACE TABLE fr_user_numeric AS SELECT user, {cast} "
                    "FROM fr_user_source")
    return Universe(n_users, len(item_frame), item_frame, types, categories,
                    ordered[:MAX_AUDITED_ATTRIBUTES], numeric,
                    where=labels.get("users", str(users)), groupable=groupable)


def _groupable(con, types: dict) -> list[str]:
    """User columns offered as groups, as ``Dataset.user_attributes``: not ids, raw numbers
    or floats, with 2 to MAX_GROUP_VALUES distinct values."""
    out = []
    for column, typ in types.items():
        if column in _NON_GROUP_USER_COLUMNS or typ.upper().startswith(FLOAT_TYPES):
            continue
        n = con.sql(f"SELECT count(DISTINCT {ident(column)}) FROM fr_user_source").fetchall()[0][0]
        if 1 < n <= MAX_GROUP_VALUES:
            out.append(column)
    return out


def _age_groups(con, s) -> None:
    """``age_group`` from ``age`` with the default bands (refusing a non-numeric age)."""
    value = "TRY_CAST(age AS DOUBLE)"
    bad = first_row(con, s, f"age IS NOT NULL AND ({value} IS NULL OR {value} < 0 OR "
                            f"{value} > 150)", select="age")
    if bad:
        raise DataError(f"{s.where(bad[0], bad[1])}: column 'age' has {bad[2]!r}, expected a "
                        "numeric age from 0 to 150")
    edges, names = list(DEFAULT_AGE_EDGES), age_bands(DEFAULT_AGE_EDGES)
    cases = " ".join(f"WHEN {value} < {e} THEN '{n}'" for e, n in zip(edges, names, strict=False))
    con.execute("ALTER TABLE fr_user_source ADD COLUMN age_group VARCHAR")
    con.execute(f"UPDATE fr_user_source SET age_group = CASE WHEN {value} IS NULL THEN NULL "
                f"{cases} ELSE '{names[-1]}' END")
