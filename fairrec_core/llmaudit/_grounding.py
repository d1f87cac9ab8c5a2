"""Grounding the answers: each title matched to a catalogue item (:mod:`._titles`), each
answer turned into a ranked list.

A list keeps the answer's order, drops a title repeated within the answer (its first place
counts) and is cut at ``k``. Its entries are keys: the item index for a grounded title, and for
an unmatched one a code of its normalised text beyond the catalogue (``n_items + j``), so two
answers naming the same invented title still agree, as FaiRLLM compares the answers' strings.
Popularity, categories and accuracy read only the grounded items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairrec_core.llmaudit._prompts import NEUTRAL
from fairrec_core.llmaudit._titles import DEFAULT_CUTOFF, catalogue_matcher, normalise_title
from fairrec_core.ranking import PAD_ITEM

#: Columns of :attr:`Grounded.titles` (one row per title of an answer, in rank order).
TITLE_COLUMNS = ("prompt_id", "model", "sample", "rank", "title", "grounded", "item_id",
                 "matched_title", "score")
#: Columns of :meth:`Grounded.by_group`.
GROUNDING_COLUMNS = ("attribute", "value", "answers", "titles", "grounded", "rate",
                     "hallucinations")


@dataclass(frozen=True, eq=False)
class Grounded:
    """The grounded answers of one model.

    ``answers``: one row per answer — ``prompt_id, model, sample, anchor, user, attribute,
    value`` (``"neutral"`` for a neutral prompt), ``titles`` (how many), ``grounded`` (how many
    matched). ``keys`` and ``items``: ``[n_answers, k]`` int64 lists, row ``r`` for answer
    ``r``; ``keys`` as the module docstring says, ``items`` the catalogue item at each place
    (-1 where the title is not grounded and beyond the list). ``titles``: one row per title
    (:data:`TITLE_COLUMNS`)."""

    answers: pd.DataFrame
    keys: np.ndarray
    items: np.ndarray
    titles: pd.DataFrame
    n_items: int
    k: int
    cutoff: float

    @property
    def rate(self) -> float:
        """Share of all titles matched to a catalogue item."""
        n = int(self.answers["titles"].sum())
        return float(self.answers["grounded"].sum() / n) if n else float("nan")

    def by_group(self) -> pd.DataFrame:
        """Grounding per prompt attribute and value (neutral first): answers, titles, grounded
        titles, their share and the unmatched ("hallucinated") titles."""
        a = self.answers
        g = a.groupby(["attribute", "value"], sort=False)[["titles", "grounded"]].sum()
        g.insert(0, "answers", a.groupby(["attribute", "value"], sort=False).size())
        g = g.reset_index()
        with np.errstate(invalid="ignore", divide="ignore"):
            g["rate"] = np.where(g["titles"] > 0, g["grounded"] / g["titles"], np.nan)
        g["hallucinations"] = g["titles"] - g["grounded"]
        return g[list(GROUNDING_COLUMNS)]

    def hallucinations(self, *, by_group: bool = False) -> pd.DataFrame:
        """The unmatched titles: ``title, answers`` (how many answers named it), most first;
        with ``by_group`` per prompt attribute and value (``attribute, value, title,
        answers``)."""
        t = self.titles[~self.titles["grounded"]]
        keys = ["title"]
        if by_group:
            info = self.answers.set_index(["prompt_id", "sample"])[["attribute", "value"]]
            t = t.join(info, on=["prompt_id", "sample"])
            keys = ["attribute", "value", "title"]
        out = t.groupby(keys, sort=False).size().rename("answers").reset_index()
        order = keys[:-1] + ["answers", "title"]
        return out.sort_values(order, ascending=[True] * (len(keys) - 1) + [False, True],
                               ignore_index=True, kind="stable")


def ground_responses(data, prompts, responses, *, k: int | None = None,
                     cutoff: float = DEFAULT_CUTOFF, matcher=None) -> Grounded:
    """Match every title of ``responses`` (:class:`~fairrec_core.llmaudit.Responses` of
    ``prompts``) to ``data``'s catalogue. ``k``: list length (default: the longest list the
    prompts asked for); ``matcher``: a prebuilt :func:`catalogue_matcher` to reuse."""
    matcher = matcher or catalogue_matcher(data, cutoff=cutoff)
    table = responses.table
    meta = prompts.table.set_index("prompt_id")
    k = int(k or prompts.table["k"].max())
    n = len(table)
    keys = np.full((n, k), PAD_ITEM, dtype=np.int64)
    items = np.full((n, k), PAD_ITEM, dtype=np.int64)
    all_titles = [t for ts in table["titles"] for t in ts]
    matched, scores = matcher.match(all_titles)
    unknown: dict[str, int] = {}
    n_titles = np.zeros(n, dtype=np.int64)
    n_grounded = np.zeros(n, dtype=np.int64)
    rows = []
    pos = 0
    item_ids = data.item_vocab.lookup(np.arange(data.n_items))
    catalogue = matcher.titles
    for r, (pid, model, sample, titles) in enumerate(
            table[["prompt_id", "model", "sample", "titles"]].itertuples(index=False)):
        seen = set()
        place = 0
        for t in titles:
            item, score = int(matched[pos]), float(scores[pos])
            pos += 1
            if item >= 0:
                key = item
            else:
                text = normalise_title(t)[0] or t
                key = data.n_items + unknown.setdefault(text, len(unknown))
            if key in seen or place >= k:
                continue
            seen.add(key)
            keys[r, place] = key
            items[r, place] = item
            place += 1
            rows.append((pid, model, int(sample), place, t, item >= 0,
                         item_ids[item] if item >= 0 else None,
                         catalogue[item] if item >= 0 else None, score))
        n_titles[r] = place
        n_grounded[r] = int((items[r] >= 0).sum())
    info = meta.loc[table["prompt_id"], ["anchor", "user", "attribute", "value"]]
    answers = pd.DataFrame({
        "prompt_id": table["prompt_id"].to_numpy(), "model": table["model"].to_numpy(),
        "sample": table["sample"].to_numpy(np.int64), "anchor": info["anchor"].to_numpy(),
        "user": info["user"].to_numpy(),
        "attribute": info["attribute"].fillna(NEUTRAL).to_numpy(),
        "value": info["value"].fillna(NEUTRAL).to_numpy(),
        "titles": n_titles, "grounded": n_grounded})
    titles = pd.DataFrame(rows, columns=list(TITLE_COLUMNS))
    return Grounded(answers, keys, items, titles, data.n_items, k, float(matcher.cutoff))
