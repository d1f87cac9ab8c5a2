"""A tiny expression language for the metric formulations: one expression, two renderings.

An :class:`Expr` is a tree of column references, constants, arithmetic, ``log2`` / ``ln``,
``greatest`` / ``least``, comparisons, ``where`` (SQL ``CASE``) and ``lookup`` (a constant table
indexed from 1, SQL ``list_extract``). :func:`to_sql` renders it as a SQL expression in DuckDB's or Spark's dialect
(:data:`DIALECTS`: they differ only in quoting, constants and the constant-table lookup) and
:func:`evaluate` computes it with numpy on arrays named in an environment. Both renderings take
the same operations in the same order; constants are written with ``repr`` and cast to DOUBLE, so
SQL reads exactly the float64 numpy holds.
"""

from __future__ import annotations

import numpy as np

_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
           ">": np.greater, ">=": np.greater_equal, "=": np.equal, "AND": np.logical_and}
_FUNCTIONS = {"log2": np.log2, "ln": np.log}


class Expr:
    """A node: ``op`` and its ``args`` (sub-expressions, or a name / value for leaves)."""

    __slots__ = ("args", "op")

    def __init__(self, op: str, *args):
        self.op = op
        self.args = args

    # arithmetic builds trees; comparisons are methods (``==`` keeps its Python meaning)
    def __add__(self, other):
        return Expr("+", self, lift(other))

    def __radd__(self, other):
        return Expr("+", lift(other), self)

    def __sub__(self, other):
        return Expr("-", self, lift(other))

    def __rsub__(self, other):
        return Expr("-", lift(other), self)

    def __mul__(self, other):
        return Expr("*", self, lift(other))

    def __rmul__(self, other):
        return Expr("*", lift(other), self)

    def __truediv__(self, other):
        return Expr("/", self, lift(other))

    def __rtruediv__(self, other):
        return Expr("/", lift(other), self)

    def __neg__(self):
        return Expr("-", lit(0.0), self)

    def gt(self, other) -> Expr:
        return Expr(">", self, lift(other))

    def ge(self, other) -> Expr:
        return Expr(">=", self, lift(other))

    def both(self, other) -> Expr:
        return Expr("AND", self, lift(other))

    def columns(self) -> set[str]:
        """The column names the expression reads."""
        if self.op == "col":
            return {self.args[0]}
        return set().union(*(a.columns() for a in self.args if isinstance(a, Expr)))

    def __repr__(self) -> str:
        return f"Expr({to_sql(self)})"


def col(name: str) -> Expr:
    """A column (SQL) / an array of the environment (numpy)."""
    return Expr("col", name)


def lit(value: float) -> Expr:
    """A float64 constant."""
    return Expr("lit", float(value))


def lift(x) -> Expr:
    return x if isinstance(x, Expr) else lit(x)


def log2(x) -> Expr:
    return Expr("log2", lift(x))


def ln(x) -> Expr:
    return Expr("ln", lift(x))


def greatest(a, b) -> Expr:
    return Expr("greatest", lift(a), lift(b))


def least(a, b) -> Expr:
    return Expr("least", lift(a), lift(b))


def where(condition: Expr, then, otherwise) -> Expr:
    return Expr("where", condition, lift(then), lift(otherwise))


def lookup(table, index: Expr) -> Expr:
    """``table[index]`` with ``index`` counted from 1 (SQL lists are 1-based), the table a tuple
    of float64 constants."""
    return Expr("lookup", tuple(float(v) for v in table), lift(index))


def substitute(e: Expr, columns: dict) -> Expr:
    """``e`` with the columns named in ``columns`` replaced by the given expressions."""
    if e.op == "col":
        return columns.get(e.args[0], e)
    return Expr(e.op, *(substitute(a, columns) if isinstance(a, Expr) else a for a in e.args))


#: The SQL dialects :func:`to_sql` writes.
DIALECTS = ("duckdb", "spark")


def _number(v: float, dialect: str = "duckdb") -> str:
    if dialect == "spark":
        text = "'NaN'" if np.isnan(v) else "'Infinity'" if v > 0 else "'-Infinity'"
        return f"CAST({text if np.isnan(v) or np.isinf(v) else repr(v)} AS DOUBLE)"
    if np.isnan(v) or np.isinf(v):
        return f"'{v!r}'::DOUBLE"
    return f"{v!r}::DOUBLE"


def to_sql(e: Expr, dialect: str = "duckdb") -> str:
    """The SQL text of ``e`` (fully parenthesised) in ``dialect`` (:data:`DIALECTS`). Spark's
    text is for ``spark.sql.ansi.enabled=false``, where division by zero and log of 0 give NULL
    (DuckDB: NULL or +-inf; both read back as not finite)."""
    if dialect not in DIALECTS:
        raise ValueError(f"expression: unknown SQL dialect {dialect!r}; known: {DIALECTS}")
    return _sql(e, dialect)


def _sql(e: Expr, d: str) -> str:
    op, args = e.op, e.args
    if op == "col":
        return f"`{args[0]}`" if d == "spark" else f'"{args[0]}"'
    if op == "lit":
        return _number(args[0], d)
    if op in _BINARY:
        return f"({_sql(args[0], d)} {op} {_sql(args[1], d)})"
    if op in _FUNCTIONS or op in ("greatest", "least"):
        return f"{op}({', '.join(_sql(a, d) for a in args)})"
    if op == "where":
        return (f"(CASE WHEN {_sql(args[0], d)} THEN {_sql(args[1], d)} "
                f"ELSE {_sql(args[2], d)} END)")
    if op == "lookup":
        table = ", ".join(_number(v, d) for v in args[0])
        if d == "spark":
            # element_at is 1-based like list_extract; outside the table NULL, as DuckDB's
            i = f"CAST({_sql(args[1], d)} AS INT)"
            return (f"(CASE WHEN {i} BETWEEN 1 AND {len(args[0])} THEN "
                    f"element_at(array({table}), {i}) END)")
        return f"list_extract([{table}], CAST({_sql(args[1], d)} AS BIGINT))"
    raise ValueError(f"expression: unknown operation {op!r}")  # pragma: no cover


def evaluate(e: Expr, env: dict) -> np.ndarray:
    """``e`` computed with numpy over the arrays of ``env`` (broadcasting as numpy does);
    division by zero and logs of 0 give inf / NaN as in SQL, silently."""
    with np.errstate(all="ignore"):
        return _eval(e, env)


def _eval(e: Expr, env: dict):
    op, args = e.op, e.args
    if op == "col":
        return np.asarray(env[args[0]], dtype=np.float64)
    if op == "lit":
        return np.float64(args[0])
    if op in _BINARY:
        a, b = _eval(args[0], env), _eval(args[1], env)
        return _BINARY[op](a, b)
    if op in _FUNCTIONS:
        return _FUNCTIONS[op](_eval(args[0], env))
    if op == "greatest":
        return np.maximum(_eval(args[0], env), _eval(args[1], env))
    if op == "least":
        return np.minimum(_eval(args[0], env), _eval(args[1], env))
    if op == "where":
        return np.where(_eval(args[0], env), _eval(args[1], env), _eval(args[2], env))
    if op == "lookup":
        table = np.asarray(args[0], dtype=np.float64)
        index = _eval(args[1], env).astype(np.int64) - 1
        return table[np.clip(index, 0, len(table) - 1)]
    raise ValueError(f"expression: unknown operation {op!r}")  # pragma: no cover
