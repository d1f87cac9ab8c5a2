"""The DuckDB engine refuses what the in-memory reader refuses, with the same one-line message
(file, line, column, value, count) for CSV, ``row N`` for Parquet, and one line for what only
files can get wrong (a folder of both kinds, a pattern matching nothing)."""

from __future__ import annotations

import pandas as pd
import pytest

from fairrec_core.engines import DuckDBContext
from fairrec_core.errors import DataError
from fairrec_core.external import read_recommendations, read_test

RECS = [  # (name, rows after the header, header)
    ("no item column", "1,1\n", "user_id,rank"),
    ("no rank or score", "1,i00001\n", "user_id,item_id"),
    ("header only", "", "user_id,item_id,rank"),
    ("empty user", "u00001,i00001,1\n,i00002,2\n", "user_id,item_id,rank"),
    ("unknown user", "u00001,i00001,1\nnobody,i00002,1\nghost,i00002,2\n",
     "user_id,item_id,rank"),
    ("unknown item", "u00001,i99999,1\n", "user_id,item_id,rank"),
    ("rank not a number", "u00001,i00001,x\n", "user_id,item_id,rank"),
    ("rank not whole", "u00001,i00001,1.5\n", "user_id,item_id,rank"),
    ("rank below 1", "u00001,i00001,0\n", "user_id,item_id,rank"),
    ("rank empty", "u00001,i00001,1\nu00001,i00002,\n", "user_id,item_id,rank"),
    ("score not a number", "u00001,i00001,abc\n", "user_id,item_id,score"),
    ("score infinite", "u00001,i00001,inf\n", "user_id,item_id,score"),
    ("duplicate item", "u00001,i00001,1\nu00002,i00001,1\nu00001,i00001,2\n",
     "user_id,item_id,rank"),
    ("duplicate rank", "u00001,i00001,1\nu00001,i00002,2\nu00001,i00003,2\n",
     "user_id,item_id,rank"),
    ("tab separated", "u00001\ti00001\t1\n", "user_id\titem_id\trank"),
]


@pytest.fixture(scope="module")
def engine(shop_files):
    f = shop_files
    ctx = DuckDBContext.from_dataset(f["data"], test=f["test"]["csv"], threads=1,
                                     memory_limit="256MB")
    yield ctx
    ctx.close()


def _memory_message(data, test, path) -> str:
    with pytest.raises(DataError) as err:
        read_recommendations(path.read_bytes(), data, source=str(path), k=10, test=test)
    return str(err.value)


@pytest.mark.parametrize("name, rows, header", RECS, ids=[r[0] for r in RECS])
def test_list_checks_say_what_the_in_memory_reader_says(engine, shop_files, tmp_path, name,
                                                        rows, header):
    path = tmp_path / "recs.csv"
    path.write_text(f"{header}\n{rows}")
    _, test = read_test(shop_files["test"]["csv"].read_bytes(), shop_files["data"])
    expected = _memory_message(shop_files["data"], test, path)
    with pytest.raises(DataError) as err:
        engine.audit(path, label=str(path), n_bootstrap=0, n_permutations=0)
    assert str(err.value) == expected
    assert "\n" not in str(err.value) and str(err.value).startswith(str(path))


@pytest.mark.parametrize("rows, header", [
    ("u00001,i00001\nu00002,i99999\n", "user_id,item_id"),
    ("u00001,i00001\nu00001,i00001\n", "user_id,item_id"),
    ("u00001\n", "user_id"),
    ("", "user_id,item_id"),
])
def test_test_file_checks_say_what_the_in_memory_reader_says(shop_files, tmp_path, rows, header):
    path = tmp_path / "test.csv"
    path.write_text(f"{header}\n{rows}")
    with pytest.raises(DataError) as expected:
        read_test(path.read_bytes(), shop_files["data"], source=str(path))
    with pytest.raises(DataError) as err:
        DuckDBContext.from_dataset(shop_files["data"], test=path, test_label=str(path))
    assert str(err.value) == str(expected.value)


def test_parquet_faults_name_the_row(engine, tmp_path):
    frame = pd.DataFrame({"user_id": ["u00001", "u00002", "u00001"],
                          "item_id": ["i00001", "i00003", "i00001"], "rank": [1, 1, 2]})
    path = tmp_path / "recs.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(DataError, match=r"recs\.parquet: row 3: duplicate \(user_id, item_id\) "
                                        r"\('u00001', 'i00001'\); each must appear once"):
        engine.audit(path, n_bootstrap=0, n_permutations=0)
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:2].to_parquet(folder / "a.parquet", index=False)
    frame.iloc[2:].assign(item_id="nothing").to_parquet(folder / "b.parquet", index=False)
    with pytest.raises(DataError, match=r"parts/b\.parquet: row 1: item_id 'nothing' is not in "
                                        r"the dataset \(1 rows name unknown item_ids\)"):
        engine.audit(folder, n_bootstrap=0, n_permutations=0)


def test_folders_and_patterns(engine, tmp_path):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"user_id": ["u00001"], "item_id": ["i00001"], "rank": [1]}).to_csv(
        mixed / "a.csv", index=False)
    pd.DataFrame({"user_id": ["u00001"], "item_id": ["i00002"], "rank": [2]}).to_parquet(
        mixed / "b.parquet", index=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    for source, message in ((mixed, "the folder holds both Parquet and CSV files"),
                            (empty, "the folder holds no .parquet, .pq or .csv file"),
                            (tmp_path / "none-*.parquet", "the pattern matches no file"),
                            (tmp_path / "missing.csv", "no such file or folder")):
        with pytest.raises(DataError, match=message):
            engine.audit(source, label=str(source), n_bootstrap=0, n_permutations=0)
    # a glob over CSV parts reads them in name order, as one file
    (mixed / "b.parquet").unlink()
    pd.DataFrame({"user_id": ["u00001"], "item_id": ["i00002"], "rank": [2]}).to_csv(
        mixed / "b.csv", index=False)
    result = engine.audit(mixed / "*.csv", n_bootstrap=0, n_permutations=0)
    assert result.users.set_index("user_id").loc["u00001", "precision"] >= 0


def test_files_checks(shop_files, tmp_path):
    """Users and items files: required, present and unique ids; a numeric age."""
    folder = shop_files["folder"]
    users = pd.read_csv(folder / "users.csv", dtype=str)
    cases = {
        "dup": (pd.concat([users, users.iloc[[3]]]), r"users\.csv: line 702: duplicate "
                                                     r"user_id 'u00003'; ids must be unique"),
        "age": (users.assign(age=["x"] + list(users["age"][1:])),
                r"users\.csv: line 2: column 'age' has 'x', expected a numeric age"),
        "noid": (users.drop(columns="user_id"), r"missing required column 'user_id'"),
    }
    for name, (frame, message) in cases.items():
        path = tmp_path / name / "users.csv"
        path.parent.mkdir()
        frame.to_csv(path, index=False)
        with pytest.raises(DataError, match=message):
            DuckDBContext.from_files(users=path, items=folder / "items.csv",
                                     test=shop_files["test"]["csv"])
