"""MovieLens 100K and 1M loaders (a folder or a .zip, detected by the files inside).

100K: ``u.data`` (tab-separated), ``u.user``, ``u.item``, ``u.genre`` ('|'-separated, latin-1).
1M: ``ratings.dat``, ``users.dat``, ``movies.dat`` ('::'-separated, latin-1).
Harper & Konstan (2015), The MovieLens Datasets: History and Context, ACM TiiS 5(4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.data._build import build_dataset
from fairrec_core.data._dataset import Dataset
from fairrec_core.data._files import InputFiles
from fairrec_core.data._regions import zip_to_region
from fairrec_core.data._tables import decode, numeric_column, read_delimited
from fairrec_core.data._values import AGE, CODE, FLAG, ID, TIMESTAMP, VALUE, shown
from fairrec_core.errors import DataError

ML100K_FILES = ("u.data", "u.user", "u.item")
ML1M_FILES = ("ratings.dat", "users.dat", "movies.dat")
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)
#: ML-1M age codes and the bands its README documents.
ML1M_AGE_BANDS = {1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+"}
ML1M_OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)


def load_movielens(path) -> Dataset:
    """Load MovieLens 100K or 1M from a folder or a .zip, detecting which by the files present.

    A folder is searched at its top level and one level down; a zip at any depth. A file found
    twice, or both a complete 100K and a complete 1M set, is refused rather than guessed."""
    files = InputFiles(path, (*ML100K_FILES, "u.genre", *ML1M_FILES))
    try:
        is_100k = all(files.has(n) for n in ML100K_FILES)
        is_1m = all(files.has(n) for n in ML1M_FILES)
        if is_100k and is_1m:
            raise DataError(
                f"{path}: holds both MovieLens 100K ({files.label('u.data')}) and 1M "
                f"({files.label('ratings.dat')}) files; point at one of them"
            )
        if is_100k:
            return _load_100k(files)
        if is_1m:
            return _load_1m(files)
    finally:
        files.close()
    raise DataError(
        f"{path}: expected MovieLens files {', '.join(ML100K_FILES)} (100K) or "
        f"{', '.join(ML1M_FILES)} (1M); found none of either set complete"
    )


def _load_100k(files: InputFiles) -> Dataset:
    src = files.label("u.data")
    ratings = read_delimited(
        decode(files.read("u.data"), src), src, sep="\t",
        names=["user_id", "item_id", "rating", "timestamp"],
    )
    inter = pd.DataFrame(
        {
            "user_id": numeric_column(ratings, "user_id", src, first_line=1, what="an integer id", valid=ID),
            "item_id": numeric_column(ratings, "item_id", src, first_line=1, what="an integer id", valid=ID),
            "value": numeric_column(ratings, "rating", src, first_line=1, what="a numeric rating", valid=VALUE),
            "timestamp": numeric_column(ratings, "timestamp", src, first_line=1, what="a unix timestamp", valid=TIMESTAMP),
        }
    )
    usrc = files.label("u.user")
    u = read_delimited(
        decode(files.read("u.user"), usrc, ("utf-8", "latin-1")), usrc, sep="|",
        names=["user_id", "age", "gender", "occupation", "zip_code"],
    )
    users = pd.DataFrame(
        {
            "user_id": numeric_column(u, "user_id", usrc, first_line=1, what="an integer id", valid=ID),
            "gender": u["gender"].str.strip(),
            "age": numeric_column(u, "age", usrc, first_line=1, integer=True, what="an integer age", valid=AGE),
            "occupation": u["occupation"].str.strip(),
            "zip_code": u["zip_code"].str.strip(),
        }
    )
    users["region"] = zip_to_region(users["zip_code"]).to_numpy()

    isrc = files.label("u.item")
    genres = _read_genres(files) if files.has("u.genre") else list(ML100K_GENRES)
    fixed = ["item_id", "title", "release_date", "video_release_date", "imdb_url"]
    it = read_delimited(
        decode(files.read("u.item"), isrc, ("utf-8", "latin-1")), isrc, sep="|",
        min_columns=len(fixed) + len(genres),
    )
    if it.shape[1] > len(fixed) + len(genres):
        named = f"{files.label('u.genre')} names" if files.has("u.genre") else "MovieLens 100K has"
        raise DataError(
            f"{isrc}: {it.shape[1] - len(fixed)} genre flag columns, but {named} "
            f"{len(genres)} genres; the two files must agree"
        )
    it.columns = [*fixed, *genres]
    flags = np.column_stack(
        [numeric_column(it, g, isrc, first_line=1, what="a genre flag", valid=FLAG) for g in genres]
    ).astype(bool)
    items = pd.DataFrame(
        {
            "item_id": numeric_column(it, "item_id", isrc, first_line=1, what="an integer id", valid=ID),
            "title": it["title"].fillna("").str.strip(),
            "release_date": it["release_date"],
        }
    )
    _add_genres(items, flags, genres)
    return build_dataset(
        "MovieLens 100K", inter, users=users, items=items, source=src,
        users_source=usrc, items_source=isrc, first_line=1,
    )


def _read_genres(files: InputFiles) -> list[str]:
    """Genre names of ``u.genre`` (``name|index`` lines), each non-empty and unique."""
    gsrc = files.label("u.genre")
    g = read_delimited(decode(files.read("u.genre"), gsrc, ("utf-8", "latin-1")), gsrc, sep="|",
                       names=["genre", "index"])
    reserved = {"item_id", "title", "release_date", "video_release_date", "imdb_url"}
    genres: list[str] = []
    for row, name in enumerate(g["genre"].fillna("").str.strip()):
        if not name:
            raise DataError(f"{gsrc}: line {row + 1}: empty genre name")
        if name in genres or name in reserved:
            raise DataError(f"{gsrc}: line {row + 1}: genre {shown(name)} appears twice; genre names must be unique")
        genres.append(name)
    return genres


def _add_genres(items: pd.DataFrame, flags: np.ndarray, genres: list[str]) -> None:
    """``categories`` ("|"-joined genres) and ``category`` (the first genre, "unknown" last)."""
    names = np.asarray(genres, dtype=object)
    items["categories"] = ["|".join(names[row]) for row in flags]
    primary = []
    for row in flags:
        named = [g for g in names[row] if g != "unknown"]
        primary.append(named[0] if named else "unknown")
    items["category"] = primary


def _read_dat(files: InputFiles, name: str, names: list[str]) -> pd.DataFrame:
    src = files.label(name)
    text = decode(files.read(name), src, ("utf-8", "latin-1"))
    if "::" not in text.split("\n", 1)[0]:
        raise DataError(f"{src}: line 1: expected '::'-separated fields ({'::'.join(names)})")
    return read_delimited(text.replace("::", "\x1f"), src, sep="\x1f", names=names)


def _load_1m(files: InputFiles) -> Dataset:
    src = files.label("ratings.dat")
    r = _read_dat(files, "ratings.dat", ["user_id", "item_id", "rating", "timestamp"])
    inter = pd.DataFrame(
        {
            "user_id": numeric_column(r, "user_id", src, first_line=1, what="an integer id", valid=ID),
            "item_id": numeric_column(r, "item_id", src, first_line=1, what="an integer id", valid=ID),
            "value": numeric_column(r, "rating", src, first_line=1, what="a numeric rating", valid=VALUE),
            "timestamp": numeric_column(r, "timestamp", src, first_line=1, what="a unix timestamp", valid=TIMESTAMP),
        }
    )
    usrc = files.label("users.dat")
    u = _read_dat(files, "users.dat", ["user_id", "gender", "age", "occupation", "zip_code"])
    age = numeric_column(u, "age", usrc, first_line=1, what="an ML-1M age code", valid=CODE)
    unknown_age = ~np.isin(age, list(ML1M_AGE_BANDS))
    if unknown_age.any():
        row = int(np.flatnonzero(unknown_age)[0])
        raise DataError(
            f"{usrc}: line {row + 1}: age code {age[row]} is not one of {sorted(ML1M_AGE_BANDS)}"
        )
    occ = numeric_column(u, "occupation", usrc, first_line=1, what="an occupation code", valid=CODE)
    users = pd.DataFrame(
        {
            "user_id": numeric_column(u, "user_id", usrc, first_line=1, what="an integer id", valid=ID),
            "gender": u["gender"].str.strip(),
            "age": age,
            "age_group": pd.Categorical(
                [ML1M_AGE_BANDS[a] for a in age], categories=list(ML1M_AGE_BANDS.values()), ordered=True
            ),
            "occupation": [ML1M_OCCUPATIONS[o] if 0 <= o < len(ML1M_OCCUPATIONS) else "other" for o in occ],
            "zip_code": u["zip_code"].str.strip(),
        }
    )
    users["region"] = zip_to_region(users["zip_code"]).to_numpy()
    isrc = files.label("movies.dat")
    m = _read_dat(files, "movies.dat", ["item_id", "title", "genres"])
    items = pd.DataFrame(
        {
            "item_id": numeric_column(m, "item_id", isrc, first_line=1, what="an integer id", valid=ID),
            "title": m["title"].fillna("").str.strip(),
        }
    )
    genre_lists = m["genres"].fillna("").str.split("|")
    items["categories"] = m["genres"].fillna("").to_numpy()
    items["category"] = [gl[0] if gl and gl[0] else "unknown" for gl in genre_lists]
    return build_dataset(
        "MovieLens 1M", inter, users=users, items=items, source=src,
        users_source=usrc, items_source=isrc, first_line=1,
    )
