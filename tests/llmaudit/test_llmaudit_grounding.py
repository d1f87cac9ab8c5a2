"""Grounding free-text titles: real catalogue titles with seeded light misspellings are matched
to the right items (>= 95%), invented titles are reported as hallucinations, and the answers'
lists keep their order."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fairrec_core.llmaudit import (
    build_prompts,
    catalogue_matcher,
    ground_responses,
    normalise_title,
    responses_from_records,
)

#: Invented titles (none is in the demo shop or MovieLens 100K, some sound like real ones).
INVENTED = ["The Crimson Horizon", "Midnight Echoes of the Valley", "Star Wars: The Last Jedi",
            "Toy Story 4", "The Quantum Librarian", "Blade Runner 2049",
            "A Whisper in Paper Rain", "Glass Orchard Nights", "Electronics gadget deluxe",
            "The Velvet Compass"]


def _natural(title: str) -> str:
    """How an answer writes a MovieLens title: "Net, The (1995)" -> "The Net (1995)"."""
    m = re.match(r"^(.*?), (The|A|An)( \(\d{4}\))?$", title)
    return f"{m.group(2)} {m.group(1)}{m.group(3) or ''}" if m else title


def _misspell(title: str, rng: np.random.Generator) -> str:
    """One light mistake: two adjacent letters swapped, a letter dropped, the case changed, or
    the year dropped. Letters only: changing a digit of "Electronics item 12" would make
    another real title, which no matcher could tell apart."""
    how = int(rng.integers(4))
    pairs = [i for i in range(len(title) - 1) if title[i].isalpha() and title[i + 1].isalpha()]
    if how == 0 and pairs:
        i = pairs[int(rng.integers(len(pairs)))]
        return title[:i] + title[i + 1] + title[i] + title[i + 2:]
    if how == 1 and pairs:
        i = pairs[int(rng.integers(len(pairs)))]
        return title[:i] + title[i + 1:]
    if how == 2:
        return title.lower() if rng.random() < 0.5 else title.upper()
    return re.sub(r"\s*\(\d{4}\)\s*$", "", title)


def _check_catalogue(data, n: int, seed: int):
    titles = data.items["title"].astype(str).tolist()
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(titles), size=min(n, len(titles)), replace=False)
    matcher = catalogue_matcher(data)
    exact, _ = matcher.match([_natural(titles[i]) for i in pick])
    assert [titles[i] for i in exact] == [titles[i] for i in pick]  # same title (ML repeats 18)
    queries = [_misspell(_natural(titles[i]), rng) for i in pick]
    got, score = matcher.match(queries)
    rate = float((got >= 0).mean())
    # the right title: the same normalised title (without the year a remake is ambiguous)
    right = [normalise_title(titles[g])[0] == normalise_title(titles[i])[0]
             for g, i in zip(got, pick, strict=True) if g >= 0]
    assert rate >= 0.95, rate
    assert np.mean(right) >= 0.99, np.mean(right)
    assert (score[got >= 0] >= matcher.cutoff).mean() > 0.9  # most pass the ratio itself
    invented, _ = matcher.match(INVENTED)
    assert (invented == -1).all(), [INVENTED[i] for i in np.flatnonzero(invented >= 0)]
    return rate


def test_demo_shop_titles_with_light_misspellings(demo):
    assert _check_catalogue(demo, 500, seed=0) >= 0.95


def test_movielens_titles_with_light_misspellings(ml100k):
    assert _check_catalogue(ml100k, 800, seed=1) >= 0.95


@pytest.mark.parametrize(("title", "key", "year"), [
    ("Usual Suspects, The (1995)", "usual suspects", 1995),
    ("the usual suspects", "usual suspects", None),
    ("  THE USUAL SUSPECTS (1995) ", "usual suspects", 1995),
    ("Misérables, Les (1995)", "les miserables", 1995),
    ("Bug's Life, A (1998)", "bugs life", 1998),
    ("Star Wars: Episode IV", "star wars episode iv", None),
    ("Fish & Chips", "fish and chips", None),
])
def test_normalise_title(title, key, year):
    assert normalise_title(title) == (key, year)


def test_year_tells_remakes_apart_and_numbers_must_agree(ml100k):
    """MovieLens has Cape Fear (1962) and (1991): the year picks one, without it the more
    popular one. A sequel the catalogue lacks is not its original."""
    m = catalogue_matcher(ml100k)
    titles = ml100k.items["title"].tolist()
    assert titles[m.match_one("Cape Fear (1962)")[0]] == "Cape Fear (1962)"
    assert titles[m.match_one("Cape Fear (1991)")[0]] == "Cape Fear (1991)"
    popular = max(("Cape Fear (1962)", "Cape Fear (1991)"),
                  key=lambda t: ml100k.item_counts[titles.index(t)])
    assert titles[m.match_one("Cape Fear")[0]] == popular
    assert m.match_one("Toy Story 3")[0] == -1
    assert titles[m.match_one("Toy Story")[0]] == "Toy Story (1995)"


def test_answers_become_ranked_lists_with_hallucinations_reported(demo):
    """One user, k = 4: the neutral answer names 3 real titles (one misspelt, one twice) and an
    invented one; its list keeps the order, drops the repeat, and the invented title gets a
    key beyond the catalogue; grounding rate 3/4; the hallucination is listed."""
    prompts = build_prompts(demo, attributes=["gender"], users=1, k=4, seed=3)
    pids = prompts.table["prompt_id"].tolist()
    titles = demo.items["title"].tolist()
    answer = (f"Sure!\n1. {titles[5]}\n2. {titles[9].lower()}\n3. {titles[5]}\n"
              f"4. The Velvet Compass\n5. {titles[2][:2] + titles[2][3:]}")
    records = [{"prompt_id": pids[0], "response": answer},
               {"prompt_id": pids[1], "response": [titles[9], "The Velvet Compass"]},
               {"prompt_id": pids[2], "response": []}]
    responses = responses_from_records(list(enumerate(records, start=1)), prompts)
    g = ground_responses(demo, prompts, responses)
    assert g.keys[0].tolist() == [5, 9, demo.n_items, 2]
    assert g.items[0].tolist() == [5, 9, -1, 2]
    assert g.keys[1].tolist() == [9, demo.n_items, -1, -1]  # the same invented title, same key
    assert g.keys[2].tolist() == [-1] * 4
    by = g.by_group().set_index("value")
    assert by.loc["neutral", "titles"] == 4 and by.loc["neutral", "grounded"] == 3
    assert by.loc["neutral", "rate"] == pytest.approx(0.75)
    assert by.loc["F", "hallucinations"] == 1 and np.isnan(by.loc["M", "rate"])
    assert g.rate == pytest.approx(4 / 6)
    h = g.hallucinations()
    assert h.to_dict("records") == [{"title": "The Velvet Compass", "answers": 2}]
    per = g.hallucinations(by_group=True)
    assert per.values.tolist() == [["gender", "F", "The Velvet Compass", 1],
                                   ["neutral", "neutral", "The Velvet Compass", 1]]
