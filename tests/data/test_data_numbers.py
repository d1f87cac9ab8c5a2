"""Issue 13, numbers that used to load silently wrong (-2^63 timestamps, inf ratings, ages 1e30)
or crash (OutOfBoundsDatetime, a repeated genre name), duplicate columns, stray quotes: each
is refused with its exact one-line message; values at the edges of the documented ranges
load unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.data import load_dataset
from fairrec_core.data._values import FLOAT32_MAX, TIMESTAMP_MAX
from fairrec_core.errors import FairrecError
from tests.data.test_data_archives import FILES, ml_folder

TS_RANGE = "whole unix seconds from 0 (1970-01-01) to 7,258,118,400 (2200-01-01)"
VALUE_RANGE = "a finite number within float32 range (|x| <= 3.4e38)"


def refused(spec) -> str:
    with pytest.raises(FairrecError) as info:
        load_dataset(spec)
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 500
    return msg


def csv_dir(folder, **files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


# ---- CSV folders -------------------------------------------------------------------------
@pytest.mark.parametrize("ts", ["1e30", "inf", "9223372036854775808", "-1", "1.5", "7258118401", "1969-12-31"])
def test_csv_timestamp_out_of_range(tmp_path, ts):
    d = csv_dir(tmp_path / "d", interactions=f"user_id,item_id,timestamp\n1,a,10\n1,b,{ts}\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'interactions.csv'}: line 3: column 'timestamp' has '{ts}', expected {TS_RANGE} "
        "or an ISO date in that range")


@pytest.mark.parametrize("ts", ["2300-01-01", "nan", "10000-01-01"])
def test_csv_timestamp_date_past_2200_is_one_line(tmp_path, ts):
    d = csv_dir(tmp_path / "d", interactions=f"user_id,item_id,timestamp\n1,a,10\n1,b,{ts}\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'interactions.csv'}: line 3: column 'timestamp' has '{ts}', expected a unix time or "
        "an ISO date from 1970-01-01 to 2200-01-01")


def test_csv_timestamps_at_the_edges_load(tmp_path):
    d = csv_dir(tmp_path / "d", interactions=(
        f"user_id,item_id,timestamp\n1,a,0\n1,b,{TIMESTAMP_MAX}\n1,c,2199-12-31T23:59:59Z\n1,d,1970-01-01\n"))
    ds = load_dataset(f"csv:{d}")
    ts = dict(zip(ds.items["item_id"][ds.interactions["item"]], ds.interactions["timestamp"], strict=True))
    assert ts == {"a": 0, "b": TIMESTAMP_MAX, "c": TIMESTAMP_MAX - 1, "d": 0}


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "1e39", "-1e39", "nan", "NaN"])
def test_csv_rating_not_finite_float32(tmp_path, value):
    d = csv_dir(tmp_path / "d", interactions=f"user_id,item_id,rating\n1,a,{value}\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'interactions.csv'}: line 2: column 'value' has '{value}', expected a numeric rating "
        f"or weight, {VALUE_RANGE}")


def test_csv_rating_at_float32_max_loads(tmp_path):
    d = csv_dir(tmp_path / "d", interactions=f"user_id,item_id,rating\n1,a,{FLOAT32_MAX!r}\n1,b,-2.5\n")
    values = load_dataset(f"csv:{d}").interactions["value"].to_numpy()
    assert values.dtype == np.float32 and np.isfinite(values).all()
    assert sorted(values.tolist()) == [-2.5, float(np.float32(FLOAT32_MAX))]


@pytest.mark.parametrize("age", ["1e30", "inf", "-1", "151", "nan"])
def test_csv_age_out_of_range(tmp_path, age):
    d = csv_dir(tmp_path / "d", interactions="user_id,item_id\n1,a\n", users=f"user_id,age\n1,{age}\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'users.csv'}: line 2: column 'age' has '{age}', expected a numeric age, from 0 to 150")


@pytest.mark.parametrize("price", ["inf", "-1", "nan", "1e400"])
def test_csv_price_not_finite_or_negative(tmp_path, price):
    d = csv_dir(tmp_path / "d", interactions="user_id,item_id\n1,a\n", items=f"item_id,price\na,{price}\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'items.csv'}: line 2: column 'price' has '{price}', expected a numeric price, "
        "a finite number >= 0")


def test_csv_ids_are_strings_never_numbers(tmp_path):
    """'Infinity' and 'nan' as CSV ids are ids like any other text: no -2^63 user appears."""
    d = csv_dir(tmp_path / "d", interactions="user_id,item_id\nInfinity,a\nnan,b\n1,a\n",
                users="user_id,gender\nInfinity,F\nnan,M\n1,F\n")
    ds = load_dataset(f"csv:{d}")
    assert list(ds.users["user_id"]) == ["Infinity", "nan", "1"]
    assert ds.users["user_id"].map(type).eq(str).all()
    assert ds.n_interactions == 3


@pytest.mark.parametrize(
    ("header", "name", "first", "second"),
    [("user_id,item_id,user_id", "user_id", 1, 3), ("user_id,item_id,rating,item_id", "item_id", 2, 4),
     ("user_id, item_id,item_id ", "item_id", 2, 3)],
)
def test_csv_duplicate_column(tmp_path, header, name, first, second):
    d = csv_dir(tmp_path / "d", interactions=f"{header}\n" + ",".join("1" * header.count(",")) + ",1\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'interactions.csv'}: line 1: column '{name}' appears twice (columns {first} and "
        f"{second}); every column name must be unique")


def test_csv_stray_quote_in_header(tmp_path):
    d = csv_dir(tmp_path / "d", interactions='user_id,"item_id,rating\n1,a,4\n2,"b",5\n')
    assert refused(f"csv:{d}") == f"{d / 'interactions.csv'}: line 1: unbalanced quote in the header"


def test_csv_more_fields_than_header(tmp_path):
    """pandas would silently take the extra field as an index and shift every column."""
    d = csv_dir(tmp_path / "d", interactions="user_id,item_id\n1,a,5\n2,b,4\n")
    assert refused(f"csv:{d}") == (
        f"{d / 'interactions.csv'}: line 2: more fields than the 2 column(s) of the header")


# ---- MovieLens 100K --------------------------------------------------------------------------
@pytest.mark.parametrize("ts", ["1e30", "inf", "9223372036854775808", "-5", "874965758.5"])
def test_ml_timestamp_out_of_range(tmp_path, ts):
    folder = ml_folder(tmp_path / "ml", **{"u.data": f"1\t1\t5\t874965758\n1\t2\t3\t{ts}\n"})
    assert refused(f"movielens:{folder}") == (
        f"{folder / 'u.data'}: line 2: column 'timestamp' has '{ts}', expected a unix timestamp, {TS_RANGE}")


@pytest.mark.parametrize("rating", ["inf", "1e400", "1e39", "nan"])
def test_ml_rating_not_finite_float32(tmp_path, rating):
    folder = ml_folder(tmp_path / "ml", **{"u.data": f"1\t1\t{rating}\t874965758\n"})
    msg = refused(f"movielens:{folder}")
    assert msg == (
        f"{folder / 'u.data'}: line 1: column 'rating' has '{rating}', expected a numeric rating, {VALUE_RANGE}")


@pytest.mark.parametrize("uid", ["Infinity", "nan", "-1", "1e30", "1.5"])
def test_ml_user_id_not_a_whole_number(tmp_path, uid):
    folder = ml_folder(tmp_path / "ml", **{"u.data": f"1\t1\t5\t874965758\n{uid}\t2\t3\t874965758\n"})
    msg = refused(f"movielens:{folder}")
    assert msg == (f"{folder / 'u.data'}: line 2: column 'user_id' has '{uid}', expected an integer id, "
                   "a whole number from 0 to 2^53 - 1")


@pytest.mark.parametrize("age", ["1e30", "inf", "151", "-1"])
def test_ml_user_age_out_of_range(tmp_path, age):
    folder = ml_folder(tmp_path / "ml", **{"u.user": f"1|24|M|technician|85711\n2|{age}|F|other|94043\n"})
    assert refused(f"movielens:{folder}") == (
        f"{folder / 'u.user'}: line 2: column 'age' has '{age}', expected an integer age, from 0 to 150")


def test_ml_genre_flag_not_0_or_1(tmp_path):
    folder = ml_folder(tmp_path / "ml", **{"u.item": FILES["u.item"].replace("|0|0|1|0\n", "|0|0|2|0\n", 1)})
    assert refused(f"movielens:{folder}") == (
        f"{folder / 'u.item'}: line 1: column 'Comedy' has '2', expected a genre flag, 0 or 1")


def test_ml_repeated_genre_name(tmp_path):
    folder = ml_folder(tmp_path / "ml", **{"u.genre": "unknown|0\nAction|1\nAction|2\nDrama|3\n"})
    assert refused(f"movielens:{folder}") == (
        f"{folder / 'u.genre'}: line 3: genre 'Action' appears twice; genre names must be unique")


def test_ml_short_genre_file(tmp_path):
    folder = ml_folder(tmp_path / "ml", **{"u.genre": "unknown|0\nAction|1\nComedy|2\n"})
    assert refused(f"movielens:{folder}") == (
        f"{folder / 'u.item'}: 4 genre flag columns, but {folder / 'u.genre'} names 3 genres; "
        "the two files must agree")


def test_ml_empty_genre_name(tmp_path):
    folder = ml_folder(tmp_path / "ml", **{"u.genre": "unknown|0\n|1\nComedy|2\nDrama|3\n"})
    assert refused(f"movielens:{folder}") == f"{folder / 'u.genre'}: line 2: empty genre name"


def test_ml_ids_and_numbers_load_exactly(tmp_path):
    """Independent check: the tiny folder's numbers, read back, are the ones written."""
    ds = load_dataset(f"movielens:{ml_folder(tmp_path / 'ml')}")
    rows = sorted(zip(ds.users["user_id"][ds.interactions["user"]].tolist(),
                      ds.items["item_id"][ds.interactions["item"]].tolist(),
                      ds.interactions["value"].tolist(), ds.interactions["timestamp"].tolist(), strict=True))
    expected = sorted((int(a), int(b), float(c), int(d))
                      for a, b, c, d in (ln.split("\t") for ln in FILES["u.data"].splitlines()))
    assert rows == expected
    assert ds.users["age"].tolist() == [24, 53]


def test_csv_header_read_from_the_first_line_only():
    """The mapping form's header read: the names as written, without parsing the rows (a
    broken row further down does not matter), with the same header checks."""
    import csv
    import io

    from fairrec_core.data import read_csv_header

    head = "\ufeffCustomer, Item,rating\r\n"
    raw = (head + "1,a,4\n" + '2,"b,5\n' * 1000).encode("utf-8")
    assert read_csv_header(raw, "u.csv") == [c.strip() for c in next(csv.reader(io.StringIO(head[1:])))]
    with pytest.raises(FairrecError) as info:
        read_csv_header(",".join(f"c{k}" for k in range(50_000)).encode(), "u.csv")
    assert str(info.value) == "u.csv: header has 50,000 columns; at most 1,000 are allowed (FAIRREC_MAX_COLUMNS)"
    with pytest.raises(FairrecError) as info:
        read_csv_header(b"a,b,a\n1,2,3\n", "u.csv")
    assert str(info.value) == (
        "u.csv: line 1: column 'a' appears twice (columns 1 and 3); every column name must be unique")
