"""Reading input files within :mod:`fairrec_core.limits`: plain files, the files of a folder
(its top level and one level down, never a deeper walk) and the members of a zip archive.

A zip member is checked against the archive's directory first (declared size, compression
ratio, method) and then read as a stream with a byte cap, because a directory can lie; it is
never extracted to disk. Every failure is one :class:`~fairrec_core.errors.DataError` or
:class:`~fairrec_core.limits.LimitError` line naming the archive and the member.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

from fairrec_core import limits
from fairrec_core.data._tables import check_size
from fairrec_core.data._values import clipped, shown
from fairrec_core.errors import DataError

CHUNK = 1 << 20
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def read_file(path: Path, source: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_file_bytes`` (checked before reading and
    while reading, so a file that grows or lies about its size is still cut off)."""
    source = source or str(path)
    lim = limits.current().max_file_bytes
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not _is_regular(st.st_mode):
                raise DataError(f"{source}: not a regular file")
            check_size(st.st_size, source)
            raw = fh.read(lim + 1)
    except OSError as exc:
        raise DataError(f"{source}: cannot read the file ({_why(exc)})") from None
    check_size(len(raw), source)
    return raw


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def check_path(path) -> Path:
    """``Path(path)``, refusing names the operating system cannot take (NUL bytes)."""
    text = str(path)
    if "\x00" in text:
        raise DataError(f"{shown(text, 80)}: a path cannot contain a NUL character")
    return Path(text)


class InputFiles:
    """The files named in ``wanted`` inside a folder or a zip archive, found by base name.

    A folder is searched at its top level and one level down (symlinked folders are not
    followed); an archive's members at any depth. A wanted name found twice is refused, naming
    both places. :meth:`label` says which file or member was used.
    """

    def __init__(self, path, wanted):
        self.path = check_path(path)
        self._zip = None
        try:
            is_dir, is_file = self.path.is_dir(), self.path.is_file()
        except OSError as exc:
            raise DataError(f"{self.path}: cannot read ({_why(exc)})") from None
        if is_dir:
            self._names = _folder_files(self.path, set(wanted))
        elif is_file and _is_zip(self.path):
            self._zip, self._names = _open_zip(self.path, set(wanted))
        elif is_file and _starts_like_zip(self.path):
            raise DataError(f"{self.path}: damaged zip archive (no end-of-archive record; truncated?)")
        elif is_file or self.path.exists():
            raise DataError(f"{self.path}: not a folder or a .zip archive")
        else:
            raise DataError(f"{self.path}: no such folder or file")

    def has(self, name: str) -> bool:
        return name in self._names

    def label(self, name: str) -> str:
        ref = self._names[name]
        return f"{self.path}!{ref.filename}" if self._zip is not None else str(ref)

    def read(self, name: str) -> bytes:
        if self._zip is None:
            return read_file(self._names[name])
        return _read_member(self._zip, self._names[name], self.label(name))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _starts_like_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _folder_files(folder: Path, wanted: set[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}

    def scan(directory: Path, descend: bool) -> None:
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as exc:
            raise DataError(f"{folder}: cannot list {directory} ({_why(exc)})") from None
        for entry in entries:
            try:
                if entry.name in wanted and entry.is_file():
                    if entry.name in found:
                        raise DataError(
                            f"{folder}: {entry.name} found twice ({found[entry.name]} and "
                            f"{entry.path}); keep one or point at the folder that holds it"
                        )
                    found[entry.name] = Path(entry.path)
                elif descend and entry.is_dir(follow_symlinks=False):
                    scan(Path(entry.path), False)
            except OSError as exc:
                raise DataError(f"{folder}: cannot read {entry.path} ({_why(exc)})") from None

    scan(folder, True)
    return found


def _open_zip(path: Path, wanted: set[str]):
    lim = limits.current()
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: not a readable zip archive ({clipped(exc)})") from None
    if len(infos) > lim.max_zip_members:
        zf.close()
        raise limits.LimitError(
            f"{path}: {len(infos):,} members; at most {lim.max_zip_members:,} are allowed "
            f"({limits.ENVIRONMENT['max_zip_members']})"
        )
    found: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        base = info.filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        if info.is_dir() or base not in wanted:
            continue
        if base in found:
            zf.close()
            raise DataError(
                f"{path}: members {shown(found[base].filename, 60)} and {shown(info.filename, 60)} "
                f"are both named {base}; keep one"
            )
        found[base] = info
    return zf, found


def _member_cap(info: zipfile.ZipInfo, label: str) -> int:
    """Check a member's directory entry; the most bytes it may decompress to."""
    lim = limits.current()
    if info.compress_type not in _METHODS:
        raise DataError(
            f"{label}: compression method {info.compress_type} is not read "
            f"(only {' or '.join(_METHODS.values())} members)"
        )
    if info.flag_bits & 0x1:
        raise DataError(f"{label}: the member is encrypted")
    if info.file_size > lim.max_member_bytes:
        raise limits.LimitError(
            f"{label}: uncompressed size {limits.human_bytes(info.file_size)} is over the "
            f"{limits.human_bytes(lim.max_member_bytes)} limit ({limits.ENVIRONMENT['max_member_bytes']})"
        )
    _check_ratio(info.file_size, info.compress_size, label)
    return min(lim.max_member_bytes, lim.max_zip_ratio * max(info.compress_size, 1), info.file_size)


def _check_ratio(size: int, compressed: int, label: str) -> None:
    lim = limits.current()
    if size > lim.max_zip_ratio * max(compressed, 1):
        raise limits.LimitError(
            f"{label}: compression ratio over {lim.max_zip_ratio}:1 "
            f"({limits.human_bytes(size)} from {limits.human_bytes(compressed)}; "
            f"{limits.ENVIRONMENT['max_zip_ratio']})"
        )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
    cap = _member_cap(info, label)
    parts, total = [], 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > cap:
                    raise DataError(
                        f"{label}: decompresses to more than its directory declares "
                        f"({limits.human_bytes(info.file_size)}); the archive is damaged or hostile"
                    )
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError) as exc:
        raise DataError(f"{label}: damaged zip member ({clipped(exc)})") from None
    if total != info.file_size:
        raise DataError(f"{label}: damaged zip member (read {total:,} bytes, the directory says {info.file_size:,})")
    return b"".join(parts)
