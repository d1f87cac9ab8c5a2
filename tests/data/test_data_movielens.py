"""MovieLens 100K as distributed by GroupLens, read from ../shared/data/ml-100k."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from fairrec_core.data import load_dataset, load_movielens
from fairrec_core.data._movielens import ML100K_GENRES
from fairrec_core.errors import DataError


def test_ml100k_documented_counts(ml100k):
    assert ml100k.n_users == 943
    assert ml100k.n_items == 1682
    assert ml100k.n_interactions == 100_000
    assert ml100k.users["gender"].value_counts().to_dict() == {"M": 670, "F": 273}
    assert ml100k.users["age"].min() == 7 and ml100k.users["age"].max() == 73
    assert ml100k.user_counts.min() >= 20


def test_ml100k_regions_are_census_regions(ml100k, ml100k_path):
    assert set(ml100k.users["region"].astype(str)) <= {"Northeast", "Midwest", "South", "West", "Unknown"}
    assert (ml100k.users["region"] == "Unknown").sum() > 0  # Canadian and malformed codes
    # independent check of a few users against the raw file and a hand-made ZIP table
    raw = pd.read_csv(ml100k_path / "u.user", sep="|", header=None, dtype=str)
    expected = {"85711": "West", "94043": "West", "32067": "South", "15213": "Northeast",
                "55106": "Midwest", "T8H1N": "Unknown", "V3N4P": "Unknown"}
    by_zip = dict(zip(ml100k.users["zip_code"], ml100k.users["region"].astype(str), strict=True))
    for z, region in expected.items():
        if z in set(raw[4]):
            assert by_zip[z] == region, z


def test_ml100k_genres_parsed(ml100k, ml100k_path):
    raw = pd.read_csv(ml100k_path / "u.item", sep="|", header=None, encoding="latin-1")
    flags = raw.iloc[:, 5:].to_numpy(bool)
    cats = ml100k.items["categories"].str.split("|")
    for j in (0, 1, 100, 1681):
        assert set(cats[j]) == {g for g, f in zip(ML100K_GENRES, flags[j], strict=True) if f}
    assert ml100k.items.loc[0, "title"] == "Toy Story (1995)"
    assert ml100k.items.loc[0, "category"] == "Animation"
    assert set(ml100k.items["category"]) <= set(ML100K_GENRES)


def test_ml100k_matrix_matches_raw_file(ml100k, ml100k_path):
    raw = np.loadtxt(ml100k_path / "u.data", dtype=np.int64)
    u = ml100k.user_vocab.index(raw[:, 0])
    i = ml100k.item_vocab.index(raw[:, 1])
    assert np.array_equal(np.asarray(ml100k.matrix[u, i]).ravel(), raw[:, 2].astype(np.float32))
    assert ml100k.matrix.nnz == 100_000
    assert np.array_equal(ml100k.items["popularity"].to_numpy(), np.bincount(i, minlength=1682))


def test_ml100k_from_zip_equals_folder(ml100k, ml100k_path, tmp_path):
    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("u.data", "u.user", "u.item", "u.genre"):
            zf.write(ml100k_path / name, f"ml-100k/{name}")
    zipped = load_dataset(f"movielens:{archive}")
    assert zipped.fingerprint == ml100k.fingerprint
    assert zipped.users.equals(ml100k.users)


def test_zip_without_expected_files(tmp_path):
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(DataError, match=r"other\.zip: expected MovieLens files u\.data"):
        load_movielens(archive)


def _write_ml1m(folder, ratings, users, movies):
    folder.mkdir()
    (folder / "ratings.dat").write_bytes(ratings.encode("latin-1"))
    (folder / "users.dat").write_bytes(users.encode("latin-1"))
    (folder / "movies.dat").write_bytes(movies.encode("latin-1"))
    return folder


def test_ml1m_format_detected(tmp_path):
    folder = _write_ml1m(
        tmp_path / "ml-1m",
        "1::10::5::978300760\n1::20::3::978302109\n2::10::4::978301968\n",
        "1::F::1::10::48067\n2::M::56::16::70072\n",
        "10::Toy Story (1995)::Animation|Children's|Comedy\n20::Café (1999)::Drama\n",
    )
    ds = load_movielens(folder)
    assert ds.name == "MovieLens 1M"
    assert (ds.n_users, ds.n_items, ds.n_interactions) == (2, 2, 3)
    assert list(ds.users["age_group"].astype(str)) == ["Under 18", "56+"]
    assert list(ds.users["occupation"]) == ["K-12 student", "self-employed"]
    assert list(ds.users["region"].astype(str)) == ["Midwest", "South"]
    assert ds.items.loc[1, "title"] == "Café (1999)"
    assert ds.items.loc[0, "categories"] == "Animation|Children's|Comedy"
    assert ds.items.loc[0, "category"] == "Animation"


def test_ml1m_bad_age_code(tmp_path):
    folder = _write_ml1m(
        tmp_path / "m", "1::10::5::978300760\n", "1::F::3::10::48067\n", "10::T::Drama\n"
    )
    with pytest.raises(DataError, match=r"users\.dat: line 1: age code 3 is not one of"):
        load_movielens(folder)


def test_ml100k_wrong_separator(tmp_path, ml100k_path):
    folder = tmp_path / "ml"
    folder.mkdir()
    for name in ("u.user", "u.item"):
        (folder / name).write_bytes((ml100k_path / name).read_bytes())
    (folder / "u.data").write_text("1,2,5,881250949\n3,4,3,891717742\n")
    with pytest.raises(DataError, match=r"u\.data: found 1 column\(s\) per row, expected 4 tab-separated"):
        load_movielens(folder)


def test_ml100k_non_numeric_rating(tmp_path, ml100k_path):
    folder = tmp_path / "ml"
    folder.mkdir()
    for name in ("u.user", "u.item"):
        (folder / name).write_bytes((ml100k_path / name).read_bytes())
    (folder / "u.data").write_text("1\t2\t5\t881250949\n3\t4\tgood\t891717742\n")
    with pytest.raises(DataError, match=r"u\.data: line 2: column 'rating' has 'good', expected a numeric rating"):
        load_movielens(folder)


def test_ml100k_unknown_item(tmp_path, ml100k_path):
    folder = tmp_path / "ml"
    folder.mkdir()
    for name in ("u.user", "u.item"):
        (folder / name).write_bytes((ml100k_path / name).read_bytes())
    (folder / "u.data").write_text("1\t2\t5\t881250949\n3\t99999\t3\t891717742\n")
    with pytest.raises(DataError, match=r"u\.data: line 2: item_id 99999 is not in .*u\.item"):
        load_movielens(folder)


def test_io_bytes_helper_roundtrip():
    # the decode helper names the line of an undecodable byte
    from fairrec_core.data._tables import decode

    with pytest.raises(DataError, match=r"x\.csv: line 2: cannot decode byte 0xff"):
        decode(b"a,b\n\xff,1\n", "x.csv")
    assert decode(io.BytesIO(b"caf\xe9").read(), "y", ("utf-8", "latin-1")) == "café"
