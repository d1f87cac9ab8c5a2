"""A seeded mock LLM recommender with a planted sensitive-attribute effect — a test and demo
instrument for the audit, not a model of any real LLM.

For a prompt it lists ``k`` catalogue titles drawn without replacement (Gumbel top-k) from

    score(i) = popularity · z(log(1 + interactions_i)) + taste · T[anchor, i]
               + profile · (share of the profile sample in i's category) + effect(i)
               + temperature · Gumbel noise,

leaving out the profile's own items. ``T`` is fixed per anchor (so one user's answers resemble
each other), the noise is fresh for every prompt and sample (the model's own variation). The
planted effect applies only to prompts naming a value in ``effect`` (alone or within an
intersection): ``shift="category"`` adds ``strength`` to every item of ``category`` (default:
the catalogue's most common one), ``shift="popularity"`` adds ``strength · z(log(1 +
interactions))``. Every other prompt — neutral or naming another value — draws from the same
distribution. ``strength`` is on the scale of the Gumbel noise: at the default 2 an item of the
favoured category is e² ≈ 7.4 times as likely to be picked at the margin (on the demo shop its
share of the lists rises from about 12% to about 35%; benchmarks/bench_llm_audit.py).

Optionally some titles are lightly misspelt (two letters swapped or one dropped, lower case,
year dropped) and some places filled with invented titles, to exercise the grounding.
"""

from __future__ import annotations

import zlib
from typing import Literal

import numpy as np

from fairrec_core.audit import INTERSECTION
from fairrec_core.errors import DataError
from fairrec_core.llmaudit._prompts import default_noun

_WORDS_A = ("Silent", "Crimson", "Hidden", "Golden", "Broken", "Electric", "Midnight", "Velvet",
            "Distant", "Frozen", "Hollow", "Wandering", "Paper", "Iron", "Glass", "Burning")
_WORDS_B = ("Harbor", "Lantern", "Orchard", "Tide", "Compass", "Meridian", "Citadel", "Echo",
            "Canyon", "Violin", "Atlas", "Garden", "Signal", "Voyage", "Mirror", "Summit")


def _stable(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _misspell(title: str, rng: np.random.Generator) -> str:
    """One light mistake: letters swapped or dropped (letters only), lower case, year off."""
    how = int(rng.integers(4))
    if how == 3 and title.rstrip().endswith(")") and "(" in title:
        return title[:title.rfind("(")].rstrip()
    if how == 2:
        return title.lower()
    letters = [i for i, ch in enumerate(title) if ch.isalpha()]
    if len(letters) < 4:
        return title.lower()
    i = letters[int(rng.integers(1, len(letters) - 1))]
    if how == 0 and i + 1 < len(title) and title[i + 1].isalpha():
        return title[:i] + title[i + 1] + title[i] + title[i + 2:]
    return title[:i] + title[i + 1:]


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


class MockLLM:
    """The mock (see the module docstring): ``MockLLM(data, effect={"gender": "F"},
    strength=2.0, seed=0).answer(prompts, samples=5)`` gives the answer records
    (``prompt_id, model, sample, response``) of every prompt, ``samples`` times each. The
    same prompts and settings give the same answers."""

    def __init__(self, data, *, effect: dict[str, str] | None = None, strength: float = 2.0,
                 shift: Literal["category", "popularity"] = "category",
                 category: str | None = None, temperature: float = 1.0, taste: float = 3.0,
                 popularity: float = 1.0, profile: float = 1.0, misspelling: float = 0.0,
                 hallucination: float = 0.0, seed: int = 0, model: str = "mock"):
        if shift not in ("category", "popularity"):
            raise DataError(f"mock: shift {shift!r}: expected category or popularity")
        if temperature <= 0 or not 0 <= misspelling <= 1 or not 0 <= hallucination <= 1:
            raise DataError("mock: temperature must be > 0, misspelling and hallucination "
                            "shares in [0, 1]")
        self.data = data
        self.effect = {str(a): str(v) for a, v in (effect or {}).items()}
        for a in self.effect:
            if a not in data.users.columns:
                raise DataError(f"mock: effect on unknown user attribute {a!r}; available: "
                                f"{', '.join(data.user_attributes)}")
        self.strength, self.shift, self.temperature = float(strength), shift, float(temperature)
        self.weights = (float(popularity), float(taste), float(profile))
        self.misspelling, self.hallucination = float(misspelling), float(hallucination)
        self.seed, self.model = int(seed), str(model)
        items = data.items
        cats = items["category"].astype(str).to_numpy() if "category" in items else \
            np.full(data.n_items, "all")
        self._cat_names, self._cat = np.unique(cats, return_inverse=True)
        if category is None:
            category = str(self._cat_names[np.bincount(self._cat).argmax()])
        if category not in set(self._cat_names):
            raise DataError(f"mock: unknown category {category!r}")
        self.category = category
        self._pop = _z(np.log1p(data.item_counts.astype(np.float64)))
        target = self._cat == int(np.flatnonzero(self._cat_names == category)[0])
        self._lift = self._pop if shift == "popularity" else target.astype(np.float64)
        self._titles = (items["title"] if "title" in items else items["item_id"]).astype(str)
        self._titles = self._titles.to_numpy()
        self._index = {str(i): j for j, i in enumerate(data.item_vocab.lookup(
            np.arange(data.n_items)))}

    def planted(self, attribute, value) -> bool:
        """Whether a prompt naming ``attribute = value`` gets the effect."""
        if attribute is None:
            return False
        pairs = zip(str(attribute).split(INTERSECTION), str(value).split(INTERSECTION),
                    strict=True)
        return any(self.effect.get(a) == v for a, v in pairs)

    def _text(self, titles: list[str], noun: str) -> str:
        lines = [f"{r}. {t}" for r, t in enumerate(titles, start=1)]
        return f"Here are {len(titles)} {noun} you might enjoy:\n" + "\n".join(lines)

    def _anchor(self, key: str, rows, samples: int, noun: str) -> list[dict]:
        rng = np.random.default_rng([self.seed, _stable(key)])
        w_pop, w_taste, w_prof = self.weights
        base = w_pop * self._pop + w_taste * rng.standard_normal(self.data.n_items)
        out = []
        for row in rows:
            score = base.copy()
            mine = np.asarray([self._index[s] for s in row.sample_items if s in self._index], int)
            if len(mine):
                share = np.bincount(self._cat[mine], minlength=len(self._cat_names)) / len(mine)
                score += w_prof * share[self._cat]
            if self.planted(row.attribute, row.value):
                score += self.strength * self._lift
            score[mine] = -np.inf
            k = min(int(row.k), int(np.isfinite(score).sum()))
            for s in range(samples):
                noisy = score + self.temperature * rng.gumbel(size=len(score))
                top = np.argpartition(-noisy, k - 1)[:k]
                top = top[np.argsort(-noisy[top], kind="stable")]
                titles = []
                draws = rng.random((len(top), 2))
                for i, u in zip(top, draws, strict=True):
                    if u[0] < self.hallucination:
                        titles.append(f"The {_WORDS_A[rng.integers(16)]} "
                                      f"{_WORDS_B[rng.integers(16)]} of "
                                      f"{_WORDS_A[rng.integers(16)]} {_WORDS_B[rng.integers(16)]}")
                    elif u[1] < self.misspelling:
                        titles.append(_misspell(self._titles[i], rng))
                    else:
                        titles.append(self._titles[i])
                out.append({"prompt_id": row.prompt_id, "model": self.model, "sample": s,
                            "response": self._text(titles, noun)})
        return out

    def answer(self, prompts, *, samples: int = 1) -> list[dict]:
        """The answer records of every prompt of ``prompts`` (a
        :class:`~fairrec_core.llmaudit.PromptSet` of this dataset), ``samples`` each."""
        if samples < 1:
            raise DataError("mock: samples must be >= 1")
        prompts.check_data(self.data)
        noun = default_noun(self.data)
        out = []
        table = prompts.table
        for key, rows in table.groupby(["anchor", "user"], sort=False):
            out.extend(self._anchor(f"{key[0]}:{key[1]}", rows.itertuples(index=False),
                                    samples, noun))
        order = {p: i for i, p in enumerate(table["prompt_id"])}
        out.sort(key=lambda r: (order[r["prompt_id"]], r["sample"]))
        return out
