"""The loop: recommend -> choose -> append -> retrain, for several seeds.

Round 0 is the model trained on the data as loaded; after each round the users' choices are
appended to the training data (value 1, one timestamp per round after the data's last) and the
model is trained again from scratch. ``rounds=R`` measures rounds 0..R (R + 1 trainings).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fairrec_core.errors import DataError
from fairrec_core.feedback._choice import ChoiceModel
from fairrec_core.feedback._measure import LoopContext, measure_round
from fairrec_core.feedback._result import TABLE_COLUMNS, FeedbackResult

#: Candidates per user handed to a re-ranker chain (as the audit and mitigation use).
CANDIDATES = 100
#: The arm of a run without re-ranking.
PLAIN = "plain"


@dataclass(frozen=True)
class RoundDone:
    """Passed to ``progress`` after every finished round: ``seed``, ``round``, ``done`` of
    ``total`` rounds over all seeds, and the round's rows of the table."""

    seed: int
    round: int
    done: int
    total: int
    table: pd.DataFrame

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


def _chain(rerank):
    """None, or one re-ranker chain from specs (``"calibrated:lambda=0.5"``), re-rankers, or a
    chain."""
    from fairrec_core.reranking import RerankChain, parse_rerank

    if rerank is None or (isinstance(rerank, list | tuple) and not rerank):
        return None
    if isinstance(rerank, RerankChain):
        return rerank
    steps = [rerank] if isinstance(rerank, str) or not isinstance(rerank, list | tuple) else rerank
    return RerankChain([parse_rerank(s) if isinstance(s, str) else s for s in steps])


def simulate(data, truth, *, model, params: dict | None = None, rounds: int = 20,
             seeds=(0,), k: int = 10, rerank=None, candidates: int = CANDIDATES,
             choice: ChoiceModel | None = None, attributes=None, arm: str | None = None,
             progress: Callable[[RoundDone], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> FeedbackResult:
    """Run the loop on ``data`` (a Dataset) against ``truth`` (a
    :class:`~fairrec_core.feedback.GroundTruth` of its users and items) for every seed.

    ``model`` is a name of :data:`fairrec_core.models.MODELS` (or a class) trained with
    ``params`` (fair-training settings included, e.g. ``fairness="user_gap"``); a model with a
    ``random_state`` gets the seed unless ``params`` sets it. Each round every user gets a
    top-``k`` list — through ``rerank`` (specs, re-rankers or a chain, fitted each round on the
    round's training data and the model's top-``candidates``) when given — and chooses by
    ``choice`` (default: :class:`ChoiceModel`'s defaults) with the seed's generator.
    ``attributes``: the user attributes measured per group (default: the audit's). ``progress(RoundDone)`` is called after each round;
    ``should_stop()`` is asked before each and ends the run early: finished rounds are kept and
    ``result.stopped`` is True. Returns a :class:`FeedbackResult`.
    """
    from fairrec_core.models import MODELS, top_n

    started = time.perf_counter()
    cls = MODELS.get(model) if isinstance(model, str) else model
    if cls is None:
        raise DataError(f"simulate: unknown model {model!r}; available: {', '.join(MODELS)}")
    if truth.shape != (data.n_users, data.n_items):
        raise DataError(f"simulate: the truth is {truth.shape[0]} x {truth.shape[1]}, the data "
                        f"{data.n_users} users x {data.n_items} items")
    rounds, k, seeds = int(rounds), int(k), [int(s) for s in seeds]
    if rounds < 0 or k < 1 or not seeds or len(set(seeds)) != len(seeds):
        raise DataError("simulate: need rounds >= 0, k >= 1 and distinct seeds")
    choice = (choice or ChoiceModel()).check()
    chain = _chain(rerank)
    if chain is not None and int(candidates) <= k:
        raise DataError(f"simulate: candidates ({candidates}) must exceed k ({k})")
    params = dict(params or {})
    takes_seed = "random_state" in inspect.signature(cls.__init__).parameters
    label = arm or (" -> ".join(chain.spec()) if chain is not None else PLAIN)
    ctx = LoopContext.build(data, truth, k=k, attributes=attributes)
    base = data.interactions[["user", "item", "value", "timestamp"]]
    t0 = int(base["timestamp"].max()) + 1
    users = np.arange(data.n_users)
    total, done, frames, stopped = len(seeds) * (rounds + 1), 0, [], False
    for seed in seeds:
        rng = np.random.default_rng(seed)
        fit_params = {**params, "random_state": params.get("random_state", seed)} \
            if takes_seed else params
        parts = [base]
        consumed = sp.csr_matrix((data.n_users, data.n_items))
        for r in range(rounds + 1):
            if should_stop is not None and should_stop():
                stopped = True
                break
            train = data.with_interactions(pd.concat(parts, ignore_index=True))
            fitted = cls(**fit_params).fit(train)
            if chain is None:
                lists = top_n(fitted, users, k)
            else:
                candidates_ = top_n(fitted, users, int(candidates))
                lists = chain.fit(train, candidates_).rerank(candidates_, k)
            true = np.where(lists.items >= 0, truth.utilities[users[:, None],
                                                              np.maximum(lists.items, 0)], 0.0)
            rows, picked = choice.choose(lists.items, true, rng)
            chosen_users = lists.users[rows]
            consumed = consumed + sp.csr_matrix(
                (np.ones(len(rows)), (chosen_users, picked)), shape=consumed.shape)
            figures = measure_round(ctx, lists, train, (chosen_users, picked), consumed)
            frame = _rows(figures, ctx.labels, arm=label, seed=seed, round_=r)
            frames.append(frame)
            parts.append(pd.DataFrame({"user": chosen_users, "item": picked,
                                       "value": np.ones(len(rows)),
                                       "timestamp": np.full(len(rows), t0 + r, dtype=np.int64)}))
            done += 1
            if progress is not None:
                progress(RoundDone(seed, r, done, total, frame))
        if stopped:
            break
    table = pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame({c: [] for c in TABLE_COLUMNS})
    settings = {"model": cls.name, "params": params, "rounds": rounds, "seeds": seeds, "k": k,
                "rerank": chain.spec() if chain is not None else [],
                "candidates": int(candidates) if chain is not None else None,
                "choice": choice.to_dict(), "truth": truth.source,
                "attributes": sorted({a for a, _ in ctx.labels[1:]})}
    return FeedbackResult(table=table, arm=label, settings=settings,
                          assumption=truth.assumption, stopped=stopped,
                          seconds=time.perf_counter() - started)


def _rows(figures: dict, labels, *, arm: str, seed: int, round_: int) -> pd.DataFrame:
    metrics = list(figures)
    n = len(labels)
    return pd.DataFrame({
        "arm": arm, "seed": seed, "round": round_,
        "attribute": [a for _ in metrics for a, _g in labels],
        "group": [g for _ in metrics for _a, g in labels],
        "metric": np.repeat(metrics, n),
        "value": np.concatenate([np.asarray(figures[m], dtype=np.float64) for m in metrics]),
    })[list(TABLE_COLUMNS)]
