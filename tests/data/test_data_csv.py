"""Your own CSVs: column mapping, aggregation of duplicates, and one clear error per bad input."""

import numpy as np
import pytest

from fairrec_core.data import load_dataset, parse_mapping
from fairrec_core.errors import DataError


def write(folder, **files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        data = text if isinstance(text, bytes) else text.encode()
        (folder / f"{name}.csv").write_bytes(data)
    return folder


GOOD_USERS = "customer,sex,age,region\nA,F,34,North\nB,M,51,South\nC,F,19,North\n"
GOOD_ITEMS = "item_id,title,category,brand,price\nx,Lamp,Home,Acme,20\ny,Shoe,Fashion,Foot,50\nz,Book,Books,Pen,9\n"
GOOD_INTER = "customer,item_id,rating,timestamp\nA,x,4,10\nA,y,5,11\nB,y,3,12\nC,z,2,2024-01-01\n"


def test_csv_with_mapping(tmp_path):
    folder = write(tmp_path / "d", interactions=GOOD_INTER, users=GOOD_USERS, items=GOOD_ITEMS)
    ds = load_dataset(f"csv:{folder}", mapping=parse_mapping(["customer=user_id", "sex=gender"]))
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (3, 3, 4)
    assert list(ds.users["gender"]) == ["F", "M", "F"]
    assert list(ds.users["age_group"].astype(str)) == ["25-34", "45-54", "18-24"]
    assert set(ds.user_attributes) >= {"gender", "age_group", "region"}
    assert list(ds.items["price_band"].astype(str)) == ["mid", "high", "low"]
    ts = ds.interactions.set_index(["user", "item"])["timestamp"]
    assert ts.loc[(2, 2)] == 1704067200  # ISO date parsed to unix seconds (UTC)
    assert ds.matrix[0, 1] == 5.0


def test_interactions_only(tmp_path):
    folder = write(tmp_path / "d", interactions="user,item\n1,a\n2,a\n2,b\n")
    ds = load_dataset(f"csv:{folder}")
    assert (ds.n_users, ds.n_items) == (2, 2)
    assert np.all(ds.interactions["value"] == 1.0)


def test_duplicates_aggregated_with_warning(tmp_path):
    folder = write(tmp_path / "d", interactions="user_id,item_id,rating,timestamp\n1,a,2,5\n1,a,4,9\n1,a,1,7\n2,a,3,1\n")
    ds = load_dataset(f"csv:{folder}")
    assert ds.n_interactions == 2
    assert ds.matrix[ds.user_vocab.index("1"), ds.item_vocab.index("a")] == 4.0  # latest by time
    assert any("2 duplicate (user, item) rows aggregated" in w for w in ds.warnings)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"interactions": ""}, r"interactions\.csv: the file is empty"),
        ({"interactions": "user_id,item_id\n"}, r"interactions\.csv: no interactions"),
        ({"interactions": "user_id;item_id;rating\n1;a;4\n"},
         r"interactions\.csv: line 1: expected comma-separated columns, the header looks semicolon-separated"),
        ({"interactions": "user_id,product,rating\n1,a,4\n"},
         r"interactions\.csv: missing required column 'item_id'"),
        ({"interactions": "user_id,item_id,rating\n1,a,4\n2,b,five\n"},
         r"interactions\.csv: line 3: column 'value' has 'five', expected a numeric rating"),
        ({"interactions": "user_id,item_id\n1,a\n,b\n"},
         r"interactions\.csv: line 3: missing user_id"),
        ({"interactions": "user_id,item_id\n1,a\n9,a\n", "users": "user_id,gender\n1,F\n"},
         r"interactions\.csv: line 3: user_id '9' is not in .*users\.csv"),
        ({"interactions": "user_id,item_id\n1,a\n1,q\n", "items": "item_id,category\na,Books\n"},
         r"interactions\.csv: line 3: item_id 'q' is not in .*items\.csv"),
        ({"interactions": b"user_id,item_id,title\n1,a,\xff\xfe\n"},
         r"interactions\.csv: line 2: cannot decode byte 0xff \(expected utf-8-sig text\)"),
        ({"interactions": "user_id,item_id,timestamp\n1,a,yesterday\n"},
         r"interactions\.csv: line 2: column 'timestamp' has 'yesterday', expected a unix time or an ISO date"),
        ({"interactions": "user_id,item_id\n1,a\n", "users": "user_id,age\n1,old\n"},
         r"users\.csv: line 2: column 'age' has 'old', expected a numeric age"),
        ({"interactions": "user_id,item_id\n1,a\n", "users": "user_id,age\n1,30\n1,40\n"},
         r"users\.csv: line 3: duplicate user_id '1'"),
        ({"interactions": "user_id,item_id\n1,a\n", "users": "name,age\n1,30\n"},
         r"users\.csv: missing required column 'user_id'"),
    ],
)
def test_bad_csv_input(tmp_path, files, message):
    folder = write(tmp_path / "d", **files)
    with pytest.raises(DataError, match=message) as info:
        load_dataset(f"csv:{folder}")
    assert "\n" not in str(info.value)


def test_missing_interactions_file(tmp_path):
    folder = write(tmp_path / "d", users="user_id\n1\n")
    with pytest.raises(DataError, match=r"no interactions\.csv \(required"):
        load_dataset(f"csv:{folder}")


@pytest.mark.parametrize(
    ("pair", "message"), [("sexgender", "expected SOURCE=TARGET"), ("=gender", "expected SOURCE=TARGET")]
)
def test_bad_mapping(pair, message):
    with pytest.raises(DataError, match=message):
        parse_mapping([pair])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nonsense", r"data spec 'nonsense': expected demo \|"),
        ("synthetic:users=ten", "synthetic spec 'users=ten': users must be a number"),
        ("synthetic:colour=3", "synthetic spec 'colour=3': expected key=value"),
        ("synthetic:users=5", "synthetic: need at least 10 users"),
        ("movielens:/no/such/dir", "/no/such/dir: no such folder or file"),
    ],
)
def test_bad_spec(spec, message):
    with pytest.raises(DataError, match=message):
        load_dataset(spec)
