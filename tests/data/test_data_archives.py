"""Issue 13, data inputs that could exhaust the machine or be read ambiguously: zip bombs (honest
and lying directories), damaged archives, duplicate members or files, folder walks, and the
size / width / row / user / item limits. Each asserts the one-line message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
import zlib

import pytest

from fairrec_core.data import load_dataset, load_movielens
from fairrec_core.errors import DataError, FairrecError
from fairrec_core.limits import LimitError
from tests.conftest import ROOT
from tests.fuzz._cases import deflate_raw, raw_zip, zeros_bomb

U_USER = "1|24|M|technician|85711\n2|53|F|other|94043\n"
U_ITEM = "1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1|0\n2|GoldenEye (1995)|01-Jan-1995||http://x|0|1|0|0\n"
U_GENRE = "unknown|0\nAction|1\nComedy|2\nDrama|3\n\n"
U_DATA = "1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t878542960\n"
FILES = {"u.data": U_DATA, "u.user": U_USER, "u.item": U_ITEM, "u.genre": U_GENRE}


def ml_folder(folder, **override):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**FILES, **override}.items():
        if text is not None:
            (folder / name).write_bytes(text.encode("latin-1") if isinstance(text, str) else text)
    return folder


def ml_zip(path, members):
    """A real (zipfile-written) archive of ``{member name: text}``, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def message(spec) -> str:
    with pytest.raises(FairrecError) as info:
        load_dataset(spec)
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 500
    return msg


def test_valid_tiny_folder_and_zip_load_the_same(tmp_path):
    folder = ml_folder(tmp_path / "ml")
    archive = ml_zip(tmp_path / "ml.zip", {f"ml-100k/{n}": t for n, t in FILES.items()})
    a, b = load_movielens(folder), load_movielens(archive)
    assert (a.n_users, a.n_items, a.n_interactions) == (2, 2, 3)
    assert a.fingerprint == b.fingerprint
    assert list(a.items["categories"]) == ["Comedy", "Action"]


# ---- zip bombs: refused from the directory, memory bounded ---------------------------------------
BOMB_SCRIPT = """
import json, resource, sys
from fairrec_core.data import load_dataset
from fairrec_core.errors import FairrecError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_dataset("movielens:" + sys.argv[1]); msg = None
except FairrecError as exc:
    msg = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"message": msg, "growth_kib": after - before}))
"""


def _bomb(path, declared):
    """A ~2 MB zip whose ``u.data`` inflates to 2 GiB of zeros; its directory declares
    ``declared`` bytes (the truth, or a lie)."""
    path.write_bytes(raw_zip([
        ("ml-100k/u.data", zeros_bomb(2 << 30), 8, 0, declared),
        ("ml-100k/u.user", deflate_raw(U_USER.encode()), 8, zlib.crc32(U_USER.encode()), len(U_USER)),
        ("ml-100k/u.item", deflate_raw(U_ITEM.encode()), 8, zlib.crc32(U_ITEM.encode()), len(U_ITEM)),
    ]))
    assert path.stat().st_size < 4 << 20
    return path


@pytest.mark.parametrize(
    ("declared", "env", "expected"),
    [
        (2 << 30, {}, "!ml-100k/u.data: uncompressed size 2.0 GiB is over the 1.0 GiB limit "
                      "(FAIRREC_MAX_MEMBER_BYTES)"),
        (2 << 30, {"FAIRREC_MAX_MEMBER_BYTES": str(4 << 30)},
         "!ml-100k/u.data: compression ratio over 200:1 (2.0 GiB from 2.0 MiB; FAIRREC_MAX_ZIP_RATIO)"),
        # the directory lies (1,000 bytes): the stream is cut at the declared size and fails its CRC
        (1000, {}, "!ml-100k/u.data: damaged zip member (Bad CRC-32 for file 'ml-100k/u.data')"),
    ],
)
def test_zip_bomb_refused_with_bounded_memory(tmp_path, declared, env, expected):
    archive = _bomb(tmp_path / "bomb.zip", declared)
    out = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, str(archive)], capture_output=True, text=True,
        cwd=ROOT, timeout=300, env={**os.environ, **env},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["message"] == f"{archive}{expected}"
    assert result["growth_kib"] < 300 * 1024  # peak RSS growth under 300 MB


def test_big_ratio_member_refused_from_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_ZIP_RATIO", "20")
    archive = ml_zip(tmp_path / "r.zip", {**{n: t for n, t in FILES.items()}, "u.data": U_DATA + "\n" * 5000})
    info = zipfile.ZipFile(archive).getinfo("u.data")
    assert info.file_size > 20 * info.compress_size  # independent: the member really is over 20:1
    msg = message(f"movielens:{archive}")
    assert msg.startswith(f"{archive}!u.data: compression ratio over 20:1 (")
    assert msg.endswith("; FAIRREC_MAX_ZIP_RATIO)")


# ---- damaged archives --------------------------------------------------------------------
def test_bad_crc_names_archive_and_member(tmp_path):
    archive = tmp_path / "crc.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for n, t in FILES.items():
            zf.writestr(f"ml/{n}", t)
    raw = bytearray(archive.read_bytes())
    pos = raw.index(b"874965758")
    raw[pos] = ord("9")  # change a stored byte: the CRC no longer matches
    archive.write_bytes(bytes(raw))
    assert message(f"movielens:{archive}") == (
        f"{archive}!ml/u.data: damaged zip member (Bad CRC-32 for file 'ml/u.data')")


def test_corrupt_deflate_stream(tmp_path):
    payload = b"\xff" * 40
    archive = tmp_path / "bad.zip"
    archive.write_bytes(raw_zip([("u.data", payload, 8, 0, 100), ("u.user", b"\x03\x00", 8, 0, 0),
                                 ("u.item", b"\x03\x00", 8, 0, 0)]))
    msg = message(f"movielens:{archive}")
    assert msg.startswith(f"{archive}!u.data: damaged zip member (Error -3 while decompressing data")


def test_truncated_archive(tmp_path):
    whole = ml_zip(tmp_path / "whole.zip", {f"ml/{n}": t for n, t in FILES.items()}).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    assert message(f"movielens:{cut}") == (
        f"{cut}: damaged zip archive (no end-of-archive record; truncated?)")


def test_bad_zip_directory(tmp_path):
    blob = bytearray(raw_zip([("u.data", b"\x03\x00", 8, 0, 0)]))
    cd = blob.index(b"PK\x01\x02")
    blob[cd + 2] = 0x09  # central directory signature broken
    archive = tmp_path / "dir.zip"
    archive.write_bytes(bytes(blob))
    assert message(f"movielens:{archive}") == (
        f"{archive}: not a readable zip archive (Bad magic number for central directory)")


def test_unsupported_compression_method(tmp_path):
    archive = ml_zip(tmp_path / "b.zip", {})
    with zipfile.ZipFile(archive, "w") as zf:
        for n, t in FILES.items():
            zf.writestr(n, t, compress_type=zipfile.ZIP_BZIP2 if n == "u.data" else zipfile.ZIP_DEFLATED)
    assert message(f"movielens:{archive}") == (
        f"{archive}!u.data: compression method 12 is not read (only stored or deflated members)")


def test_too_many_members(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_ZIP_MEMBERS", "5")
    archive = ml_zip(tmp_path / "m.zip", {**FILES, "a": "", "b": ""})
    assert message(f"movielens:{archive}") == (
        f"{archive}: 6 members; at most 5 are allowed (FAIRREC_MAX_ZIP_MEMBERS)")


# ---- ambiguity: the same file twice ---------------------------------------------------------
def test_two_zip_members_with_the_same_base_name(tmp_path):
    archive = ml_zip(tmp_path / "two.zip", {
        **{f"ml-100k/{n}": t for n, t in FILES.items()}, "backup/u.data": "1\t1\t1\t874965758\n"})
    assert message(f"movielens:{archive}") == (
        f"{archive}: members 'ml-100k/u.data' and 'backup/u.data' are both named u.data; keep one")


def test_two_files_in_a_folder_tree(tmp_path):
    folder = ml_folder(tmp_path / "ml")
    ml_folder(folder / "old", **{n: None for n in ("u.user", "u.item", "u.genre")})
    msg = message(f"movielens:{folder}")
    top, sub = folder / "u.data", folder / "old" / "u.data"
    assert msg in (
        f"{folder}: u.data found twice ({top} and {sub}); keep one or point at the folder that holds it",
        f"{folder}: u.data found twice ({sub} and {top}); keep one or point at the folder that holds it",
    )


def test_both_100k_and_1m_refused(tmp_path):
    folder = ml_folder(tmp_path / "ml")
    for n in ("ratings.dat", "users.dat", "movies.dat"):
        (folder / n).write_text("1::1::1::1\n")
    assert message(f"movielens:{folder}") == (
        f"{folder}: holds both MovieLens 100K ({folder / 'u.data'}) and 1M "
        f"({folder / 'ratings.dat'}) files; point at one of them")


def test_folder_is_searched_two_levels_only(tmp_path):
    ml_folder(tmp_path / "top" / "a")  # one level down: found
    assert load_dataset(f"movielens:{tmp_path / 'top'}").n_interactions == 3
    ml_folder(tmp_path / "deep" / "a" / "b")  # two levels down: not walked
    assert message(f"movielens:{tmp_path / 'deep'}").startswith(
        f"{tmp_path / 'deep'}: expected MovieLens files u.data, u.user, u.item (100K)")


def test_unreadable_subfolder_is_one_line(tmp_path, monkeypatch):
    folder = tmp_path / "ml"
    (folder / "locked").mkdir(parents=True)
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert message(f"movielens:{folder}") == (
        f"{folder}: cannot list {folder / 'locked'} (Permission denied)")


def test_movielens_root_is_one_line():
    msg = message("movielens:/")
    assert msg.startswith("/: ")


def test_nul_in_path():
    assert message("movielens:/tmp/a\x00b") == "'/tmp/a\\x00b': a path cannot contain a NUL character"


# ---- size, width, rows, users, items -------------------------------------------------------
def test_plain_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_FILE_BYTES", "1000")
    (tmp_path / "interactions.csv").write_text("user_id,item_id\n" + "1,a\n" * 400)
    with pytest.raises(LimitError) as info:
        load_dataset(f"csv:{tmp_path}")
    assert str(info.value) == (
        f"{tmp_path / 'interactions.csv'}: 1.6 KiB is over the 1000 bytes file limit (FAIRREC_MAX_FILE_BYTES)")


def test_header_with_50000_columns(tmp_path):
    (tmp_path / "interactions.csv").write_text(",".join(f"c{k}" for k in range(50_000)) + "\n1\n")
    with pytest.raises(LimitError) as info:
        load_dataset(f"csv:{tmp_path}")
    assert str(info.value) == (
        f"{tmp_path / 'interactions.csv'}: header has 50,000 columns; at most 1,000 are allowed "
        "(FAIRREC_MAX_COLUMNS)")


def test_too_many_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_ROWS", "10")
    (tmp_path / "interactions.csv").write_text("user_id,item_id\n" + "".join(f"{k},a\n" for k in range(20)))
    with pytest.raises(LimitError) as info:
        load_dataset(f"csv:{tmp_path}")
    assert str(info.value) == (
        f"{tmp_path / 'interactions.csv'}: 21 lines; at most 10 rows are allowed (FAIRREC_MAX_ROWS)")


@pytest.mark.parametrize(("var", "what"), [("FAIRREC_MAX_USERS", "users"), ("FAIRREC_MAX_ITEMS", "items")])
def test_too_many_users_or_items(tmp_path, monkeypatch, var, what):
    monkeypatch.setenv(var, "3")
    (tmp_path / "interactions.csv").write_text("user_id,item_id\n" + "".join(f"{k},{k}\n" for k in range(5)))
    with pytest.raises(LimitError) as info:
        load_dataset(f"csv:{tmp_path}")
    assert str(info.value) == (
        f"{tmp_path / 'interactions.csv'}: 5 {what}; at most 3 are allowed ({var})")


def test_synthetic_spec_over_the_limits(monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_USERS", "500")
    with pytest.raises(LimitError) as info:
        load_dataset("synthetic:users=1000")
    assert str(info.value) == "synthetic spec: users=1,000 is over the limit of 500 (FAIRREC_MAX_USERS)"
    with pytest.raises(DataError, match="bias must be a finite number"):
        load_dataset("synthetic:bias=nan")
    with pytest.raises(DataError, match="seed must be a whole number from 0 to 2"):
        load_dataset("synthetic:seed=-1")


def test_csv_file_that_is_not_a_regular_file(tmp_path):
    """users.csv linked to /dev/zero is refused (not read forever, not skipped silently)."""
    (tmp_path / "interactions.csv").write_text("user_id,item_id\n1,a\n")
    (tmp_path / "users.csv").symlink_to("/dev/zero")
    assert message(f"csv:{tmp_path}") == f"{tmp_path / 'users.csv'}: not a regular file"
    (tmp_path / "users.csv").unlink()
    (tmp_path / "users.csv").mkdir()
    assert message(f"csv:{tmp_path}") == f"{tmp_path / 'users.csv'}: cannot read the file (Is a directory)"


def test_csv_file_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    (tmp_path / "interactions.csv").write_text("user_id,item_id\n1,a\n")
    os.mkfifo(tmp_path / "items.csv")  # no writer: a plain open() would wait forever
    assert message(f"csv:{tmp_path}") == f"{tmp_path / 'items.csv'}: not a regular file"
