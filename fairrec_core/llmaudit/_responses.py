"""The LLM's answers: one JSONL record per answer, from any model and any client.

A record is ``{"prompt_id": ..., "response": ..., "model": ..., "sample": ...}``: ``response``
is the answer's text (a numbered or bulleted list, one title per line, or a JSON array in the
text) or a list of titles; ``model`` (default ``"unknown"``) and ``sample`` (default 0; several
samples of one prompt measure the model's own variation) are optional. The pair
``(prompt_id, model, sample)`` must be unique.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from fairrec_core.errors import DataError
from fairrec_core.llmaudit._jsonl import field, read_jsonl

#: Columns of :attr:`Responses.table`.
RESPONSE_COLUMNS = ("prompt_id", "model", "sample", "titles")
DEFAULT_MODEL = "unknown"
#: At most this many titles are kept from one answer.
MAX_TITLES = 200

E_UNKNOWN_PROMPT = "{source}: line {line}: unknown prompt id {prompt_id!r} (not in {prompts})"
E_DUPLICATE = ("{source}: line {line}: a second answer for prompt {prompt_id!r}, model "
               "{model!r}, sample {sample} (first on line {first})")
E_MODELS = ("{source}: holds answers of several models ({models}); choose one (--model)")
E_NO_MODEL = "{source}: no answers of model {model!r} (models: {models})"

_NUMBERED = re.compile(r"^\s*(?:\(?\d{1,3}\s*[.):\]]|#\d{1,3}[.:)]?|[-*\u2022\u00b7\u2013])\s*")
_INLINE_NUMBER = re.compile(r"(?:^|\s)\d{1,3}[.)]\s+")
_QUOTED = re.compile(r"[\"\u201c\u201d]([^\"\u201c\u201d]{2,})[\"\u201c\u201d]")
_DESCRIPTION = re.compile(r"\s+[-\u2013\u2014]\s+")
_EMPHASIS = re.compile(r"^[*_`]+|[*_`]+$")


def _clean(line: str) -> str:
    """One list line -> the title: numbering, emphasis and quotes off, a trailing description
    (after " - ", " – ", " — ") cut."""
    line = _NUMBERED.sub("", line, count=1).strip()
    quoted = _QUOTED.search(line)
    if quoted:
        return quoted.group(1).strip()
    line = _DESCRIPTION.split(line, maxsplit=1)[0]
    line = _EMPHASIS.sub("", line.strip()).strip()
    return line.strip(" \"'\u2018\u2019").rstrip(".,;:").strip()


def parse_titles(response) -> list[str]:
    """The titles of one answer, in order: a list is taken as it is; text is a JSON array of
    strings, or lines (when some lines are numbered or bulleted only those, else every line
    not ending in ":"), or a single line numbered inline ("1. A 2. B")."""
    if isinstance(response, list):
        return [t for t in (str(x).strip() for x in response[:MAX_TITLES]) if t]
    text = str(response).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
            return parse_titles(parsed)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    listed = [ln for ln in lines if _NUMBERED.match(ln)]
    if len(lines) == 1 and len(_INLINE_NUMBER.findall(text)) > 1:
        listed = [p for p in _INLINE_NUMBER.split(text) if p.strip()]
        listed = [f"- {p}" for p in listed]
    chosen = listed or [ln for ln in lines if not ln.rstrip().endswith(":")]
    titles = [_clean(ln) for ln in chosen]
    return [t for t in titles if t][:MAX_TITLES]


@dataclass(frozen=True, eq=False)
class Responses:
    """The answers of one model: ``table`` (columns :data:`RESPONSE_COLUMNS`, ``titles`` a
    list of strings per answer), in the order of the file."""

    table: pd.DataFrame
    model: str

    def __len__(self) -> int:
        return len(self.table)

    @property
    def samples(self) -> int:
        """The largest number of answers of one prompt."""
        return int(self.table.groupby("prompt_id").size().max()) if len(self.table) else 0


def _row(rec: dict, source: str, line: int, known) -> tuple:
    pid = field(rec, "prompt_id", source, line, types=(str,), what="a string")
    if pid not in known:
        raise DataError(E_UNKNOWN_PROMPT.format(source=source, line=line, prompt_id=pid,
                                                prompts=known.source))
    response = field(rec, "response", source, line, types=(str, list),
                     what="a string or a list of titles")
    if isinstance(response, list) and not all(isinstance(x, str) for x in response):
        raise DataError(f"{source}: line {line}: field 'response' must be a string or a list "
                        "of strings")
    model = field(rec, "model", source, line, types=(str,), what="a string",
                  default=DEFAULT_MODEL)
    sample = field(rec, "sample", source, line, types=(int,), what="a whole number", default=0)
    if sample < 0:
        raise DataError(f"{source}: line {line}: field 'sample' must be >= 0, got {sample}")
    return pid, model, int(sample), parse_titles(response)


class _Known:
    def __init__(self, prompts, source: str):
        self.ids = set(prompts.table["prompt_id"])
        self.source = source

    def __contains__(self, pid) -> bool:
        return pid in self.ids


def responses_from_records(numbered, prompts, *, source: str = "responses",
                           prompts_source: str = "the prompts", model: str | None = None
                           ) -> Responses:
    """:class:`Responses` from ``(line, record)`` pairs, checked against ``prompts``. One model:
    ``model`` picks it when the records hold several (an error otherwise)."""
    if not numbered:
        raise DataError(f"{source}: holds no answers")
    known = _Known(prompts, prompts_source)
    rows, lines, first = [], [], {}
    for line, rec in numbered:
        row = _row(rec, source, line, known)
        key = row[:3]
        if key in first:
            raise DataError(E_DUPLICATE.format(source=source, line=line, prompt_id=row[0],
                                               model=row[1], sample=row[2], first=first[key]))
        first[key] = line
        rows.append(row)
        lines.append(line)
    table = pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object)
                          for i, c in enumerate(RESPONSE_COLUMNS)})
    table["sample"] = table["sample"].astype("int64")
    table["line"] = lines
    models = list(dict.fromkeys(table["model"]))
    if model is None:
        if len(models) > 1:
            raise DataError(E_MODELS.format(source=source, models=", ".join(models[:5])))
        model = models[0]
    elif model not in models:
        raise DataError(E_NO_MODEL.format(source=source, model=model,
                                          models=", ".join(models[:5])))
    table = table[table["model"] == model].reset_index(drop=True)
    return Responses(table, model)


def read_responses(path, prompts, *, model: str | None = None,
                   prompts_source: str = "the prompts") -> Responses:
    """The answers in the JSONL file ``path`` (see the module docstring)."""
    source = str(path)
    return responses_from_records(read_jsonl(path, source=source), prompts, source=source,
                                  prompts_source=prompts_source, model=model)
