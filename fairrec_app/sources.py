"""Where the session's data comes from: the demo shop, a MovieLens folder/zip, or CSV uploads.

A :class:`DataSource` is what the Data page stores in session state. Its ``key`` is a short,
hashable identity (the spec for generated data, a content hash for uploads) that the cached
loaders use, so two tabs that pick the same data share one loaded copy.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fairrec_core.data import (
    Dataset,
    SyntheticSpec,
    frames_to_dataset,
    generate_shop,
    load_movielens,
    read_csv_table,
)
from fairrec_core.errors import DataError, FairrecError

#: fairrec's column names that a CSV column can be mapped to, per file.
CSV_FIELDS = {
    "interactions": ("user_id", "item_id", "value", "timestamp", "event"),
    "users": ("user_id", "gender", "age", "region"),
    "items": ("item_id", "title", "category", "brand", "brand_tier", "price"),
}
#: Fields a file cannot do without.
CSV_REQUIRED = {"interactions": ("user_id", "item_id"), "users": ("user_id",), "items": ("item_id",)}


@dataclass(frozen=True)
class CsvUpload:
    """One uploaded CSV file and the mapping of its columns to fairrec's names."""

    name: str
    raw: bytes = field(repr=False)
    mapping: tuple[tuple[str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        return read_csv_table(self.raw, self.name, dict(self.mapping))


@dataclass(frozen=True)
class DataSource:
    """``kind`` is ``synthetic`` (the demo shop and its knobs), ``movielens`` (a server path),
    ``movielens-zip`` (an uploaded zip) or ``csv`` (uploaded files)."""

    kind: str
    label: str
    key: str
    synthetic: SyntheticSpec | None = None
    path: str | None = None
    upload: bytes | None = field(default=None, repr=False)
    csv: tuple[CsvUpload | None, ...] = ()  # interactions, users, items

    # ---- constructors -------------------------------------------------------------------
    @classmethod
    def demo(cls, spec: SyntheticSpec | None = None) -> DataSource:
        spec = spec or SyntheticSpec()
        label = "Demo shop" if spec == SyntheticSpec() else (
            f"Synthetic shop ({spec.users:,} users, {spec.items:,} items, bias {spec.bias:g})"
        )
        key = (
            f"synthetic:users={spec.users},items={spec.items},interactions={spec.interactions},"
            f"seed={spec.seed},bias={spec.bias:g}"
        )
        return cls(kind="synthetic", label=label, key=key, synthetic=spec)

    @classmethod
    def movielens_path(cls, path: str) -> DataSource:
        path = str(path).strip()
        if not path:
            raise DataError("MovieLens: enter the path of a folder or a .zip on the server")
        return cls(kind="movielens", label=f"MovieLens ({Path(path).name})", key=f"movielens:{path}",
                   path=path)

    @classmethod
    def movielens_zip(cls, name: str, raw: bytes) -> DataSource:
        return cls(kind="movielens-zip", label=f"MovieLens ({name})", key=f"zip:{_digest(raw)}",
                   upload=raw)

    @classmethod
    def csv_files(cls, interactions: CsvUpload, users: CsvUpload | None = None,
                  items: CsvUpload | None = None) -> DataSource:
        parts = (interactions, users, items)
        h = hashlib.sha256()
        for part in parts:
            h.update(b"-" if part is None else _digest(part.raw).encode() + repr(part.mapping).encode())
        return cls(kind="csv", label=f"CSV ({interactions.name})", key=f"csv:{h.hexdigest()[:16]}",
                   csv=parts)

    # ---- loading ------------------------------------------------------------------------
    def load(self) -> Dataset:
        """Build the dataset; bad input raises :class:`~fairrec_core.errors.DataError`."""
        if self.kind == "synthetic":
            return generate_shop(self.synthetic)
        if self.kind == "movielens":
            return load_movielens(self.path)
        if self.kind == "movielens-zip":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload.zip"
                path.write_bytes(self.upload)
                try:
                    data = load_movielens(path)
                except FairrecError as exc:  # name the upload, not the temporary file
                    raise type(exc)(str(exc).replace(str(path), "uploaded zip")) from None
            return data
        if self.kind == "csv":
            inter, users, items = (None if p is None else p.frame() for p in self.csv)
            names = tuple(p.name if p else n for p, n in zip(self.csv, CSV_FIELDS, strict=True))
            return frames_to_dataset(inter, users, items, name=self.label, sources=names)
        raise DataError(f"unknown data source kind {self.kind!r}")


@dataclass(frozen=True)
class ImportedUpload:
    """Recommendation lists from another system and the held-out interactions they are assessed
    against (issue: audit any recommender). ``key`` is a content hash of both files."""

    recs_name: str
    recs: bytes = field(repr=False)
    test_name: str = "test.csv"
    test: bytes = field(default=b"", repr=False)

    @property
    def key(self) -> str:
        return f"imported:{_digest(self.recs)}:{_digest(self.test)}"


def guess_mapping(columns: list[str], part: str) -> dict[str, str]:
    """fairrec field -> source column, for the columns whose names already say what they are."""
    out = {}
    lowered = {c.lower(): c for c in columns}
    for target in CSV_FIELDS[part]:
        if target in lowered:
            out[target] = lowered[target]
    aliases = {"user_id": ("user", "userid", "customer", "customer_id"),
               "item_id": ("item", "itemid", "product", "product_id", "movieid"),
               "value": ("rating", "weight", "score"), "timestamp": ("time", "ts", "date"),
               "gender": ("sex",), "category": ("genre",)}
    for target, names in aliases.items():
        if target in CSV_FIELDS[part] and target not in out:
            for n in names:
                if n in lowered:
                    out[target] = lowered[n]
                    break
    return out


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]
