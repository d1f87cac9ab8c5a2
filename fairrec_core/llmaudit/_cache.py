"""A resumable on-disk cache of answers: a JSONL journal keyed by ``(prompt_id, model,
sample)``, in the answers-file format (:mod:`._responses`).

Each answer is appended as one line, flushed and fsynced before the next request, so a run
that is killed or fails keeps every answer it got, and the next run asks only for the missing
ones. A last line cut by a kill (no newline, not JSON) is dropped and cut off the file when
the cache is opened; a bad line anywhere else is refused (one line naming it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fairrec_core.errors import DataError
from fairrec_core.llmaudit._jsonl import read_jsonl

#: What a cache line holds.
CACHE_FIELDS = ("prompt_id", "model", "sample", "response")


def _key(prompt_id: str, model: str, sample: int) -> tuple[str, str, int]:
    return str(prompt_id), str(model), int(sample)


class ResponseCache:
    """The cache in the file ``path`` (created on the first answer)."""

    def __init__(self, path):
        self.path = Path(path)
        self._records: dict[tuple[str, str, int], dict] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):  # a torn append: keep the whole lines only
            cut = raw.rfind(b"\n") + 1
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)
        for line, rec in read_jsonl(self.path, torn_tail=True):
            missing = [f for f in CACHE_FIELDS if f not in rec]
            if missing:
                raise DataError(f"{self.path}: line {line}: missing field {missing[0]!r} "
                                "(not an answer cache)")
            self._records[_key(rec["prompt_id"], rec["model"], rec["sample"])] = rec

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key) -> bool:
        return _key(*key) in self._records

    def get(self, prompt_id: str, model: str, sample: int) -> dict | None:
        """The cached answer record, or None."""
        return self._records.get(_key(prompt_id, model, sample))

    def add(self, record: dict) -> None:
        """Append ``record`` (with :data:`CACHE_FIELDS`) durably."""
        rec = {f: record[f] for f in CACHE_FIELDS}
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self._records[_key(rec["prompt_id"], rec["model"], rec["sample"])] = rec

    def records(self) -> list[dict]:
        return list(self._records.values())
