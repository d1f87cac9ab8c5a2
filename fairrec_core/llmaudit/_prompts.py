"""The prompt set of an LLM audit (FaiRLLM, Zhang et al. 2023; CFaiRLLM, Deldjoo & Di Noia 2024):
for every anchor — a user with a sample of their history, or a seed item ("a fan of X") — one
neutral prompt and one prompt per value of each sensitive attribute (and, optionally, of each
pair of attributes), identical except for who says they are asking.

Every prompt names every value, not only the user's own: the comparison is counterfactual (the
same request with another identity). Values that carry no information ("Unknown", the demo
shop's "U") get no prompt. With a ``holdout`` the profile samples come from the training part
of a seeded split and the held-out part is each user's true preference (CFaiRLLM).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fairrec_core.audit import user_groupings
from fairrec_core.data import split_dataset
from fairrec_core.errors import DataError
from fairrec_core.llmaudit._jsonl import dumps_jsonl, field, read_jsonl
from fairrec_core.llmaudit._persona import persona

Anchor = Literal["user", "item"]
Sample = Literal["none", "random", "top", "recent"]
ANCHORS: tuple[str, ...] = ("user", "item")
#: How a user's profile sample is drawn from their (training) history.
SAMPLES: tuple[str, ...] = ("none", "random", "top", "recent")
#: The attribute and value of the neutral prompts in tables (``null`` in the JSONL file).
NEUTRAL = "neutral"
PROMPT_COLUMNS = ("prompt_id", "anchor", "user", "attribute", "value", "text", "sample_items",
                  "k")

E_OPTION = "prompts: {what}"
E_DATASET = ("{source}: the prompts were made from another dataset (fingerprint {theirs}), "
             "not {name} ({ours})")
E_MIXED = "{source}: line {line}: field {field!r} differs from line 1; one prompt set per file"
E_DUPLICATE = "{source}: line {line}: prompt id {prompt_id!r} appears twice (first on line {first})"


@dataclass(frozen=True, eq=False)
class PromptSet:
    """The prompts (``table``: one row per prompt, columns :data:`PROMPT_COLUMNS`; ``attribute``
    and ``value`` are None for a neutral prompt; ``sample_items``: the profile sample's item
    ids), the fingerprint of the dataset they were made from and the split whose training part
    gave the profile samples (``holdout``: ``{"method", "test_size", "seed"}``, or None)."""

    table: pd.DataFrame
    dataset: str
    holdout: dict | None = None

    def __len__(self) -> int:
        return len(self.table)

    @property
    def attributes(self) -> list[str]:
        """The sensitive attributes (and intersections), in the order of the file."""
        return [a for a in dict.fromkeys(self.table["attribute"]) if a is not None]

    def values(self, attribute: str) -> list[str]:
        """The values of ``attribute`` that have prompts, in the order of the file."""
        rows = self.table[self.table["attribute"] == attribute]
        return list(dict.fromkeys(rows["value"]))

    def records(self) -> list[dict]:
        """One JSON-ready dict per prompt (the JSONL lines)."""
        out = []
        for row in self.table.itertuples(index=False):
            rec = {c: getattr(row, c) for c in PROMPT_COLUMNS}
            rec["sample_items"] = list(rec["sample_items"])
            rec["k"] = int(rec["k"])
            rec["dataset"] = self.dataset
            rec["holdout"] = self.holdout
            out.append(rec)
        return out

    def to_jsonl(self) -> str:
        return dumps_jsonl(self.records())

    def check_data(self, data, source: str = "prompts") -> None:
        """Refuse a dataset other than the one the prompts were made from."""
        if data.fingerprint != self.dataset:
            raise DataError(E_DATASET.format(source=source, theirs=self.dataset, name=data.name,
                                             ours=data.fingerprint))

    def split(self, data):
        """The split that gave the profile samples (its ``test`` part holds each user's
        held-out items), or None without a holdout."""
        if not self.holdout:
            return None
        return split_dataset(data, **self.holdout)


def default_noun(data) -> str:
    """What is recommended, in the prompt: "movies" for MovieLens, "products" for a shop."""
    name = str(data.name)
    if "MovieLens" in name:
        return "movies"
    return "products" if "shop" in name.lower() else "items"


def _profiles(train, users: np.ndarray, how: str, size: int, rng) -> list[np.ndarray]:
    """Per anchor user, the item indices of its profile sample from ``train``."""
    if how == "none" or size <= 0:
        return [np.zeros(0, dtype=np.int64) for _ in users]
    inter = train.interactions
    order = np.lexsort((inter["item"].to_numpy(), -inter["timestamp"].to_numpy(),
                        -inter["value"].to_numpy() if how == "top" else np.zeros(len(inter)),
                        inter["user"].to_numpy()))
    items = inter["item"].to_numpy()[order]
    bounds = np.searchsorted(inter["user"].to_numpy()[order], np.arange(train.n_users + 1))
    out = []
    for u in users:
        mine = items[bounds[u]:bounds[u + 1]]
        if how == "random" and len(mine) > size:
            mine = np.sort(rng.choice(mine, size=size, replace=False))
        out.append(mine[:size])
    return out


def _groups(data, attributes, intersections: bool) -> list[tuple[str, list[str]]]:
    out = []
    for g in user_groupings(data, attributes, intersections=intersections):
        values = [lab for lab, un in zip(g.labels, g.uninformative, strict=True) if not un]
        if values:
            out.append((g.attribute, values))
    return out


def _prompt_id(anchor: str, key: str, attribute, value) -> str:
    if attribute is None:
        return f"{anchor}:{key}|{NEUTRAL}"
    return f"{anchor}:{key}|" + "&".join(
        f"{a}={v}" for a, v in zip(attribute.split(" & "), str(value).split(" & "), strict=True))


def build_prompts(data, *, attributes=None, intersections: bool = False,
                  anchor: Anchor = "user", sample: Sample = "random", sample_size: int = 5,
                  users: int | None = None, k: int = 10, holdout: float = 0.2, seed: int = 0,
                  noun: str | None = None) -> PromptSet:
    """The prompt set for ``data``: for each anchor a neutral prompt and one per value of each
    of ``attributes`` (default: the audit's, :func:`~fairrec_core.audit.user_groupings`), of
    their pairs too with ``intersections``.

    ``anchor="user"``: every user (or ``users`` of them, drawn with ``seed``) with a profile
    ``sample`` of ``sample_size`` items from their history — ``random``, ``top`` (highest rated,
    latest first among ties), ``recent`` or ``none``. With ``holdout`` > 0 the history is the
    training part of a seeded random split (:func:`~fairrec_core.data.split_dataset`) and the
    rest is held out as the user's true preference. ``anchor="item"``: the ``users`` most popular
    items (default 100) as "a fan of X" seeds. ``k``: the list length asked for."""
    if anchor not in ANCHORS:
        raise DataError(E_OPTION.format(what=f"anchor {anchor!r}: expected one of {', '.join(ANCHORS)}"))
    if sample not in SAMPLES:
        raise DataError(E_OPTION.format(what=f"sample {sample!r}: expected one of {', '.join(SAMPLES)}"))
    if k < 1 or sample_size < 0 or (users is not None and users < 1):
        raise DataError(E_OPTION.format(what="k and users must be >= 1, sample size >= 0"))
    if not 0.0 <= float(holdout) < 1.0:
        raise DataError(E_OPTION.format(what=f"holdout {holdout!r}: expected a fraction in [0, 1)"))
    groups = _groups(data, attributes, intersections)
    if not groups:
        raise DataError(E_OPTION.format(what="no attribute with an informative value to ask with"))
    noun = noun or default_noun(data)
    rng = np.random.default_rng(seed)
    split = None
    if anchor == "user" and holdout > 0:
        split = dict(method="random", test_size=float(holdout), seed=int(seed))
    titles = data.items["title"].astype(str).to_numpy() if "title" in data.items else \
        data.item_vocab.lookup(np.arange(data.n_items)).astype(str)
    item_ids = [str(i) for i in data.item_vocab.lookup(np.arange(data.n_items))]
    ask = (f"Please recommend {k} {{other}}{noun} for me. Answer with a numbered list of "
           "titles only, one per line.")
    if anchor == "user":
        chosen = np.arange(data.n_users)
        if users is not None and users < data.n_users:
            chosen = np.sort(rng.choice(data.n_users, size=users, replace=False))
        train = split_dataset(data, **split).train if split else data
        profiles = _profiles(train, chosen, sample, sample_size, rng)
        keys = [str(u) for u in data.user_vocab.lookup(chosen)]
    else:
        n = min(users or 100, data.n_items)
        chosen = np.argsort(-data.item_counts, kind="stable")[:n]
        profiles = [np.array([i]) for i in chosen]
        keys = [item_ids[i] for i in chosen]
    rows = []
    for key, prof in zip(keys, profiles, strict=True):
        if anchor == "item":
            intro, tail = "", ask.format(other="")
        elif len(prof):
            intro = f" Some {noun} I liked: " + "; ".join(titles[prof]) + "."
            tail = ask.format(other="other ")
        else:
            intro, tail = "", ask.format(other="")
        fan = f" and a fan of {titles[prof[0]]}" if anchor == "item" else ""
        sample_ids = tuple(item_ids[i] for i in prof)
        for attribute, value in [(None, None)] + [(a, v) for a, vs in groups for v in vs]:
            text = f"I am {persona(attribute, value)}{fan}.{intro} {tail}"
            rows.append((_prompt_id(anchor, key, attribute, value), anchor, key, attribute,
                         value, text, sample_ids, int(k)))
    return PromptSet(_frame(rows), data.fingerprint, split)


def _frame(rows) -> pd.DataFrame:
    """The prompt table with plain Python values (None stays None, not NaN)."""
    table = pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object)
                          for i, c in enumerate(PROMPT_COLUMNS)})
    table["k"] = table["k"].astype(np.int64)
    return table


def _record_row(rec: dict, source: str, line: int) -> tuple:
    text_ = (str,)
    pid = field(rec, "prompt_id", source, line, types=text_, what="a string")
    anchor = field(rec, "anchor", source, line, types=text_, what="a string", default="user")
    user = field(rec, "user", source, line, types=(str, int), what="a string")
    attribute = field(rec, "attribute", source, line, types=text_, what="a string or null",
                      default=None)
    value = field(rec, "value", source, line, types=(str, int, float), what="a string or null",
                  default=None)
    if (attribute is None) != (value is None):
        raise DataError(f"{source}: line {line}: 'attribute' and 'value' must both be null "
                        "(a neutral prompt) or both be set")
    text = field(rec, "text", source, line, types=text_, what="a string")
    sample = field(rec, "sample_items", source, line, types=(list,), what="a list of item ids",
                   default=[])
    k = field(rec, "k", source, line, types=(int,), what="a whole number", default=10)
    if k < 1:
        raise DataError(f"{source}: line {line}: field 'k' must be >= 1, got {k}")
    return (pid, anchor, str(user), attribute, None if value is None else str(value), text,
            tuple(str(s) for s in sample), int(k))


def prompts_from_records(numbered, *, source: str = "prompts") -> PromptSet:
    """A :class:`PromptSet` from ``(line, record)`` pairs (:func:`read_jsonl`)."""
    if not numbered:
        raise DataError(f"{source}: holds no prompts")
    rows, first = [], {}
    dataset = holdout = None
    for i, (line, rec) in enumerate(numbered):
        row = _record_row(rec, source, line)
        if row[0] in first:
            raise DataError(E_DUPLICATE.format(source=source, line=line, prompt_id=row[0],
                                               first=first[row[0]]))
        first[row[0]] = line
        ds, ho = rec.get("dataset"), rec.get("holdout")
        if i == 0:
            dataset, holdout = ds, ho
        elif ds != dataset or ho != holdout:
            raise DataError(E_MIXED.format(source=source, line=line,
                                           field="dataset" if ds != dataset else "holdout"))
        rows.append(row)
    if not isinstance(dataset, str):
        raise DataError(f"{source}: line {numbered[0][0]}: missing field 'dataset' (the "
                        "fingerprint of the data the prompts were made from)")
    if holdout is not None and (not isinstance(holdout, dict)
                                or set(holdout) != {"method", "test_size", "seed"}):
        raise DataError(f"{source}: line {numbered[0][0]}: field 'holdout' must be null or "
                        "{method, test_size, seed}")
    return PromptSet(_frame(rows), dataset, holdout)


def read_prompts(path, *, data=None) -> PromptSet:
    """The prompt set written by :meth:`PromptSet.to_jsonl`; with ``data``, refused unless it
    is the dataset the prompts were made from."""
    source = str(path)
    prompts = prompts_from_records(read_jsonl(path, source=source), source=source)
    if data is not None:
        prompts.check_data(data, source)
    return prompts
