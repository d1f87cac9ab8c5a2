"""The per-user metric table in SQL, generated from :mod:`._formulas` (no formula is written
here, only how each kind of aggregate is computed).

The table is built range of users by range (:mod:`._partitions`). Slots: ``fr_slots`` is the
range's ``fr_recs`` joined with its test pairs (``hit``) and the item features (``pop``,
``head``, ``cat``). Each aggregate of a formula is computed by the cheapest of these renderings,
all giving the formula's own sum:

- an aggregate over plain slot columns: one ``sum`` / ``max`` per user (``GROUP BY user``);
- an aggregate that reads ``hits_so_far`` and is a multiple of ``hit`` (MAP's): only hit rows
  contribute, and on a hit row the hits at positions <= pos are exactly the hit rows up to it,
  so ``hits_so_far = row_number()`` over the user's hit rows ordered by position (a window
  over the few hit rows, not over every slot);
- ``sum(same_category - 1)`` (ILD's): sum over slots of (same_category - 1) = sum over
  categories of n_c (n_c - 1) = sum n_c^2 - m, from per-user counts of each category (one
  ``count(*) FILTER`` per category, up to :data:`PIVOT_CATEGORIES`; beyond, a count per
  (user, category));
- any other use of a slot feature: its window function (:data:`SLOT_FEATURES`).

Each metric is ``CASE WHEN defined THEN value END`` over the aggregates (NULL, read back as NaN,
where undefined). Calibration sums its cell contribution over the (user, category) cells: with
up to ``PIVOT`` categories, over per-user sums of the item weights of each category (history:
p = sum / n_hist; list: q = sum / m), columns of the per-user aggregates, the cells written out
by substituting p and q in the one formula (where every item weighs 1 in the category of its ILD
category, the list's sums are ILD's per-category counts, not summed twice); beyond, over a join
of the (user, category) rows of the history's distribution and the list's.

Each range also adds its share of the catalogue counts (:func:`slot_sql`: slots and exposure
per item, slots and history rows per cell and combination of item-attribute values), summed
over the ranges by :func:`slot_totals`.

The result, ``fr_um``, has one row per listed user (a list or test items):
``user, user_id, n_test, n_hist, hist_pop, m``, one column per metric of ``USER_METRICS`` and the
group codes of ``fr_ucodes`` (``g0 .., cell``).
"""

from __future__ import annotations

from fairrec_core.engines._expr import col, lit, substitute, to_sql, where
from fairrec_core.engines._formulas import CALIBRATION, HIT, SAME_CATEGORY, exposure, user_metrics
from fairrec_core.engines._items import PIVOT
from fairrec_core.engines._partitions import within
from fairrec_core.engines._sources import ident

#: The SQL of each slot feature (columns of ``fr_slots``), the general rendering.
SLOT_FEATURES = {
    "hits_so_far": "sum(hit) OVER (PARTITION BY user ORDER BY pos ROWS BETWEEN UNBOUNDED "
                   "PRECEDING AND CURRENT ROW)",
    "same_category": "count(*) OVER (PARTITION BY user, cat)",
}
#: Up to this many ILD categories, per-user category counts are columns of one aggregate.
PIVOT_CATEGORIES = 32


def _factors(e) -> list:
    """The factors of a product (``a * b / c`` -> [a, b] and the divisor's none)."""
    if e.op == "*":
        return _factors(e.args[0]) + _factors(e.args[1])
    if e.op == "/":
        return _factors(e.args[0])
    return [e]


def _is_hit_multiple(e) -> bool:
    return any(f.op == "col" and f.args[0] == HIT.args[0] for f in _factors(e))


def _aggregates(metrics) -> dict:
    seen = {}
    for metric in metrics:
        for agg in metric.aggregates:
            text = to_sql(agg.contribution)
            if agg.name in seen and to_sql(seen[agg.name].contribution) != text:
                raise ValueError(f"formulas: aggregate {agg.name!r} defined twice differently")
            seen[agg.name] = agg
    return seen


def _kind(agg) -> str:
    used = agg.contribution.columns()
    if not used & set(SLOT_FEATURES):
        return "plain"
    if used & set(SLOT_FEATURES) == {"hits_so_far"} and _is_hit_multiple(agg.contribution):
        return "hits"
    if agg.how == "sum" and to_sql(agg.contribution) == to_sql(SAME_CATEGORY - 1):
        return "pairs"
    return "window"


def _calibration(n_mixes: int, dialect: str = "duckdb") -> str:
    """Calibration's value over per-user category sums ``_p{c}`` (history) and ``_q{c}``
    (list): the cell formula summed over the categories, p = _p / n_hist, q = _q / m."""
    total = lit(0.0)
    for c in range(n_mixes):
        cell = {"p": col(f"_p{c}") / col("n_hist"), "q": col(f"_q{c}") / col("m")}
        total = total + where(substitute(CALIBRATION.where, cell),
                              substitute(CALIBRATION.contribution, cell), 0.0)
    return to_sql(total, dialect)


def user_table_sql(k: int, n_users: int, n_categories: int, lo: int, hi: int, *,
                   first: bool, n_mixes: int = PIVOT + 1, n_attributes: int = 0,
                   mix_codes: tuple | None = None, dialect: str = "duckdb",
                   code_columns: tuple | None = None) -> list[str]:
    """The statements adding the users with indices ``lo .. hi - 1`` to ``fr_um`` (created
    by the ``first`` range; see the module docstring). ``n_mixes``: calibration categories
    (up to ``PIVOT``, their weights are columns ``w0 ..`` of the item features);
    ``n_attributes``: item attributes (columns ``v0 ..`` of ``fr_item_values``), for the
    range's share of the slot and history counts (:func:`slot_sql`); ``mix_codes``: where each
    item weighs 1 in the calibration category of its ILD category, the ILD codes of each
    calibration category (its list sums are then the ILD category counts, not added again).
    ``dialect``: the formulas' SQL dialect (:data:`._expr.DIALECTS`); Spark SQL has no
    ``* EXCLUDE``, so there the columns of ``fr_ucodes`` besides ``user, user_id`` are named
    (``code_columns``) and those of the per-user aggregates are listed."""
    d = dialect

    def sql(e) -> str:
        return to_sql(e, d)

    aggregates = _aggregates(user_metrics(k, n_users))
    kinds = {name: _kind(a) for name, a in aggregates.items()}
    rng = within("user", lo, hi)
    wide = n_mixes <= PIVOT
    w = "".join(f", f.w{c}" for c in range(n_mixes)) if wide else ""
    out = [
        "CREATE OR REPLACE TEMP TABLE fr_slots AS SELECT r.user, r.pos, r.item, "
        "CAST(t.user IS NOT NULL AS INTEGER) AS hit, f.pop, f.head, f.cat FROM (SELECT * "
        f"FROM fr_recs WHERE {rng}) r LEFT JOIN (SELECT * FROM fr_test WHERE {rng}) t ON "
        "r.user = t.user AND r.item = t.item JOIN fr_item_features f ON f.item = r.item",
        f"CREATE OR REPLACE TEMP TABLE fr_p_codes AS SELECT * FROM fr_ucodes WHERE {rng}",
    ]
    pivot = any(kinds[n] == "pairs" for n in aggregates) and n_categories <= PIVOT_CATEGORIES
    counted = wide and pivot and mix_codes is not None and len(mix_codes) == n_mixes
    history = (f"SELECT h.user, h.item, f.pop{w} FROM (SELECT * FROM fr_hist WHERE {rng}) h "
               "JOIN fr_item_features f ON f.item = h.item")
    slots = (f"SELECT s.*{w} FROM fr_slots s JOIN fr_item_features f ON f.item = s.item"
             if wide and not counted else "fr_slots")
    plain = [f"{a.how}({sql(a.contribution)}) AS {ident(n)}"
             for n, a in aggregates.items() if kinds[n] == "plain"]
    names = ["m"] + [ident(n) for n, a in aggregates.items() if kinds[n] == "plain"]
    if wide and not counted:
        plain += [f"sum(w{c}) AS _q{c}" for c in range(n_mixes)]
        names += [f"_q{c}" for c in range(n_mixes)]
    if pivot:
        plain += [f"count(*) FILTER (WHERE cat = {j}) AS _c{j}" for j in range(n_categories)]
        names += [f"_c{j}" for j in range(n_categories)]
    out.append(f"CREATE OR REPLACE TEMP TABLE fr_agg AS SELECT user, count(*) AS m"
               f"{''.join(', ' + p for p in plain)} FROM ({slots}) GROUP BY user")
    joins, columns = [], []
    for n, a in aggregates.items():
        kind, alias = kinds[n], f"x_{n}"
        if kind == "plain":
            columns.append(f"COALESCE(l.{ident(n)}, 0) AS {ident(n)}")
            continue
        if kind == "pairs" and pivot:
            squares = " + ".join(f"l._c{j} * l._c{j}" for j in range(n_categories)) or "0"
            columns.append(f"COALESCE({squares} - l.m, 0) AS {ident(n)}")
            continue
        if kind == "hits":
            source = ("SELECT *, row_number() OVER (PARTITION BY user ORDER BY pos) AS "
                      "hits_so_far FROM fr_slots WHERE hit = 1")
            value = f"{a.how}({sql(a.contribution)})"
        elif kind == "pairs":
            source = "SELECT user, cat, count(*) AS _n FROM fr_slots GROUP BY user, cat"
            value = "sum(_n * (_n - 1))"
        else:
            features = "".join(f", {sql} AS {f}" for f, sql in SLOT_FEATURES.items())
            source = f"SELECT *{features} FROM fr_slots"
            value = f"{a.how}({sql(a.contribution)})"
        joins.append(f"LEFT JOIN (SELECT user, {value} AS v FROM ({source}) GROUP BY user) "
                     f"{alias} ON {alias}.user = l.user")
        columns.append(f"COALESCE({alias}.v, 0) AS {ident(n)}")
    sums = "".join(f", sum(w{c}) AS _p{c}" for c in range(n_mixes)) if wide else ""
    out += [
        "CREATE OR REPLACE TEMP TABLE fr_uh AS SELECT user, count(*) AS n_hist, avg(pop) AS "
        f"hist_pop{sums} FROM ({history}) GROUP BY user",
        "CREATE OR REPLACE TEMP TABLE fr_ntest AS SELECT user, count(*) AS n_test FROM fr_test "
        f"WHERE {rng} GROUP BY user",
    ]
    if wide:
        lists = ([f"({' + '.join(f'l._c{j}' for j in codes) or '0'})" for codes in mix_codes]
                 if counted else [f"l._q{c}" for c in range(n_mixes)])
        mixes = "".join(f", h._p{c}, {q} AS _q{c}" for c, q in enumerate(lists))
        kl = f"{_calibration(n_mixes, d)} AS kl"
    else:
        cell = sql(CALIBRATION.contribution)
        out.append(
            "CREATE OR REPLACE TEMP TABLE fr_kl AS SELECT d.user, sum(" + cell + ") AS kl FROM "
            "(SELECT d.user, d.p AS p, COALESCE(l.w / a.m, 0.0) AS q FROM (SELECT h.user, w.c, "
            f"sum(w.w) / any_value(u.n_hist) AS p FROM ({history}) h JOIN fr_item_cats w ON "
            "w.item = h.item JOIN fr_uh u ON u.user = h.user GROUP BY h.user, w.c) d "
            "JOIN fr_agg a ON a.user = d.user LEFT JOIN (SELECT r.user, w.c, sum(w.w) AS w "
            "FROM fr_slots r JOIN fr_item_cats w ON w.item = r.item GROUP BY r.user, w.c) l "
            f"ON l.user = d.user AND l.c = d.c) d WHERE {sql(CALIBRATION.where)} "
            "GROUP BY d.user")
        mixes, kl = "", "kl.kl"
    # the range's listed users: with a list (fr_agg) or with test items (fr_ntest)
    rest = ("a.* EXCLUDE (user)" if d == "duckdb" else ", ".join(f"a.{n}" for n in names))
    listed = (f"SELECT COALESCE(a.user, t.user) AS user, {rest}, t.n_test FROM "
              "fr_agg a FULL JOIN fr_ntest t ON t.user = a.user")
    inner = (f"SELECT l.user, COALESCE(l.n_test, 0) AS n_rel, COALESCE(l.m, 0) AS m, "
             f"{', '.join(columns)}, COALESCE(h.n_hist, 0) AS has_history, "
             f"COALESCE(h.n_hist, 0) AS n_hist, h.hist_pop{mixes} FROM ({listed}) l "
             "LEFT JOIN fr_uh h ON h.user = l.user "
             + ("" if wide else "LEFT JOIN fr_kl kl ON kl.user = l.user ") + " ".join(joins))
    inner = f"SELECT *, {kl} FROM ({inner})" if wide else inner.replace(
        "h.hist_pop FROM", "h.hist_pop, kl.kl FROM")
    values = [f"CAST(CASE WHEN {sql(m.defined)} THEN {sql(m.value)} END AS DOUBLE) AS "
              f"{ident(m.name)}" for m in user_metrics(k, n_users)]
    values.append(f"CAST(CASE WHEN {sql(CALIBRATION.defined)} THEN COALESCE(kl, 0.0) END "
                  f"AS DOUBLE) AS {ident(CALIBRATION.name)}")
    codes = ("c.* EXCLUDE (user, user_id)" if d == "duckdb"
             else ", ".join(f"c.{ident(n)}" for n in code_columns))
    select = ("SELECT x.user, c.user_id, CAST(x.n_rel AS INTEGER) AS n_test, CAST(x.n_hist AS "
              "INTEGER) AS n_hist, x.hist_pop, CAST(x.m AS INTEGER) AS m, "
              f"{', '.join(values)}, {codes} FROM ({inner}) x JOIN "
              "fr_p_codes c ON c.user = x.user")
    out.append(f"CREATE OR REPLACE TEMP TABLE fr_um AS {select}" if first
               else f"INSERT INTO fr_um {select}")
    out += slot_sql(k, rng, n_attributes, first=first, dialect=d)
    out += [f"DROP TABLE {t}" for t in ("fr_slots", "fr_agg", "fr_uh", "fr_ntest", "fr_p_codes")
            + (() if wide else ("fr_kl",))]
    return out


def slot_sql(k: int, rng: str, n_attributes: int, *, first: bool,
             dialect: str = "duckdb") -> list[str]:
    """A range's share of the catalogue counts: slots and exposure per item
    (``fr_item_part``), slots per cell and combination of item attribute values
    (``fr_values_part``) and the listed users' history rows likewise (``fr_hist_part``);
    :func:`slot_totals` adds the ranges up."""
    values = "".join(f", v.v{j}" for j in range(n_attributes))
    parts = {
        "fr_item_part": (f"SELECT item, count(*) AS slots, sum({to_sql(exposure(k), dialect)}) AS "
                         "exposure FROM fr_slots GROUP BY item"),
        "fr_values_part": (f"SELECT c.cell{values}, count(*) AS n FROM fr_slots s JOIN "
                           "fr_p_codes c ON c.user = s.user JOIN fr_item_values v ON "
                           "v.item = s.item GROUP BY ALL"),
        "fr_hist_part": (f"SELECT u.cell{values}, count(*) AS n FROM (SELECT * FROM fr_hist "
                         f"WHERE {rng}) h JOIN (SELECT user, cell FROM fr_um WHERE {rng}) u ON "
                         "u.user = h.user JOIN fr_item_values v ON v.item = h.item GROUP BY ALL"),
    }
    return [f"CREATE OR REPLACE TEMP TABLE {t} AS {q}" if first else f"INSERT INTO {t} {q}"
            for t, q in parts.items()]


def slot_totals(n_attributes: int) -> list[str]:
    """``fr_item_exp(item, slots, exposure)``, ``fr_cell_values(cell, v0 .., n)`` and
    ``fr_cell_hist(cell, v0 .., n)``: the ranges' shares added up (and dropped)."""
    values = "".join(f", v{j}" for j in range(n_attributes))
    return [
        "CREATE OR REPLACE TEMP TABLE fr_item_exp AS SELECT item, sum(slots) AS slots, "
        "sum(exposure) AS exposure FROM fr_item_part GROUP BY item",
        f"CREATE OR REPLACE TEMP TABLE fr_cell_values AS SELECT cell{values}, sum(n) AS n FROM "
        "fr_values_part GROUP BY ALL",
        f"CREATE OR REPLACE TEMP TABLE fr_cell_hist AS SELECT cell{values}, sum(n) AS n FROM "
        "fr_hist_part GROUP BY ALL",
        "DROP TABLE fr_item_part", "DROP TABLE fr_values_part", "DROP TABLE fr_hist_part",
        "DROP TABLE fr_recs",
    ]
