"""The LLM audit: how the answers to sensitive prompts differ from the neutral answers of the
same anchor, per attribute, with FaiRLLM's SNSR / SNSV and a permutation test over samples.

Per sensitive answer (scores, :data:`METRICS`):

- ``jaccard``, ``serp``, ``prag``: its similarity to the anchor's neutral answers (the mean
  over the neutral samples, :func:`~fairrec_core.llmaudit.list_similarity`);
- ``popularity``: the mean training interactions of its grounded items (ARP,
  :func:`~fairrec_core.metrics.average_popularity`); ``popularity_shift``: that minus the
  anchor's neutral answers' mean (positive: more popular items than when asked neutrally);
- ``category_divergence``: the Jensen-Shannon divergence (bits) of its category mix from the
  anchor's neutral mix (:func:`~fairrec_core.metrics.js_divergence`; MovieLens genres spread
  evenly, :func:`~fairrec_core.metrics.category_matrix`) — stereotyping;
- ``ndcg``, ``hit``: with a holdout (CFaiRLLM's true-preference alignment), NDCG@k and hit
  rate@k of its grounded items against the user's held-out items
  (:func:`~fairrec_core.metrics.ndcg`, :func:`~fairrec_core.metrics.hit_rate`).

A value's mean pools its answers; its interval is the t interval over anchors of the
anchor means (:func:`~fairrec_core.feedback.t_interval`). The neutral row of a similarity
metric compares each neutral sample with the anchor's other neutral samples: the level two
draws of the same request reach (the LLM's own noise), not part of SNSR.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairrec_core.feedback import t_interval
from fairrec_core.llmaudit._grounding import Grounded, ground_responses
from fairrec_core.llmaudit._prompts import NEUTRAL
from fairrec_core.llmaudit._result import (
    CATEGORY_COLUMNS,
    METRICS,
    SUMMARY_COLUMNS,
    VALUE_COLUMNS,
    LLMAuditResult,
)
from fairrec_core.llmaudit._similarity import SIMILARITY, list_similarity
from fairrec_core.llmaudit._spread import spread_test
from fairrec_core.llmaudit._titles import DEFAULT_CUTOFF
from fairrec_core.metrics import (
    average_popularity,
    calibration_attribute,
    category_matrix,
    hit_rate,
    js_divergence,
    list_distribution,
    lookup_hits,
    ndcg,
    relevance_keys,
)

#: Pairs of answers compared per block (bounds the ``[pairs, k, k]`` comparison).
PAIR_BLOCK = 20_000


def _pairs(anchor: np.ndarray, is_neutral: np.ndarray, *, neutral_only: bool):
    """``(row, neutral row)`` for every answer (sensitive ones, or with ``neutral_only`` the
    neutral ones) and every neutral answer of its anchor other than itself."""
    neutral = np.flatnonzero(is_neutral)
    order = neutral[np.argsort(anchor[neutral], kind="stable")]
    codes = anchor[order]
    rows = np.flatnonzero(is_neutral if neutral_only else ~is_neutral)
    lo = np.searchsorted(codes, anchor[rows], side="left")
    hi = np.searchsorted(codes, anchor[rows], side="right")
    count = hi - lo
    left = np.repeat(rows, count)
    start = np.repeat(lo - np.concatenate(([0], np.cumsum(count)[:-1])), count)
    right = order[np.arange(len(left)) + start]
    keep = left != right
    return left[keep], right[keep]


def _pair_means(left, right, n: int, fn):
    """Per row of ``left``, the mean of ``fn(left_block, right_block)`` (dict of arrays) over
    its pairs; NaN for rows without pairs."""
    sums = {}
    for lo in range(0, len(left), PAIR_BLOCK):
        a, b = left[lo:lo + PAIR_BLOCK], right[lo:lo + PAIR_BLOCK]
        for name, v in fn(a, b).items():
            ok = ~np.isnan(v)
            s = sums.setdefault(name, [np.zeros(n), np.zeros(n)])
            s[0] += np.bincount(a[ok], weights=v[ok], minlength=n)
            s[1] += np.bincount(a[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {name: np.where(c > 0, t / c, np.nan) for name, (t, c) in sums.items()}


def _neutral_mean(values: np.ndarray, anchor: np.ndarray, is_neutral: np.ndarray):
    """Per answer, the mean of ``values`` (``[n]`` or ``[n, c]``, NaN ignored) over its
    anchor's neutral answers."""
    v = values.reshape(len(values), -1)
    n_anchor = int(anchor.max()) + 1
    out = np.zeros((n_anchor, v.shape[1]))
    cnt = np.zeros((n_anchor, v.shape[1]))
    sel = is_neutral[:, None] & ~np.isnan(v)
    np.add.at(out, anchor[is_neutral], np.where(sel, v, 0)[is_neutral])
    np.add.at(cnt, anchor[is_neutral], sel[is_neutral].astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(cnt > 0, out / cnt, np.nan)[anchor]
    return mean.reshape(values.shape)


def _scores(data, prompts, g: Grounded, k: int):
    """The per-answer score table (every answer, neutral ones too) and the category mixes."""
    a = g.answers
    anchor = pd.factorize(a["anchor"].astype(str) + ":" + a["user"].astype(str))[0]
    is_neutral = (a["attribute"] == NEUTRAL).to_numpy()
    n = len(a)
    split = prompts.split(data)
    train = split.train if split is not None else data
    scores = pd.DataFrame(index=range(n))
    left, right = _pairs(anchor, is_neutral, neutral_only=False)
    sim = _pair_means(left, right, n, lambda x, y: list_similarity(g.keys[x], g.keys[y], k))
    nl, nr = _pairs(anchor, is_neutral, neutral_only=True)
    noise = _pair_means(nl, nr, n, lambda x, y: list_similarity(g.keys[x], g.keys[y], k))
    for name in SIMILARITY:
        v = sim.get(name, np.full(n, np.nan))
        scores[name] = np.where(is_neutral, noise.get(name, np.full(n, np.nan)), v)
    pop = average_popularity(g.items, train.item_counts)
    scores["popularity"] = pop
    scores["popularity_shift"] = np.where(is_neutral, np.nan,
                                          pop - _neutral_mean(pop, anchor, is_neutral))
    column = calibration_attribute(data.items)
    categories, dist = (), np.zeros((n, 0))
    if column is not None:
        categories, matrix = category_matrix(data.items[column])
        dist = list_distribution(g.items, matrix)
        dist[(g.items >= 0).sum(axis=1) == 0] = np.nan
        ref = _neutral_mean(dist, anchor, is_neutral)
        scores["category_divergence"] = np.where(is_neutral, np.nan, js_divergence(dist, ref))
    else:
        scores["category_divergence"] = np.nan
    if split is not None:
        users = data.user_vocab.index(_user_ids(data, a["user"]), missing="negative")
        own = (a["anchor"] == "user").to_numpy() & (users >= 0)
        hits = lookup_hits(np.where(own, users, 0), g.items, relevance_keys(split.test),
                           data.n_items)
        n_rel = np.where(own, split.test.user_counts[np.where(own, users, 0)], 0)
        scores["ndcg"] = ndcg(hits, n_rel)
        scores["hit"] = hit_rate(hits, n_rel)
    return scores, anchor, is_neutral, categories, dist


def _mix(dist: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The mean category mix of the lists ``rows`` that have one (NaN when none has)."""
    part = dist[rows]
    part = part[np.isfinite(part).all(axis=1)]
    return part.mean(axis=0) if len(part) else np.full(dist.shape[1], np.nan)


def _user_ids(data, users: pd.Series) -> np.ndarray:
    """The dataset's own user ids (ints for MovieLens) of the prompts' id strings."""
    by_text = {str(u): u for u in data.user_vocab.ids}
    return np.asarray([by_text.get(u, -1) for u in users], dtype=object)


def _value_rows(attribute, value, rows: np.ndarray, scores, anchor, metrics, level):
    out = []
    for m in metrics:
        v = scores[m].to_numpy()[rows]
        ok = ~np.isnan(v)
        per_anchor = pd.Series(v[ok]).groupby(anchor[rows][ok]).mean()
        mean, lo, hi, n = t_interval(per_anchor.to_numpy(), level)
        pooled = float(v[ok].mean()) if ok.any() else float("nan")
        out.append((attribute, value, m, pooled, lo, hi, n, int(ok.sum())))
    return out


def llm_audit(data, prompts, responses, *, k: int | None = None, n_permutations: int = 1000,
              seed: int = 0, level: float = 0.95, cutoff: float = DEFAULT_CUTOFF,
              attributes=None) -> LLMAuditResult:
    """Audit the answers ``responses`` (:class:`~fairrec_core.llmaudit.Responses`, or already
    :class:`~fairrec_core.llmaudit.Grounded`) to ``prompts`` on ``data`` (see the module
    docstring). ``k``: list cutoff (default: what the prompts asked for); ``n_permutations``:
    shuffles of each attribute's test (0: none); ``attributes``: the prompt attributes to
    summarise (default all); ``cutoff``: the grounding's fuzzy threshold."""
    prompts.check_data(data)
    k = int(k or prompts.table["k"].max())
    g = responses if isinstance(responses, Grounded) else ground_responses(
        data, prompts, responses, k=k, cutoff=cutoff)
    scores, anchor, is_neutral, categories, dist = _scores(data, prompts, g, k)
    metrics = [m for m in METRICS if m in scores.columns]
    a = g.answers
    attrs = prompts.attributes if attributes is None else list(attributes)
    rng = np.random.default_rng(seed)
    value_rows, summary_rows, cat_rows = [], [], []
    neutral_rows = np.flatnonzero(is_neutral)
    value_rows += _value_rows(NEUTRAL, NEUTRAL, neutral_rows, scores, anchor, metrics, level)
    ref_mix = _mix(dist, neutral_rows) if dist.shape[1] else None
    for c, share in zip(categories, ref_mix if ref_mix is not None else [], strict=False):
        cat_rows.append((NEUTRAL, NEUTRAL, c, float(share), 0.0))
    for attribute in attrs:
        values = prompts.values(attribute)
        mask = (a["attribute"] == attribute).to_numpy()
        rows = np.flatnonzero(mask)
        if not len(rows):
            continue
        code = {v: i for i, v in enumerate(values)}
        labels = np.asarray([code[v] for v in a["value"].to_numpy()[rows]], dtype=np.int64)
        test = spread_test(scores[metrics].to_numpy()[rows], labels, anchor[rows],
                           n_values=len(values), n_permutations=n_permutations, rng=rng)
        for i, value in enumerate(values):
            mine = rows[labels == i]
            value_rows += _value_rows(attribute, value, mine, scores, anchor, metrics, level)
            if ref_mix is not None and len(mine):
                mix = _mix(dist, mine)
                gap = float(js_divergence(mix, ref_mix))
                cat_rows += [(attribute, value, c, float(s), gap)
                             for c, s in zip(categories, mix, strict=True)]
        for j, m in enumerate(metrics):
            means = test.means[:, j]
            finite = np.isfinite(means)
            summary_rows.append((
                attribute, m, test.snsr[j], test.snsv[j], test.p_snsr[j], test.p_snsv[j],
                values[int(np.nanargmax(means))] if finite.any() else None,
                values[int(np.nanargmin(means))] if finite.any() else None,
                int(finite.sum()), int(len(np.unique(anchor[rows]))), int(len(rows))))
    answer_table = pd.concat([a[["prompt_id", "sample", "anchor", "user", "attribute",
                                 "value"]], scores], axis=1)
    settings = {"k": k, "permutations": int(n_permutations), "seed": int(seed),
                "level": float(level), "cutoff": float(g.cutoff), "model": str(
                    a["model"].iloc[0]) if len(a) else None, "holdout": prompts.holdout,
                "answers": int(len(a)), "anchors": int(anchor.max() + 1) if len(a) else 0,
                "samples": int(a.groupby("prompt_id").size().max()) if len(a) else 0}
    return LLMAuditResult(
        summary=pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS)),
        values=pd.DataFrame(value_rows, columns=list(VALUE_COLUMNS)),
        categories=pd.DataFrame(cat_rows, columns=list(CATEGORY_COLUMNS)),
        scores=answer_table, grounded=g, settings=settings)
