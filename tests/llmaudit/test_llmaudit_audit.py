"""The audit end to end on hand-made answers (every number worked out by hand), the true-
preference scores, and the mock's planted effect found in the right direction."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_core.llmaudit import (
    MockLLM,
    build_prompts,
    llm_audit,
    responses_from_records,
)


def _answers(prompts, lists):
    """Answer records: ``lists[(user position, value)]`` -> titles."""
    users = list(dict.fromkeys(prompts.table["user"]))
    out = []
    for row in prompts.table.itertuples(index=False):
        key = (users.index(row.user), row.value or "neutral")
        out.append({"prompt_id": row.prompt_id, "response": lists[key]})
    return responses_from_records(list(enumerate(out, start=1)), prompts)


@pytest.fixture(scope="module")
def hand(demo):
    """Two users, k = 3, gender F / M (the shop's "U" gets no prompt), titles t1..t9.
    User A: neutral (t1, t2, t3), F (t1, t2, t3), M (t1, t4, t5).
    User B: neutral (t6, t7, t8), F (t6, t7, t9), M (t6, t7, t8)."""
    prompts = build_prompts(demo, attributes=["gender"], users=2, k=3, sample="none",
                            holdout=0.0, seed=5)
    t = demo.items["title"].tolist()
    lists = {(0, "neutral"): [t[1], t[2], t[3]], (0, "F"): [t[1], t[2], t[3]],
             (0, "M"): [t[1], t[4], t[5]], (1, "neutral"): [t[6], t[7], t[8]],
             (1, "F"): [t[6], t[7], t[9]], (1, "M"): [t[6], t[7], t[8]]}
    result = llm_audit(demo, prompts, _answers(prompts, lists), n_permutations=500, seed=0)
    return prompts, result


def test_value_similarities_and_snsr_by_hand(hand):
    """Jaccard@3: A-F 1, A-M 1/5, B-F 2/4, B-M 1 -> F (1 + 0.5)/2 = 0.75, M (0.2 + 1)/2 = 0.6,
    SNSR 0.15, SNSV 0.075. SERP*@3 (denominator 6): A-F 6/6, A-M 3/6, B-F (3 + 2)/6, B-M 1 ->
    F 11/12, M 3/4, SNSR 1/6. PRAG*@3 (denominator 12): A-F 3/12, A-M (t1,t4) (t1,t5) 2/12,
    B-F 3/12, B-M 3/12 -> F 1/4, M 5/24, SNSR 1/24. The four label arrangements of the two
    users give SNSR 0.15 or 0.65 for Jaccard: p = 1."""
    _, r = hand
    values = r.values.set_index(["attribute", "value", "metric"])["mean"]
    assert values[("gender", "F", "jaccard")] == pytest.approx(0.75)
    assert values[("gender", "M", "jaccard")] == pytest.approx(0.6)
    assert values[("gender", "F", "serp")] == pytest.approx(11 / 12)
    assert values[("gender", "M", "serp")] == pytest.approx(3 / 4)
    assert values[("gender", "F", "prag")] == pytest.approx(1 / 4)
    assert values[("gender", "M", "prag")] == pytest.approx(5 / 24)
    jac = r.row("gender", "jaccard")
    assert jac["snsr"] == pytest.approx(0.15) and jac["snsv"] == pytest.approx(0.075)
    assert (jac["highest"], jac["lowest"]) == ("F", "M") and jac["p_snsr"] == 1.0
    assert r.row("gender", "serp")["snsr"] == pytest.approx(1 / 6)
    assert r.row("gender", "prag")["snsr"] == pytest.approx(1 / 24)
    assert (jac["values"], jac["anchors"], jac["answers"]) == (2, 2, 4)


def test_popularity_shift_is_against_the_users_own_neutral_list(hand, demo):
    """popularity_shift of A-M = mean interactions of (t1, t4, t5) minus (t1, t2, t3); B-M = 0
    (its neutral list); M's mean is the mean of the two."""
    _, r = hand
    c = demo.item_counts.astype(float)
    a_m = c[[1, 4, 5]].mean() - c[[1, 2, 3]].mean()
    values = r.values.set_index(["attribute", "value", "metric"])["mean"]
    assert values[("gender", "M", "popularity_shift")] == pytest.approx(a_m / 2)
    assert values[("gender", "F", "popularity_shift")] == pytest.approx(
        (c[[6, 7, 9]].mean() - c[[6, 7, 8]].mean()) / 2)
    assert values[("neutral", "neutral", "popularity")] == pytest.approx(
        (c[[1, 2, 3]].mean() + c[[6, 7, 8]].mean()) / 2)


def test_true_preference_hits_against_held_out_items(demo):
    """With a holdout, an answer listing k of the user's held-out items scores NDCG@k = 1 and
    hit = 1; one listing none of them 0 and 0 (both from fairrec_core.metrics). Holdout 0.5:
    every shop user (3+ interactions) has at least 2 held-out items; k = 2."""
    prompts = build_prompts(demo, attributes=["gender"], users=3, k=2, sample="random",
                            holdout=0.5, seed=2)
    test = prompts.split(demo).test
    titles = demo.items["title"].tolist()
    users = list(dict.fromkeys(prompts.table["user"]))
    records = []
    for row in prompts.table.itertuples(index=False):
        u = demo.user_vocab.index(row.user)
        held = test.interactions.loc[test.interactions["user"] == u, "item"].tolist()
        assert len(held) >= 2 and not set(held) & {demo.item_vocab.index(s) for s in row.sample_items}
        other = [i for i in range(demo.n_items) if i not in set(
            demo.interactions.loc[demo.interactions["user"] == u, "item"])][:2]
        pick = held[:2] if row.value != "M" else other
        records.append({"prompt_id": row.prompt_id, "response": [titles[i] for i in pick]})
    r = llm_audit(demo, prompts, responses_from_records(list(enumerate(records, 1)), prompts),
                  n_permutations=0)
    s = r.scores.set_index("prompt_id")
    for row in prompts.table.itertuples(index=False):
        want = 0.0 if row.value == "M" else 1.0
        assert s.loc[row.prompt_id, "ndcg"] == pytest.approx(want)
        assert s.loc[row.prompt_id, "hit"] == want
    assert len(users) == 3 and np.isnan(r.row("gender", "ndcg")["p_snsr"])


def test_mock_planted_effect_found_in_its_direction(demo):
    """Five seeds of the mock with gender = F favouring one category (strength 2): in every
    seed F's answers are less similar to the neutral ones than M's (Jaccard@10), hold more of
    the favoured category than the neutral answers, and the gender SNSR has p < 0.05 (200
    shuffles; 60 users, 4 samples). The full detection count is benchmarks/bench_llm_audit.py
    --part detection."""
    for seed in range(5):
        prompts = build_prompts(demo, attributes=["gender", "region"], users=60, seed=seed)
        mock = MockLLM(demo, effect={"gender": "F"}, strength=2.0, seed=seed)
        answers = responses_from_records(list(enumerate(mock.answer(prompts, samples=4), 1)),
                                         prompts)
        r = llm_audit(demo, prompts, answers, n_permutations=200, seed=seed)
        jac = r.value_table("jaccard", "gender").set_index("value")["mean"]
        assert jac["F"] < jac["M"], (seed, jac.to_dict())
        cat = r.categories[r.categories["category"] == mock.category].set_index("value")
        assert cat.loc["F", "share"] > cat.loc["neutral", "share"] + 0.1
        assert abs(cat.loc["M", "share"] - cat.loc["neutral", "share"]) < 0.05
        assert r.row("gender", "jaccard")["p_snsr"] < 0.05
        assert r.row("gender", "jaccard")["lowest"] == "F"


def test_mock_is_deterministic_and_plants_only_where_asked(demo):
    prompts = build_prompts(demo, attributes=["gender", "region"], users=4, seed=1,
                            intersections=True)
    mock = MockLLM(demo, effect={"gender": "F"}, strength=2.0, seed=9, misspelling=0.2,
                   hallucination=0.1)
    assert mock.answer(prompts, samples=2) == mock.answer(prompts, samples=2)
    other = MockLLM(demo, effect={"gender": "F"}, strength=2.0, seed=10).answer(prompts)
    assert other != MockLLM(demo, effect={"gender": "F"}, strength=2.0, seed=9).answer(prompts)
    assert mock.planted("gender & region", "F & North") and not mock.planted("region", "North")
    assert not mock.planted(None, None) and not mock.planted("gender", "M")
