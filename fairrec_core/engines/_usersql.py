"""The per-user metric table in SQL, generated from :mod:`._formulas` (no formula is written
here): slots are ``fr_recs`` joined with the test pairs (``hit``) and the item features, the slot
features are window functions (``hits_so_far``: a running sum over positions; ``same_category``:
a count per user and ILD category), every aggregate is one ``sum`` / ``max`` per user, and each
metric is ``CASE WHEN defined THEN value END`` over them (NULL, read back as NaN, where
undefined). Calibration sums its cell contribution over (user, category) cells of the history
distribution ``fr_hist_dist`` joined with the list's distribution.

The result, ``fr_um``, has one row per listed user: ``user, n_test, n_hist, hist_pop, m``, one
column per metric of ``USER_METRICS`` and the group codes of ``fr_ucodes`` (``g0 .. , cell``).
"""

from __future__ import annotations

from fairrec_core.engines._expr import to_sql
from fairrec_core.engines._formulas import CALIBRATION, user_metrics
from fairrec_core.engines._sources import ident

#: The SQL of each slot feature (columns of ``fr_slots``).
SLOT_FEATURES = {
    "hits_so_far": "sum(hit) OVER (PARTITION BY user ORDER BY pos ROWS BETWEEN UNBOUNDED "
                   "PRECEDING AND CURRENT ROW)",
    "same_category": "count(*) OVER (PARTITION BY user, cat)",
}


def _aggregates(metrics):
    seen = {}
    for metric in metrics:
        for agg in metric.aggregates:
            text = to_sql(agg.contribution)
            if agg.name in seen and seen[agg.name] != (text, agg.how):
                raise ValueError(f"formulas: aggregate {agg.name!r} defined twice differently")
            seen[agg.name] = (text, agg.how)
    return seen


def user_table_sql(k: int, n_users: int) -> list[str]:
    """The statements creating ``fr_um`` (see the module docstring)."""
    metrics = user_metrics(k, n_users)
    aggregates = _aggregates(metrics)
    used = set().union(*(a.contribution.columns() for m in metrics for a in m.aggregates))
    features = "".join(f", {sql} AS {name}" for name, sql in SLOT_FEATURES.items() if name in used)
    slots = ("SELECT r.user, r.pos, r.item, CAST(t.user IS NOT NULL AS INTEGER) AS hit, f.pop, "
             "f.head, f.cat FROM fr_recs r LEFT JOIN fr_test t ON r.user = t.user AND "
             "r.item = t.item JOIN fr_item_features f ON f.item = r.item")
    per_user = ", ".join(f"{how}({text}) AS {ident(name)}"
                         for name, (text, how) in aggregates.items())
    statements = [
        f"CREATE OR REPLACE TEMP TABLE fr_agg AS SELECT user, count(*) AS m, {per_user} "
        f"FROM (SELECT *{features} FROM ({slots})) GROUP BY user",
        "CREATE OR REPLACE TEMP TABLE fr_ntest AS SELECT user, count(*) AS n_test FROM fr_test "
        "GROUP BY user",
    ]
    kl = to_sql(CALIBRATION.contribution)
    statements.append(
        "CREATE OR REPLACE TEMP TABLE fr_kl AS SELECT d.user, sum(" + kl + ") AS kl FROM ("
        "SELECT d.user, d.p AS p, COALESCE(l.w / a.m, 0.0) AS q FROM fr_hist_dist d "
        "JOIN fr_agg a ON a.user = d.user LEFT JOIN (SELECT r.user, w.c, sum(w.w) AS w "
        "FROM fr_recs r JOIN fr_item_cats w ON w.item = r.item GROUP BY r.user, w.c) l "
        f"ON l.user = d.user AND l.c = d.c) d WHERE {to_sql(CALIBRATION.where)} GROUP BY d.user")
    base = ", ".join(f"COALESCE(a.{ident(name)}, 0) AS {ident(name)}" for name in aggregates)
    inner = (f"SELECT l.user, COALESCE(t.n_test, 0) AS n_rel, COALESCE(a.m, 0) AS m, {base}, "
             "COALESCE(h.n_hist, 0) AS has_history, COALESCE(h.n_hist, 0) AS n_hist, "
             "h.hist_pop, kl.kl FROM fr_listed l LEFT JOIN fr_agg a ON a.user = l.user "
             "LEFT JOIN fr_ntest t ON t.user = l.user LEFT JOIN fr_user_hist h ON h.user = "
             "l.user LEFT JOIN fr_kl kl ON kl.user = l.user")
    values = [f"CAST(CASE WHEN {to_sql(m.defined)} THEN {to_sql(m.value)} END AS DOUBLE) AS "
              f"{ident(m.name)}" for m in metrics]
    values.append(f"CAST(CASE WHEN {to_sql(CALIBRATION.defined)} THEN COALESCE(kl, 0.0) END "
                  f"AS DOUBLE) AS {ident(CALIBRATION.name)}")
    statements.append(
        "CREATE OR REPLACE TEMP TABLE fr_um AS SELECT x.user, CAST(x.n_rel AS BIGINT) AS n_test, "
        "CAST(x.n_hist AS BIGINT) AS n_hist, x.hist_pop, CAST(x.m AS BIGINT) AS m, "
        f"{', '.join(values)}, c.* EXCLUDE (user) FROM ({inner}) x JOIN fr_ucodes c "
        "ON c.user = x.user ORDER BY x.user")
    statements += ["DROP TABLE fr_agg", "DROP TABLE fr_ntest", "DROP TABLE fr_kl"]
    return statements
