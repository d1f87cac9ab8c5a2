"""Hostile-input generators shared by the fuzz test and ``benchmarks/bench_fuzz.py``.

Each generator builds one small input on disk from a ``random.Random`` — a valid tiny dataset
(CSV folder, MovieLens 100K folder, a zip of either, recommendation lists) with a few hostile
mutations — and returns a :class:`Case`: the spec (or call) that loads it and the file names a
refusal must mention. :func:`check_case` runs it and says whether the outcome is acceptable:
a dataset whose numbers are all finite and inside the documented ranges, or a one-line
``FairrecError`` naming a file.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fairrec_core.data import Dataset, load_dataset
from fairrec_core.data._values import FLOAT32_MAX, TIMESTAMP_MAX
from fairrec_core.errors import FairrecError

#: Values a hostile file puts in a cell.
HOSTILE = [
    "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e30", "-1e30", "1e39", "1e400",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1" * 400, "0x1F",
    "1_000", "1.5", "-1", "0", "2300-01-01", "1969-12-31", "2024-02-30", "9999-12-31T23:59:59",
    '"', '""', '"a,b"', "a\"b", "\x00", "\xff", "é", "\u202e", "a|b", "a\tb", "::", "\\", "%s",
    "-0", "+5", "5e-324", "1e-400", "3.4028236e38", "3.4028234e38", "150", "151", "1e2",
]

#: Limits lowered for the fuzz run, so bombs and wide files stay small on disk.
FUZZ_LIMITS = {
    "FAIRREC_MAX_FILE_BYTES": str(200_000),
    "FAIRREC_MAX_MEMBER_BYTES": str(200_000),
    "FAIRREC_MAX_ZIP_RATIO": "50",
    "FAIRREC_MAX_ZIP_MEMBERS": "40",
    "FAIRREC_MAX_COLUMNS": "60",
    "FAIRREC_MAX_ROWS": "5000",
    "FAIRREC_MAX_USERS": "2000",
    "FAIRREC_MAX_ITEMS": "2000",
}

KINDS = ("csv", "movielens", "zip", "lists")


@dataclass
class Case:
    kind: str
    names: tuple[str, ...]  # a refusal must mention one of these
    spec: str | None = None
    lists: tuple[bytes, bytes] | None = None  # recommendations, test

    def load(self):
        if self.lists is not None:
            from fairrec_core.external import read_recommendations, read_test

            data = load_dataset(self.spec)
            _, test = read_test(self.lists[1], data, source="test.csv")
            return read_recommendations(self.lists[0], data, source="recommendations.csv", test=test)
        return load_dataset(self.spec)


# ---- valid tiny datasets ---------------------------------------------------------------------
def csv_files(rng: random.Random) -> dict[str, str]:
    n_u, n_i = rng.randint(2, 6), rng.randint(2, 6)
    users = ["user_id,gender,age,region"] + [
        f"u{u},{rng.choice('FMU')},{rng.randint(16, 80)},{rng.choice(['N', 'S'])}" for u in range(n_u)
    ]
    items = ["item_id,title,category,price"] + [
        f"i{i},Item {i},{rng.choice(['A', 'B'])},{rng.uniform(1, 99):.2f}" for i in range(n_i)
    ]
    inter = ["user_id,item_id,rating,timestamp"]
    for u in range(n_u):
        for i in rng.sample(range(n_i), rng.randint(1, n_i)):
            ts = rng.choice([str(rng.randint(0, 2_000_000_000)), "2024-05-01", "2021-01-01T10:00:00Z"])
            inter.append(f"u{u},i{i},{rng.randint(1, 5)},{ts}")
    return {"users.csv": "\n".join(users) + "\n", "items.csv": "\n".join(items) + "\n",
            "interactions.csv": "\n".join(inter) + "\n"}


GENRES = ["unknown", "Action", "Comedy", "Drama"]


def ml100k_files(rng: random.Random) -> dict[str, str]:
    n_u, n_i = rng.randint(2, 6), rng.randint(2, 6)
    users = [f"{u}|{rng.randint(7, 73)}|{rng.choice('FM')}|writer|{rng.randint(10000, 99999)}"
             for u in range(1, n_u + 1)]
    items = [f"{i}|Film {i} (1995)|01-Jan-1995||http://x|" + "|".join(rng.choice("01") for _ in GENRES)
             for i in range(1, n_i + 1)]
    data = [f"{u}\t{i}\t{rng.randint(1, 5)}\t{rng.randint(874_724_710, 893_286_638)}"
            for u in range(1, n_u + 1) for i in rng.sample(range(1, n_i + 1), rng.randint(1, n_i))]
    genre = [f"{g}|{k}" for k, g in enumerate(GENRES)]
    return {"u.data": "\n".join(data) + "\n", "u.user": "\n".join(users) + "\n",
            "u.item": "\n".join(items) + "\n", "u.genre": "\n".join(genre) + "\n\n"}


# ---- mutations ---------------------------------------------------------------------------------
def mutate_text(text: str, rng: random.Random, sep: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(9)
        row = rng.randrange(len(lines))
        cells = lines[row].split(sep)
        if op <= 2:  # a hostile cell
            cells[rng.randrange(len(cells))] = rng.choice(HOSTILE)
        elif op == 3:  # duplicate a column (in every line)
            col = rng.randrange(len(cells))
            lines = [sep.join([*ln.split(sep), ln.split(sep)[min(col, len(ln.split(sep)) - 1)]])
                     if ln else ln for ln in lines]
            continue
        elif op == 4:  # drop a column
            col = rng.randrange(len(cells))
            lines = [sep.join(c for k, c in enumerate(ln.split(sep)) if k != col) for ln in lines]
            continue
        elif op == 5:  # rename a header column / duplicate a header name
            cells[rng.randrange(len(cells))] = rng.choice(["user_id", "item_id", "rank", "x", "", '"q'])
            lines[0] = sep.join(cells) if row == 0 else lines[0]
            continue
        elif op == 6:  # truncate
            return "\n".join(lines)[: rng.randrange(len(text) + 1)]
        elif op == 7:  # wide line or many extra fields
            cells += ["x"] * rng.choice([1, 5, 80])
        else:  # duplicate a row or inject a stray quote
            lines.insert(row, lines[row] if rng.random() < 0.5 else lines[row] + '"')
            continue
        lines[row] = sep.join(cells)
    return "\n".join(lines)


def mutate_files(files: dict[str, str], rng: random.Random, sep_of) -> dict[str, bytes]:
    out = {name: text.encode("utf-8") for name, text in files.items()}
    if rng.random() < 0.15:  # some cases stay valid
        return out
    for name in rng.sample(sorted(files), rng.choice([1, 1, 1, 2, len(files)])):
        out[name] = mutate_text(files[name], rng, sep_of(name)).encode("utf-8", "surrogatepass")
    if rng.random() < 0.15:  # raw bytes injected
        name = rng.choice(sorted(out))
        pos = rng.randrange(len(out[name]) + 1)
        out[name] = out[name][:pos] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + out[name][pos:]
    if rng.random() < 0.05:  # a file over the (lowered) size limit
        out[rng.choice(sorted(out))] += b"\n" * 250_000
    return out


def _ml_sep(name: str) -> str:
    return "\t" if name == "u.data" else "|"


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
    return folder


# ---- zips ------------------------------------------------------------------------------------
def raw_zip(members) -> bytes:
    """A zip archive written by hand, so its directory can say anything: ``members`` are
    ``(name, payload, method, crc, declared_size)`` with ``payload`` already compressed."""
    out, central = io.BytesIO(), []
    for name, payload, method, crc, size in members:
        offset = out.tell()
        nb = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc,
                              len(payload), size, len(nb), 0) + nb + payload)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc,
                                   len(payload), size, len(nb), 0, 0, 0, 0, 0, offset) + nb)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    return out.getvalue()


def deflate_raw(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zeros_bomb(total: int, chunk: int = 1 << 20) -> bytes:
    """A raw deflate stream of ``total`` zero bytes built without compressing them all: one
    full-flushed (byte-aligned, dictionary-reset) block repeated, then an empty final block."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return block * (total // chunk) + b"\x03\x00"


def zip_files(files: dict[str, bytes], rng: random.Random, prefix: str = "ml/") -> bytes:
    members = [(prefix + n, deflate_raw(raw), 8, zlib.crc32(raw), len(raw)) for n, raw in files.items()]
    op = rng.randrange(8)
    if op == 1:  # bad CRC
        k = rng.randrange(len(members))
        name, payload, method, crc, size = members[k]
        members[k] = (name, payload, method, crc ^ 0x5A5A, size)
    elif op == 2:  # the same base name twice
        name, payload, method, crc, size = rng.choice(members)
        members.append(("other/" + name.rsplit("/", 1)[-1], payload, method, crc, size))
    elif op == 3:  # a big-ratio member (honest or lying directory)
        k = rng.randrange(len(members))
        bomb = zeros_bomb(1 << 20, 1 << 16)
        members[k] = (members[k][0], bomb, 8, 0, rng.choice([1 << 20, 100]))
    elif op == 4:  # a member whose directory lies about its size
        k = rng.randrange(len(members))
        name, payload, method, crc, size = members[k]
        members[k] = (name, payload, method, crc, max(0, size + rng.choice([-5, 7])))
    elif op == 5:  # unsupported method (bzip2 id) or garbage deflate
        k = rng.randrange(len(members))
        name, payload, method, crc, size = members[k]
        members[k] = (name, payload if rng.random() < 0.5 else b"\xff" * len(payload),
                      rng.choice([12, 8]), crc, size)
    elif op == 6:  # too many members
        members += [(f"pad/{k}.txt", b"\x03\x00", 8, 0, 0) for k in range(45)]
    blob = raw_zip(members)
    if op == 7:  # truncated or damaged archive
        cut = rng.randrange(len(blob))
        blob = blob[:cut] if rng.random() < 0.5 else blob[:cut] + b"\xff" + blob[cut + 1:]
    return blob


# ---- cases -----------------------------------------------------------------------------------
def make_case(kind: str, rng: random.Random, tmp: Path) -> Case:
    tmp.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        files = mutate_files(csv_files(rng), rng, lambda n: ",")
        if rng.random() < 0.3:
            files.pop(rng.choice(["users.csv", "items.csv"]))
        folder = write_folder(tmp / "csvdata", files)
        return Case(kind, tuple(files), spec=f"csv:{folder}")
    if kind == "movielens":
        files = mutate_files(ml100k_files(rng), rng, _ml_sep)
        if rng.random() < 0.2:
            files.pop("u.genre")
        folder = write_folder(tmp / "ml", files)
        if rng.random() < 0.15:  # a second copy one level down
            write_folder(folder / "copy", {"u.data": files["u.data"]})
        return Case(kind, tuple(files) + ("ml",), spec=f"movielens:{folder}")
    if kind == "zip":
        base = ml100k_files(rng)
        files = mutate_files(base, rng, _ml_sep) if rng.random() < 0.5 else {
            n: t.encode() for n, t in base.items()}
        path = tmp / "ml.zip"
        path.write_bytes(zip_files(files, rng))
        return Case(kind, ("ml.zip",), spec=f"movielens:{path}")
    if kind == "lists":
        folder = write_folder(tmp / "base", {n: t.encode() for n, t in csv_files(random.Random(1)).items()})
        data = load_dataset(f"csv:{folder}")
        users, items = list(data.users["user_id"]), list(data.items["item_id"])
        recs = ["user_id,item_id,rank,score"] + [
            f"{u},{i},{r + 1},{1 - r / 10:.2f}" for u in users for r, i in enumerate(items[:3])]
        test = ["user_id,item_id"] + [f"{u},{items[-1]}" for u in users]
        recs_t, test_t = "\n".join(recs) + "\n", "\n".join(test) + "\n"
        if rng.random() < 0.7:
            recs_t = mutate_text(recs_t, rng, ",")
        if rng.random() < 0.4:
            test_t = mutate_text(test_t, rng, ",")
        return Case(kind, ("recommendations.csv", "test.csv"), spec=f"csv:{folder}",
                    lists=(recs_t.encode("utf-8", "surrogatepass"), test_t.encode("utf-8", "surrogatepass")))
    raise ValueError(kind)


def check_dataset(data: Dataset) -> None:
    """Every numeric column finite and inside the documented ranges."""
    inter = data.interactions
    value = inter["value"].to_numpy(np.float64)
    assert np.isfinite(value).all() and (np.abs(value) <= FLOAT32_MAX).all()
    ts = inter["timestamp"].to_numpy()
    assert ts.dtype == np.int64 and (ts >= 0).all() and (ts <= TIMESTAMP_MAX).all()
    for col in ("user", "item"):
        idx = inter[col].to_numpy()
        n = data.n_users if col == "user" else data.n_items
        assert ((idx >= 0) & (idx < n)).all()
    if "age" in data.users.columns:
        age = data.users["age"].to_numpy(np.float64)
        assert ((np.isnan(age)) | ((age >= 0) & (age <= 150))).all()
    if "price" in data.items.columns:
        price = data.items["price"].to_numpy(np.float64)
        assert (np.isnan(price) | (np.isfinite(price) & (price >= 0))).all()
    for table, col in ((data.users, "user_id"), (data.items, "item_id")):
        ids = table[col]
        if ids.dtype.kind in "iuf":
            arr = ids.to_numpy(np.float64)
            assert np.isfinite(arr).all() and (arr >= 0).all() and (arr < 2.0**53).all()
    assert data.matrix.nnz == len(inter)


def check_lists(imported) -> None:
    from fairrec_core.ranking import PAD_ITEM

    lists = imported.lists
    real = lists.items != PAD_ITEM
    assert np.isfinite(np.asarray(lists.scores, dtype=np.float64)[real]).all()


def check_case(case: Case) -> str:
    """``"loaded"`` or ``"refused"``; raises AssertionError for an unacceptable outcome (any
    exception other than a one-line FairrecError naming the file is left to propagate)."""
    try:
        out = case.load()
    except FairrecError as exc:
        msg = str(exc)
        assert "\n" not in msg and "\r" not in msg, f"multi-line message: {msg!r}"
        assert len(msg) < 500, f"message of {len(msg)} characters: {msg[:200]!r}"
        assert any(n in msg for n in case.names) or msg.startswith("FAIRREC_"), (
            f"message names no file: {msg!r}")
        return "refused"
    if case.lists is not None:
        check_lists(out)
    else:
        check_dataset(out)
    return "loaded"
