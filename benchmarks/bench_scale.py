"""Scale of the DuckDB engine (issue 16): full audits of large synthetic logs from Parquet.

A generator writes, in chunks of users (bounded memory), ``users.parquet`` (user_id, gender,
age_group, region), ``items.parquet`` (item_id, category, brand_tier, price), the history
``interactions/`` (1 + Poisson(4) items per user), ``test/`` (1 + Poisson(1) items; the first
one is listed with a probability that depends on gender and age, a planted gap) and ``recs/``
(top-10 per user), popularity-skewed. ``--rows`` counts recommendation rows (10 per user).

Each part runs ``python -m fairrec_core audit --engine duckdb`` in a child process and reports
its wall time, CPU time (user + system, all threads) and peak RSS (``os.wait4``): (a) point estimates (3 attributes and their
intersections, parity, exposure, popularity; no resampling), (b) the same with 200 Poisson
bootstrap replicates, (c) with 200 replicates and 200 permutations (on the stratified sample
above 100,000 users). Then the growth of time and memory in the number of rows is fitted
(log-log slope) over the sizes run.

Targets: 100M rows in <= 90 s with peak RSS <= 4 GB; 200 replicates in <= 5 min.

``--engines duckdb,spark``: each part also with ``--engine spark --master local[THREADS]``,
printed beside DuckDB's (no target: the path to a cluster). Its CPU adds the JVM's (the child
process's descendants, whose CPU and RSS are sampled from /proc every 0.2 s, since the JVM is
not a waited-for child); the peak RSS is the child's plus the JVM's at the largest sample. The
growth lines are DuckDB's.

``--exact``: the exactness check at ML-1M size instead — the demo shop generator at MovieLens
1M's size (6,040 users, 3,706 items, 1,000,209 interactions), EASE trained on the standard
split (random 20%, seed 42), its top-10 lists written as CSV and Parquet, audited by both
engines; prints the largest difference of every table's values (per-user metrics, group means,
gaps, parity, exposure, ...; the bootstrap's columns aside, which differ by design) and both
engines' times.

Run: .venv/bin/python benchmarks/bench_scale.py [--rows 1000000 10000000] [--memory-limit 3GB]
     [--threads 2] [--keep DIR] [--skip c] [--engines duckdb,spark]
     .venv/bin/python benchmarks/bench_scale.py --exact
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GENDERS, GENDER_P = ("F", "M", "U"), (0.48, 0.48, 0.04)
AGES = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_P = (0.05, 0.2, 0.25, 0.2, 0.15, 0.1, 0.05)
REGIONS, REGION_P = ("North", "South", "East", "West", "Central", "Islands"), (
    0.22, 0.22, 0.18, 0.18, 0.12, 0.08)
CATEGORIES = ("Electronics", "Fashion", "Beauty", "Home", "Sports", "Toys", "Books", "Grocery",
              "Garden", "Automotive", "Health", "Jewelry")
TIERS = ("small", "mid", "large")
#: Probability that the user's first test item is one of its recommendations, by gender.
HIT = {"F": 0.30, "M": 0.36, "U": 0.33}
CHUNK_USERS = 500_000


def generate(folder: Path, rows: int, *, k: int = 10, seed: int = 0) -> dict:
    """Write the five tables under ``folder``; returns their sizes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_users = max(rows // k, 100)
    n_items = int(min(max(1_000, n_users // 20), 200_000))
    rng = np.random.default_rng(seed)
    for sub in ("interactions", "test", "recs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    cat = rng.integers(0, len(CATEGORIES), n_items)
    pq.write_table(pa.table({
        "item_id": np.arange(n_items, dtype=np.int32),
        "category": np.asarray(CATEGORIES, dtype=object)[cat],
        "brand_tier": np.asarray(TIERS, dtype=object)[rng.choice(3, n_items, p=(0.5, 0.3, 0.2))],
        "price": np.round(rng.lognormal(3.5, 0.8, n_items), 2)}), folder / "items.parquet")
    counts = {"users": n_users, "items": n_items, "interactions": 0, "test": 0, "recs": 0}
    writer = None
    for part, start in enumerate(range(0, n_users, CHUNK_USERS)):
        n = min(CHUNK_USERS, n_users - start)
        users = np.arange(start, start + n, dtype=np.int64)
        gender = rng.choice(3, n, p=GENDER_P)
        age = rng.choice(len(AGES), n, p=AGE_P)
        region = rng.choice(len(REGIONS), n, p=REGION_P)
        table = pa.table({"user_id": users,
                          "gender": np.asarray(GENDERS, dtype=object)[gender],
                          "age_group": np.asarray(AGES, dtype=object)[age],
                          "region": np.asarray(REGIONS, dtype=object)[region]})
        if writer is None:
            writer = pq.ParquetWriter(folder / "users.parquet", table.schema)
        writer.write_table(table)
        # recommendations: k distinct items per user, (start + j * stride) mod n_items
        r0 = np.floor(n_items * rng.random(n) ** 2.5).astype(np.int64)
        stride = rng.integers(1, 4, n)
        ranks = np.arange(k)
        rec_items = (r0[:, None] + ranks[None, :] * stride[:, None]) % n_items
        pq.write_table(pa.table({"user_id": np.repeat(users, k),
                                 "item_id": rec_items.ravel().astype(np.int32),
                                 "rank": np.tile(ranks + 1, n).astype(np.int32)}),
                       folder / "recs" / f"part-{part:05d}.parquet")
        # test: the first item is listed with a probability by gender (younger: +0.04)
        p_hit = np.asarray([HIT[g] for g in GENDERS])[gender] + 0.04 * (age <= 2)
        listed = rng.random(n) < p_hit
        t0 = np.where(listed, rec_items[np.arange(n), rng.integers(0, k, n)],
                      np.floor(n_items * rng.random(n) ** 3).astype(np.int64))
        t_n = 1 + rng.poisson(1.0, n)
        t_user = np.repeat(users, t_n)
        offset = np.arange(t_n.sum()) - np.repeat(np.cumsum(t_n) - t_n, t_n)
        t_items = (np.repeat(t0, t_n) + offset * 13) % n_items
        pq.write_table(pa.table({"user_id": t_user, "item_id": t_items.astype(np.int32)}),
                       folder / "test" / f"part-{part:05d}.parquet")
        # history: 1 + Poisson(4) items per user, popularity-skewed
        h_n = 1 + rng.poisson(4.0, n)
        h0 = np.floor(n_items * rng.random(n) ** 3).astype(np.int64)
        offset = np.arange(h_n.sum()) - np.repeat(np.cumsum(h_n) - h_n, h_n)
        h_items = (np.repeat(h0, h_n) + offset * 7) % n_items
        pq.write_table(pa.table({"user_id": np.repeat(users, h_n),
                                 "item_id": h_items.astype(np.int32)}),
                       folder / "interactions" / f"part-{part:05d}.parquet")
        counts["recs"] += n * k
        counts["test"] += int(t_n.sum())
        counts["interactions"] += int(h_n.sum())
    writer.close()
    return counts


_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(pid: int) -> dict:
    """``{pid: (cpu seconds, rss bytes)}`` of ``pid``'s descendants (not ``pid``), from /proc."""
    parents, stats = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        stats[int(entry)] = ((int(fields[11]) + int(fields[12])) / _TICK,
                             int(fields[21]) * _PAGE)
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        for child, parent in parents.items():
            if parent == p and child not in out:
                out[child] = stats[child]
                todo.append(child)
    return out


def run_audit(folder: Path, out: Path, *, bootstrap: int, permutations: int,
              memory_limit: str, threads: int, engine: str = "duckdb") -> dict:
    """One CLI audit in a child process: wall seconds, CPU seconds and peak RSS (bytes) of the
    process and, for Spark, of its JVM (the child's descendants, sampled from /proc every
    0.2 s: their CPU is their last sample, their RSS is added to the child's at each sample),
    exit status."""
    extra = ["--master", f"local[{threads}]"] if engine == "spark" else []
    cmd = [sys.executable, "-m", "fairrec_core", "audit", "--engine", engine, *extra,
           "--users", str(folder / "users.parquet"), "--items", str(folder / "items.parquet"),
           "--interactions", str(folder / "interactions"), "--test", str(folder / "test"),
           "--recommendations", str(folder / "recs" / "*.parquet"),
           "--groups", "gender,age_group,region", "--bootstrap", str(bootstrap),
           "--permutations", str(permutations), "--memory-limit", memory_limit,
           "--threads", str(threads), "--out", str(out), "--force", "--quiet"]
    t0 = time.perf_counter()
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    cpu, peak = {}, 0
    while True:
        done, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if done:
            break
        tree = _tree(proc.pid)
        cpu.update({p: c for p, (c, _) in tree.items()})
        try:
            with open(f"/proc/{proc.pid}/statm") as fh:
                own = int(fh.read().split()[1]) * _PAGE
        except OSError:
            own = 0
        peak = max(peak, own + sum(r for _, r in tree.values()))
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    errors.seek(0)
    err = errors.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    # wait4: the child and the descendants it waited for (pyspark does not wait for its JVM,
    # killed at exit: its CPU is the last sample of /proc, reported apart and added)
    return {"seconds": seconds, "cpu_child": usage.ru_utime + usage.ru_stime,
            "cpu_tree": sum(cpu.values()), "rss": max(usage.ru_maxrss * 1024, peak),
            "status": proc.returncode, "stderr": err.strip()[-400:]}


ML1M_SIZE = "synthetic:users=6040,items=3706,interactions=1000209"
#: The bootstrap's columns (Poisson against multinomial): left out of the exactness check.
BOOTSTRAP = {"groups": ("ci_lo", "ci_hi"), "overall_ci": ("ci_lo", "ci_hi"),
             "gaps": ("critical_value_bootstrap", "ci_lo_percentile", "ci_hi_percentile")}
TABLES = ("users", "groups", "gaps", "vs_rest", "pairwise", "reference", "adjusted", "parity",
          "parity_values", "parity_gaps", "parity_js", "item_exposure", "exposure", "lorenz",
          "popularity")
#: Columns derived from standard errors (square roots of differences of sums: where a true
#: variance is 0, rounding leaves ~1e-10 in either engine): reported apart.
SE_COLUMNS = ("se", "ci_lo", "ci_hi", "statistic", "min_detectable_gap", "ci_lo_single",
              "ci_hi_single")


def largest_difference(a, b) -> float:
    """The largest absolute difference between two frames' numbers (inf where their shapes,
    NaN or text differ)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return float("inf")
    worst = 0.0
    for column in a.columns:
        x, y = a[column], b[column]
        if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
            x, y = x.to_numpy(float), y.to_numpy(float)
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                return float("inf")
            if (~np.isnan(x)).any():
                worst = max(worst, float(np.nanmax(np.abs(x - y))))
        elif not (x.astype(str).to_numpy() == y.astype(str).to_numpy()).all():
            return float("inf")
    return worst


def exact(threads: int) -> int:
    """The ML-1M-size exactness check (see the module docstring)."""
    from fairrec_core.audit import AuditContext
    from fairrec_core.data import load_dataset, split_dataset
    from fairrec_core.engines import DuckDBContext
    from fairrec_core.external import read_recommendations, read_test
    from fairrec_core.models import MODELS, top_n

    data = load_dataset(ML1M_SIZE)
    split = split_dataset(data, method="random", test_size=0.2, seed=42)
    t0 = time.perf_counter()
    lists = top_n(MODELS["ease"]().fit(split.train), np.flatnonzero(split.test.user_counts > 0),
                  10)
    print(f"ML-1M-size shop: {data.n_users:,} users, {data.n_items:,} items, "
          f"{data.n_interactions:,} interactions; EASE top-10 in {time.perf_counter() - t0:.1f} s")
    folder = Path(tempfile.mkdtemp(prefix="fairrec-exact-"))
    t = split.test.interactions
    test = {"user_id": data.user_vocab.lookup(t["user"].to_numpy()),
            "item_id": data.item_vocab.lookup(t["item"].to_numpy())}
    import pandas as pd

    recs, test = lists.to_frame(split.train), pd.DataFrame(test)
    for kind in ("csv", "parquet"):
        getattr(recs, f"to_{kind}")(folder / f"recs.{kind}", index=False)
        getattr(test, f"to_{kind}")(folder / f"test.{kind}", index=False)
    t0 = time.perf_counter()
    train, held = read_test((folder / "test.csv").read_bytes(), data)
    imported = read_recommendations((folder / "recs.csv").read_bytes(), data, test=held)
    memory = AuditContext(train, held, k=10).audit(imported.lists, n_bootstrap=200,
                                                   n_permutations=200, seed=0)
    print(f"  memory engine (CSV, 200 + 200): {time.perf_counter() - t0:.1f} s")
    worst_all = 0.0
    for kind in ("csv", "parquet"):
        t0 = time.perf_counter()
        with DuckDBContext.from_dataset(data, test=folder / f"test.{kind}", threads=threads) as c:
            result = c.audit(folder / f"recs.{kind}", n_bootstrap=200, n_permutations=200,
                             seed=0)
        print(f"  duckdb engine ({kind}, 200 + 200): {time.perf_counter() - t0:.1f} s")
        worst = {"overall": float(np.nanmax(np.abs(memory.overall.to_numpy(float)
                                                   - result.overall.to_numpy(float))))}
        se_worst = 0.0
        for name in TABLES:
            a, b = getattr(memory, name), getattr(result, name)
            drop = [c for c in (*BOOTSTRAP.get(name, ()), *SE_COLUMNS) if c in a.columns]
            worst[name] = largest_difference(a.drop(columns=drop), b.drop(columns=drop))
            keep = [c for c in SE_COLUMNS if c in a.columns and c not in BOOTSTRAP.get(name, ())]
            if keep and name != "overall_ci":
                se_worst = max(se_worst, largest_difference(a[keep], b[keep]))
        print("    largest difference per table: " + ", ".join(
            f"{n} {v:.1e}" for n, v in worst.items()))
        print(f"    standard-error columns (se, intervals, statistics): {se_worst:.1e}")
        worst_all = max(worst_all, *worst.values())
    shutil.rmtree(folder, ignore_errors=True)
    print(f"exactness at ML-1M size: largest difference {worst_all:.1e} "
          f"({'met' if worst_all <= 1e-9 else 'NOT MET'} at 1e-9)")
    return 0 if worst_all <= 1e-9 else 1


def fit(xs, ys) -> tuple[float, float]:
    """Least-squares ``log y = a + b log x``: ``(b, a)``."""
    lx, ly = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    if len(lx) < 2:
        return float("nan"), float("nan")
    b, a = np.polyfit(lx, ly, 1)
    return float(b), float(a)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--permutations", type=int, default=200)
    parser.add_argument("--keep", metavar="DIR", help="write the data here and keep it")
    parser.add_argument("--engines", default="duckdb",
                        help="comma-separated: duckdb and/or spark (Spark local[THREADS] runs "
                             "each part beside DuckDB; it needs Java 17)")
    parser.add_argument("--skip", default="", help="parts to skip: a, b and/or c (e.g. 'c')")
    parser.add_argument("--exact", action="store_true",
                        help="the ML-1M-size exactness check instead of the timings")
    args = parser.parse_args(argv)
    if args.exact:
        return exact(args.threads)
    parts = [p for p in ("a", "b", "c") if p not in args.skip]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or set(engines) - {"duckdb", "spark"}:
        parser.error(f"--engines {args.engines!r}: duckdb and/or spark")
    settings = {"a": (0, 0), "b": (args.bootstrap, 0), "c": (args.bootstrap, args.permutations)}
    results = []
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (other work on the "
          "machine lengthens wall times; CPU times are steadier)")
    for rows in args.rows:
        base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fairrec-scale-"))
        folder = base / f"rows-{rows}"
        t0 = time.perf_counter()
        if not (folder / "users.parquet").exists():
            sizes = generate(folder, rows)
            (folder / "sizes.json").write_text(json.dumps(sizes))
        sizes = json.loads((folder / "sizes.json").read_text())
        gen = time.perf_counter() - t0
        disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        print(f"{rows:,} rows: {sizes['users']:,} users, {sizes['items']:,} items, "
              f"{sizes['interactions']:,} history and {sizes['test']:,} test rows; "
              f"{disk / 1e9:.2f} GB of Parquet (generated in {gen:.1f} s)", flush=True)
        for part in parts:
            for engine in engines:
                b, p = settings[part]
                out = base / f"out-{rows}-{part}-{engine}"
                load = os.getloadavg()[0]
                r = run_audit(folder, out, bootstrap=b, permutations=p,
                              memory_limit=args.memory_limit, threads=args.threads,
                              engine=engine)
                r["cpu"] = r["cpu_child"] + r["cpu_tree"]
                if engine == "duckdb":
                    results.append({"rows": rows, "part": part, **r})
                label = {"a": "point estimates", "b": f"+ {b} Poisson replicates",
                         "c": f"+ {b} replicates, {p} permutations"}[part]
                ok = "" if r["status"] == 0 else f"  FAILED ({r['status']}): {r['stderr']}"
                jvm = f" (JVM {r['cpu_tree']:.1f} s)" if engine == "spark" else ""
                name = engine if engine == "duckdb" else f"spark local[{args.threads}]"
                print(f"  ({part}) {name:<15} {label:<34} {r['seconds']:8.1f} s wall  "
                      f"{r['cpu']:8.1f} s CPU{jvm}   peak RSS {r['rss'] / 2**30:5.2f} GiB   "
                      f"load {load:.1f}{ok}", flush=True)
                shutil.rmtree(out, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    for part in parts:
        done = [r for r in results if r["part"] == part and r["status"] == 0]
        if len(done) >= 2:
            rows = [r["rows"] for r in done]
            bt, at = fit(rows, [r["seconds"] for r in done])
            bm, am = fit(rows, [r["rss"] for r in done])
            line = (f"growth ({part}): over {len(done)} sizes, time ~ rows^{bt:.2f} and peak RSS"
                    f" ~ rows^{bm:.2f}")
            # the smallest sizes are dominated by fixed costs (start-up, reading the schema):
            # the slope between the two largest is the one that says how the engine scales
            top = done[-2:]
            ratio = top[1]["rows"] / top[0]["rows"]
            line += (f"; between the two largest, time x{top[1]['seconds'] / top[0]['seconds']:.1f}"
                     f" and CPU x{top[1]['cpu'] / top[0]['cpu']:.1f} for x{ratio:.0f} rows, peak "
                     f"RSS x{top[1]['rss'] / top[0]['rss']:.2f}")
            if max(rows) < 1e8:
                line += (f"; extrapolated to 100M rows: {math.exp(at) * 1e8 ** bt:.0f} s, "
                         f"{math.exp(am) * 1e8 ** bm / 2**30:.2f} GiB")
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
