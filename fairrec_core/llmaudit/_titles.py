"""Matching free-text titles to catalogue items.

Both sides are normalised the same way (:func:`normalise_title`): accents, case and punctuation
off, a year suffix such as "(1995)" taken apart, MovieLens' trailing article ("Usual Suspects,
The") and an English leading one ("The Usual Suspects") dropped. An exact normalised match wins
(a catalogue title's alternative in parentheses, "Seven (Se7en)", is an alias); otherwise the
closest catalogue title by :func:`rapidfuzz.fuzz.ratio` (normalised Indel similarity, 0..100)
if it reaches the cutoff (rapidfuzz ``process.extractOne``), or else one at a single typo
(optimal string alignment distance 1, for titles of four or more characters: "Jcak" is
"Jack"), and has the same numbers (a sequel the catalogue lacks, "Toy Story 3", is not "Toy
Story"). Several items with one title
(remakes, duplicates) are told apart by the year when the answer gives one, else the most
popular is taken. A title matching nothing is a hallucination.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

#: Default similarity (0..100) a fuzzy match needs: one dropped or swapped letter in a title of
#: ten or more characters passes (96 and 90), an unrelated title of similar words does not.
DEFAULT_CUTOFF = 85.0

_YEAR = re.compile(r"\s*[(\[]\s*((?:1[89]|20)\d\d)(?:\s*(?:film|movie|tv))?\s*[)\]]\s*$")
_TRAILING_ARTICLE = re.compile(
    r"^(.*?),\s*(the|a|an|la|le|les|l'|il|el|los|las|das|der|die|den|det|lo|i)$")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)\s*$")
_PUNCT = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\d+")
#: Fuzzy candidates looked at for one whose numbers agree with the query's.
NEAREST = 10
#: Titles of at least this many characters also match at one typo (optimal string alignment
#: distance 1: a letter swapped, dropped, added or changed), whatever their ratio.
MIN_TYPO_LENGTH = 4


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().replace("\u2019", "'").split())


def _key(text: str) -> str:
    m = _TRAILING_ARTICLE.match(text)
    if m:
        art, body = m.group(2), m.group(1)
        text = body if art in ("the", "a", "an") else f"{art} {body}"
    text = _LEADING_ARTICLE.sub("", text)
    text = text.replace("&", " and ").replace("'", "")
    return _PUNCT.sub(" ", text).strip()


def normalise_title(title) -> tuple[str, int | None]:
    """``(key, year)``: "Usual Suspects, The (1995)" -> ``("usual suspects", 1995)``,
    "the usual suspects" -> ``("usual suspects", None)``."""
    text = _plain(title)
    year = None
    m = _YEAR.search(text)
    if m and m.start() > 0:
        year = int(m.group(1))
        text = text[:m.start()]
    return _key(text.strip()), year


def _article_of(title) -> str | None:
    """The English article a title starts or ends with (dropped from its key), if any."""
    text = _plain(title)
    m = _YEAR.search(text)
    if m and m.start() > 0:
        text = text[:m.start()]
    trailing = _TRAILING_ARTICLE.match(text)
    if trailing and trailing.group(2) in ("the", "a", "an"):
        return trailing.group(2)
    leading = _LEADING_ARTICLE.match(text)
    return leading.group(0).strip() if leading else None


def _aliases(title) -> list[str]:
    """Further keys of a catalogue title: without, and as, a trailing parenthetical."""
    text = _plain(title)
    m = _YEAR.search(text)
    if m and m.start() > 0:
        text = text[:m.start()]
    out = []
    p = _PARENTHETICAL.search(text)
    if p and p.start() > 0:
        out += [_key(text[:p.start()]), _key(p.group(1))]
    return [a for a in out if a]


class TitleMatcher:
    """Built once per catalogue: ``match(titles)`` gives each title's item index (-1: no
    match) and score (100 for an exact normalised match). Answers repeat titles, so each
    distinct title is matched once."""

    def __init__(self, titles, *, popularity=None, cutoff: float = DEFAULT_CUTOFF):
        titles = [str(t) for t in titles]
        self.cutoff = float(cutoff)
        self.titles = titles
        pop = np.zeros(len(titles)) if popularity is None else np.asarray(popularity, float)
        self._years = np.full(len(titles), -1, dtype=np.int64)
        primary: dict[str, list[int]] = {}
        alias: dict[str, list[int]] = {}
        for i, t in enumerate(titles):
            key, year = normalise_title(t)
            self._years[i] = -1 if year is None else year
            primary.setdefault(key, []).append(i)
            for a in _aliases(t):
                alias.setdefault(a, []).append(i)
            article = _article_of(t)
            if article:  # for fuzzy matches of a misspelt article ("Te Net")
                alias.setdefault(f"{article} {key}", []).append(i)
        # most popular first within a key (stable: ties keep catalogue order)
        order = {k: sorted(v, key=lambda i: -pop[i]) for k, v in primary.items()}
        self._primary = order
        self._alias = {k: sorted(v, key=lambda i: -pop[i]) for k, v in alias.items()
                       if k not in order}
        self._choices = list(order) + list(self._alias)
        self._memo: dict[str, tuple[int, float]] = {}

    def _pick(self, candidates: list[int], year: int | None) -> int:
        if year is not None:
            for i in candidates:
                if self._years[i] == year:
                    return i
        return candidates[0]

    def _closest(self, key: str) -> tuple[str, float] | None:
        """The closest catalogue key at or above the cutoff whose numbers are the query's
        ("Toy Story 3" is not "Toy Story": a sequel the catalogue lacks is a hallucination)."""
        digits = _DIGITS.findall(key)
        best = process.extractOne(key, self._choices, scorer=fuzz.ratio,
                                  score_cutoff=self.cutoff)
        if best is not None and _DIGITS.findall(best[0]) == digits:
            return best[0], float(best[1])
        if best is not None:  # the closest has other numbers: look a little further
            for choice, score, _ in process.extract(key, self._choices, scorer=fuzz.ratio,
                                                    score_cutoff=self.cutoff, limit=NEAREST):
                if _DIGITS.findall(choice) == digits:
                    return choice, float(score)
        if len(key) >= MIN_TYPO_LENGTH:  # one typo is forgiven in a short title too
            for choice, _, _ in process.extract(key, self._choices, scorer=OSA.distance,
                                                score_cutoff=1, limit=NEAREST):
                if _DIGITS.findall(choice) == digits:
                    return choice, float(fuzz.ratio(key, choice))
        return None

    def match_one(self, title: str) -> tuple[int, float]:
        """``(item index or -1, score)`` of one title."""
        hit = self._memo.get(title)
        if hit is not None:
            return hit
        key, year = normalise_title(title)
        candidates = self._primary.get(key) or self._alias.get(key)
        if candidates:
            out = (self._pick(candidates, year), 100.0)
        elif not key:
            out = (-1, 0.0)
        else:
            best = self._closest(key)
            if best is None:
                out = (-1, 0.0)
            else:
                choice, score = best
                found = self._primary.get(choice) or self._alias[choice]
                out = (self._pick(found, year), score)
        self._memo[title] = out
        return out

    def match(self, titles) -> tuple[np.ndarray, np.ndarray]:
        """Item indices (int64, -1 = no match) and scores (float64) of ``titles``."""
        pairs = [self.match_one(str(t)) for t in titles]
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        items, scores = zip(*pairs, strict=True)
        return np.asarray(items, dtype=np.int64), np.asarray(scores, dtype=np.float64)


def catalogue_matcher(data, *, cutoff: float = DEFAULT_CUTOFF) -> TitleMatcher:
    """The :class:`TitleMatcher` of ``data``'s item titles (ties go to the most popular)."""
    titles = data.items["title"] if "title" in data.items else data.items["item_id"]
    return TitleMatcher(titles.astype(str).tolist(), popularity=data.item_counts, cutoff=cutoff)
