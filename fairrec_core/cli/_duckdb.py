"""``audit --engine duckdb``: the audit of imported lists computed by DuckDB over CSV or Parquet
files (one file, a folder or a glob), out of core, writing the same ``metrics.json``,
``users.csv`` and ``groups.csv`` as the in-memory engine (``recommendations.csv`` and
``test.csv``, copies of the inputs, are not written). Where the listed users are more than the
engine keeps in the result (``max_test_users``: the tests then run on a sample), the per-user
table is ``users.parquet`` instead of ``users.csv`` (10M users: seconds instead of a 1.5 GB CSV).

The users and items come from ``--data`` (loaded in memory: the history is its interactions
without the test pairs, as with the in-memory engine) or, for data too large for that, from
``--users`` and ``--items`` files with optional ``--interactions`` (the history is those
without the test pairs).

``--engine spark [--master local[2]]`` computes the same files on Spark
(:class:`fairrec_core.engines.SparkContext`): the inputs are checked as with DuckDB, the
per-user table, sums and Poisson bootstrap run as Spark SQL."""

from __future__ import annotations

import os
import shutil
import tempfile

from fairrec_core.errors import DataError

#: The options that only the DuckDB (and Spark) engine reads.
DUCKDB_OPTIONS = ("memory_limit", "threads", "users", "items", "interactions")
#: The options that only the Spark engine reads.
SPARK_OPTIONS = ("master", "spark_stage")
#: ``fairrec_core.engines.ENGINES``, copied so that building the parser imports no heavy
#: package (a test checks that the two agree).
ENGINES = ("memory", "duckdb", "spark")


def add_arguments(p) -> None:
    p.add_argument("--engine", choices=ENGINES, default="memory",
                   help="where the audit is computed: memory (default; small inputs), duckdb "
                        "(SQL over CSV or Parquet files, out of core; --recommendations only) "
                        "or spark (the same on Spark; needs Java 17)")
    p.add_argument("--master", metavar="URL",
                   help="spark: the master (default local[2]; spark://host:7077, yarn, "
                        "k8s://https://host:443)")
    p.add_argument("--spark-stage", metavar="DIR",
                   help="spark: folder for the checked tables Spark reads (default a local "
                        "temporary one; on a cluster a shared folder every executor sees at "
                        "the same path)")
    p.add_argument("--memory-limit", metavar="SIZE",
                   help="duckdb: memory DuckDB may use before spilling to disk (e.g. 4GB; "
                        "default half the machine's memory)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="duckdb: threads (default one per core)")
    p.add_argument("--users", metavar="FILE",
                   help="duckdb without --data: users (user_id and attributes), CSV or Parquet")
    p.add_argument("--items", metavar="FILE",
                   help="duckdb without --data: items (item_id and attributes)")
    p.add_argument("--interactions", metavar="FILE|DIR|GLOB",
                   help="duckdb without --data: interactions (user_id,item_id); the history is "
                        "those that are not --test pairs")


def check_arguments(args) -> None:
    """One line for a combination the chosen engine cannot run (before any work)."""
    given = [o for o in DUCKDB_OPTIONS if getattr(args, o) is not None]
    for option in SPARK_OPTIONS:
        if args.engine != "spark" and getattr(args, option, None) is not None:
            raise DataError(f"--{option.replace('_', '-')} needs --engine spark")
    if args.engine == "memory":
        if given:
            flag = "--" + given[0].replace("_", "-")
            raise DataError(f"{flag} needs --engine duckdb")
        if not args.data:
            raise DataError("--data is required (or --engine duckdb with --users and --items)")
        return
    if not args.recommendations:
        raise DataError("--engine duckdb audits --recommendations (with --test); export a "
                        "model's lists with the memory engine first")
    if args.rerank:
        raise DataError("--rerank needs the memory engine (--engine memory)")
    if args.data and (args.users or args.items or args.interactions):
        raise DataError("--users, --items and --interactions replace --data; give one or the "
                        "other")
    if not args.data and not (args.users and args.items):
        raise DataError("--engine duckdb needs --data, or --users and --items")


def inputs(args) -> list:
    """The input paths (never inside ``--out``)."""
    return [getattr(args, o) for o in ("users", "items", "interactions")]


def audit(args, say, check):
    """``(result, source, summary, files)``: the audit, the settings to record, a dataset
    summary for the report and ``{name: text or writer}`` for ``--out``. ``check(attributes,
    item_attributes)`` runs before the lists are read (gates, policy)."""
    from fairrec_core.engines import DuckDBContext, SparkContext, _rows

    spark = args.engine == "spark"
    context = SparkContext if spark else DuckDBContext
    extra = {"master": args.master or "local[2]", "stage": args.spark_stage} if spark else {}
    common = dict(**extra,k=args.k, groups=args.groups, intersections=not args.no_intersections,
                  include_uninformative=args.include_unspecified,
                  reference=_reference(args.reference), memory_limit=args.memory_limit,
                  threads=args.threads, max_test_users=_rows.MAX_USERS)
    if args.data:  # --map renames the columns of --data's files, as with the memory engine
        from fairrec_core.cli._data import load_from_args

        say(f"loading {args.data}")
        data = load_from_args(args)
        ctx = context.from_dataset(data, test=args.test, test_label=args.test, **common)
        summary = data.describe()
    else:
        say(f"reading {args.users} and {args.items} with DuckDB")
        ctx = context.from_files(users=args.users, items=args.items, test=args.test,
                                       interactions=args.interactions, mapping=_mapping(args),
                                       **common)
        summary = {"name": os.path.basename(str(args.users).rstrip("/")), "users": ctx.n_users,
                   "items": ctx.n_items}
    try:
        if spark:
            say(f"spark: master {ctx.master}; the inputs are checked by DuckDB")
        say(f"duckdb: {ctx.n_users:,} users, {ctx.n_items:,} items, memory limit "
            f"{ctx.connection.memory_limit / 2**30:.1f} GiB, {ctx.threads} threads")
        check([g.attribute for g in ctx.groupings], [a.name for a in ctx.item_attributes])
        say(f"auditing {args.recommendations} at k={args.k}: {args.bootstrap} Poisson bootstrap "
            f"replicates, {args.permutations} permutations")
        result = ctx.audit(args.recommendations, label=args.recommendations,
                           n_bootstrap=args.bootstrap, n_permutations=args.permutations,
                           seed=args.seed)
        for w in ctx.warnings:
            say(f"warning: {w}")
        # a per-user table the result keeps is users.csv, as the memory engine writes it;
        # one too large to keep (a sample ran the tests) is users.parquet (binary: much faster)
        name = "users.csv" if len(result.users) or not result.n_users else "users.parquet"
        folder = tempfile.mkdtemp(prefix="fairrec-users-")
        users_file = os.path.join(folder, name)
        ctx.write_users(users_file, kind=name.rsplit(".", 1)[1])
    finally:
        ctx.close()
    source = {"model": "imported lists", "recommendations": str(args.recommendations),
              "test": str(args.test), "scores": ctx.lists.score_source, "engine": args.engine,
              "memory_limit_bytes": ctx.connection.memory_limit, "threads": ctx.threads,
              **({"master": ctx.master} if spark else {})}
    if not args.data:
        source.update(users=str(args.users), items=str(args.items),
                      interactions=None if args.interactions is None else str(args.interactions))

    def copy_users(f) -> None:
        try:
            with open(users_file, "rb") as src:
                shutil.copyfileobj(src, f, 1 << 20)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    files = {name: copy_users, "groups.csv": result.groups.to_csv(index=False)}
    return result, source, summary, files


def _mapping(args) -> dict:
    from fairrec_core.data import parse_mapping

    return parse_mapping(args.map)


def _reference(specs) -> dict:
    from fairrec_core.cli._audit import _parse_reference

    return _parse_reference(specs)
