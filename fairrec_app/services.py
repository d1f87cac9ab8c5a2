"""Cached services: every heavy computation the pages need, cached by Streamlit.

``st.cache_resource`` holds the immutable heavy objects (datasets, splits, fitted models,
candidate lists, audit contexts, fitted re-rankers): they are shared between sessions and never
copied, which keeps a what-if slider update cheap. ``st.cache_data`` holds tables (DataFrames,
dicts) that pages show and download. Unhashable inputs are passed as ``_x`` together with a
hashable key that identifies them (a data source key, a dataset fingerprint, model settings).
Nothing here reads a widget.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from fairrec_app import data_views
from fairrec_app.settings import (  # noqa: F401  (DEFAULT_MODEL: services.DEFAULT_MODEL)
    DEFAULT_CANDIDATES,
    DEFAULT_MODEL,
    EvalSettings,
    Reranking,
    RerankStep,
)
from fairrec_app.sources import DataSource, ImportedUpload
from fairrec_core.data import Dataset, Split, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.ranking import RankedLists


# ---- data ------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the data…", max_entries=4)
def dataset(key: str, _source: DataSource) -> Dataset:
    """The dataset a source names (``key`` is ``source.key``)."""
    return _source.load()


@st.cache_resource(show_spinner="Splitting into train and test…", max_entries=8)
def split(data_key: str, method: str, test_size: float, seed: int, _data: Dataset) -> Split:
    return split_dataset(_data, method=method, test_size=test_size, seed=seed)


def split_for(source: DataSource, ev: EvalSettings) -> Split:
    data = dataset(source.key, source)
    return split(data.fingerprint, ev.method, ev.test_size, ev.seed, data)


@st.cache_data(show_spinner=False, max_entries=8)
def group_sizes(data_key: str, _data: Dataset) -> pd.DataFrame:
    return data_views.group_sizes(_data)


@st.cache_data(show_spinner=False, max_entries=32)
def category_mix(data_key: str, attribute: str, item_attribute: str, _data: Dataset) -> pd.DataFrame:
    return data_views.category_mix(_data, attribute, item_attribute)


@st.cache_data(show_spinner=False, max_entries=8)
def long_tail(data_key: str, _data: Dataset) -> pd.DataFrame:
    return data_views.long_tail(_data)


# ---- models ----------------------------------------------------------------------------------
#: Tried in turn when a model does not fit the data (``Recommender.size_problem``).
FALLBACK_MODELS = ("als", "popularity")


@dataclass(frozen=True, eq=False)
class Trained:
    """A fitted model and what its training reported (one entry per progress call)."""

    model: object
    history: tuple
    seconds: float


def threads() -> int | None:
    """The CPU threads training and scoring use: ``FAIRREC_THREADS`` when set, else every
    available CPU — the same default as the benchmarks and ``python -m fairrec_core train``
    (:func:`fairrec_core.models.limit_threads`)."""
    value = os.environ.get("FAIRREC_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


@st.cache_resource(show_spinner=False, max_entries=12)
def fitted_model(train_key: str, name: str, params_json: str, _train: Dataset) -> Trained:
    """Train ``MODELS[name](**params)`` on the training split under :func:`threads`, behind a
    progress bar that shows the time elapsed and left (from the progress fraction).

    The bar is created inside the cached function (Streamlit replays it, already finished, on a
    cache hit). ``train_key`` is the training split's fingerprint. A rerun requested while it
    runs (the Models page's Cancel button) interrupts it at the next bar update: the exception
    leaves the cache without an entry, so nothing half-trained is kept.
    """
    from fairrec_core import names
    from fairrec_core.models import MODELS, limit_threads

    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}; available: {', '.join(MODELS)}")
    params = json.loads(params_json)
    title = names.model(name)
    slot = st.empty()
    slot.progress(0.0, text=f"Training {title} on {_train.n_interactions:,} interactions…")
    history = []
    start = time.perf_counter()

    def progress(p) -> None:
        history.append(p)
        fraction = min(1.0, p.step / max(1, p.total))
        timing = describe_time(time.perf_counter() - start, fraction)
        slot.progress(fraction, text=f"Training {title}: {describe_progress(p)} · {timing}")

    with limit_threads(threads()):
        model = MODELS[name](**params).fit(_train, progress=progress)
    slot.empty()
    return Trained(model, tuple(history), time.perf_counter() - start)


def describe_time(elapsed: float, fraction: float) -> str:
    """"12 s elapsed, about 30 s left": the time left extrapolated from the fraction done
    (an upper bound for a model that stops early)."""
    text = f"{_duration(elapsed)} elapsed"
    if 0 < fraction < 1:
        text += f", about {_duration(elapsed * (1 - fraction) / fraction)} left"
    return text


def _duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


@st.cache_resource(show_spinner="Loading the saved model…", max_entries=8)
def saved_model(path: str, modified: float, train_key: str, _train: Dataset) -> Trained:
    """A model saved under ``path`` (``modified`` = its mtime, so a re-saved model reloads)."""
    from fairrec_core.models import load_model

    start = time.perf_counter()
    model = load_model(path, data=_train)
    return Trained(model, (), time.perf_counter() - start)


def describe_progress(p) -> str:
    bits = [p.message] if getattr(p, "message", "") else [f"step {p.step} of {p.total}"]
    if getattr(p, "loss", None) is not None:
        bits.append(f"loss {p.loss:.4f}")
    if getattr(p, "val_ndcg", None) is not None:
        bits.append(f"validation NDCG@10 {p.val_ndcg:.3f}")
    return " · ".join(bits)


@st.cache_resource(show_spinner="Scoring the candidates…", max_entries=12)
def candidates(model_key: str, n: int, _model, _users: np.ndarray) -> RankedLists:
    """Each audited user's top-``n`` unseen items with the model's scores (the re-rankers'
    input); computed once per model, never on a slider move."""
    from fairrec_core.models import limit_threads, top_n

    with limit_threads(threads()):
        return top_n(_model, _users, n)


@st.cache_resource(show_spinner="Reading the imported lists…", max_entries=4)
def imported(data_key: str, upload_key: str, k: int, _data: Dataset, _upload: ImportedUpload):
    """``(split, ImportedLists)`` for lists from another system: the test file's interactions
    are the held-out part, the rest of the data the history; bad files raise DataError."""
    from fairrec_core.external import read_recommendations, read_test

    train, test = read_test(_upload.test, _data, source=_upload.test_name)
    lists = read_recommendations(_upload.recs, _data, source=_upload.recs_name, k=k, test=test)
    split = Split(train=train, test=test, method="imported", test_size=0.0, seed=0)
    return split, lists


def audited_users(test: Dataset) -> np.ndarray:
    """Users with at least one held-out interaction: the ones whose lists can be assessed."""
    return np.flatnonzero(test.user_counts > 0)


# ---- re-ranking --------------------------------------------------------------------------------
def default_reranking() -> Reranking:
    """Every registered re-ranker, switched off, at its default parameters."""
    from fairrec_core.reranking import RERANKERS

    steps = []
    for name, cls in RERANKERS.items():
        params = {p.name: p.default for p in cls.PARAMS.values()}
        steps.append(RerankStep(name).with_params(params))
    return Reranking(tuple(steps))


def fit_params(name: str, params: dict) -> dict:
    """The parameters of a re-ranker that its ``fit`` uses (a change needs a new fit)."""
    from fairrec_core.reranking import RERANKERS

    specs = RERANKERS[name].PARAMS
    return {k: v for k, v in params.items() if k in specs and specs[k].fit}


@st.cache_resource(show_spinner="Preparing the re-ranker…", max_entries=24)
def fitted_reranker(model_key: str, name: str, fit_params_json: str, _train: Dataset,
                    _candidates: RankedLists):
    """A re-ranker fitted once per model and fit-time parameters (its precomputation)."""
    from fairrec_core.reranking import RERANKERS

    return RERANKERS[name](**json.loads(fit_params_json)).fit(_train, _candidates)


def rerank(model_key: str, reranking: Reranking, k: int, train: Dataset,
           candidates: RankedLists) -> RankedLists | None:
    """The candidates re-ranked by the enabled steps in order (None when none is on).

    Cheap: the fitted re-rankers come from the cache; each step is a shallow copy of the shared
    fitted one with this session's slider values, so sessions never see each other's sliders.
    Every step but the last re-orders all candidates, the last cuts to ``k`` (as RerankChain).
    """
    steps = reranking.active
    if not steps:
        return None
    current = candidates
    for i, step in enumerate(steps):
        reranker = reranker_for(model_key, step, train, candidates)
        current = reranker.rerank(current, k if i == len(steps) - 1 else current.depth)
    return current


# ---- audit -------------------------------------------------------------------------------------
def split_key(train: Dataset, test: Dataset) -> str:
    return f"{train.fingerprint}/{test.fingerprint}"


@st.cache_resource(show_spinner="Preparing the audit…", max_entries=8)
def audit_context(key: str, k: int, _train: Dataset, _test: Dataset):
    """The audit's precomputation for a split at cutoff ``k`` (``key`` = :func:`split_key`), over
    :func:`audit_groups`."""
    from fairrec_core.audit import AuditContext

    return AuditContext(_train, _test, k=k, groups=audit_groups(_train))


def audit_groups(data: Dataset) -> list[str]:
    """The user attributes the app audits: the core's rule, shared with the command line
    (:func:`fairrec_core.audit.audited_attributes`)."""
    from fairrec_core.audit import audited_attributes

    return audited_attributes(data)


def context_for(ds, k: int):
    return audit_context(split_key(ds.train, ds.test), k, ds.train, ds.test)


@st.cache_resource(show_spinner=False, max_entries=16)
def model_summary(model_key: str, k: int, _ctx, _candidates: RankedLists):
    """The fast summary of the model's own top-k (the "before" of every comparison)."""
    return _ctx.summarize(_candidates.top(k))


def reranker_for(model_key: str, step: RerankStep, train: Dataset, candidates: RankedLists):
    """This session's copy of the cached fitted re-ranker, with its slider values set."""
    params = step.params
    fitted = fitted_reranker(model_key, step.name,
                             json.dumps(fit_params(step.name, params), sort_keys=True),
                             train, candidates)
    slider = {k_: v for k_, v in params.items() if k_ not in fit_params(step.name, params)}
    return copy.copy(fitted).set_params(**slider)


@st.cache_data(show_spinner="Sweeping the trade-off curve…", max_entries=32)
def sweep(model_key: str, k: int, step: RerankStep, _ctx, _train: Dataset,
          _candidates: RankedLists) -> pd.DataFrame:
    """The re-ranker alone over its strength grid (other parameters as in ``step``)."""
    from fairrec_core.reranking import sweep as core_sweep

    reranker = reranker_for(model_key, step, _train, _candidates)
    return core_sweep(reranker, context=_ctx, candidates=_candidates, k=k)


def trained_for(train: Dataset, choice) -> Trained:
    """The fitted model of a choice: loaded from its folder, or trained (cached either way)."""
    if choice.path is not None:
        return saved_model(choice.path, modified(choice.path), train.fingerprint, train)
    return fitted_model(train.fingerprint, choice.name, choice.params_json, train)


def model_key(train: Dataset, choice) -> str:
    """Identifies a fitted model: the training data, the model and its parameters (and the saved
    folder's modification time for a loaded model)."""
    where = f"@{choice.path}:{modified(choice.path)}" if choice.path else ""
    return f"{train.fingerprint}:{choice.name}:{choice.params_json}{where}"


def modified(path: str) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return 0.0


def choice_candidates(ds, choice) -> tuple[str, RankedLists]:
    """``(model key, candidates)`` of a model choice on the session's split (trained if needed)."""
    key = model_key(ds.train, choice)
    return key, candidates(key, DEFAULT_CANDIDATES, trained_for(ds.train, choice).model,
                           audited_users(ds.test))


def choice_summary(ds, choice, k: int, ctx):
    """The fast summary of a model choice's top-k on the session's split (trained if needed)."""
    key, cands = choice_candidates(ds, choice)
    return model_summary(key, k, ctx, cands)


@st.cache_resource(show_spinner="Assessing the lists (bootstrap intervals, permutation tests)…",
                   max_entries=12)
def full_audit(lists_key: str, k: int, _ctx, _lists: RankedLists):
    """The full audit of a set of lists (``lists_key``: the model key plus the re-ranking that
    produced them); 1,000 bootstrap resamples and permutations, seed 0."""
    return _ctx.audit(_lists, n_bootstrap=1000, n_permutations=1000, seed=0)


def lists_audit(model_key: str, reranking: Reranking | None, k: int, train: Dataset,
                candidates: RankedLists, ctx):
    """``(lists, AuditResult)``: the full audit of the model's top-k, or of its lists re-ranked
    by ``reranking`` when one is on — one cache entry per model and re-ranking, shared by the
    audit page, the scorecard and the Models page's comparison."""
    lists = rerank(model_key, reranking, k, train, candidates) if reranking is not None else None
    if lists is None:
        lists = candidates.top(k)
        key = f"{model_key}|model"
    else:
        key = f"{model_key}|{[(s.name, s.params_json) for s in reranking.active]}"
    return lists, full_audit(key, k, ctx, lists)


def assessed(cur, *, reranked: bool = True):
    """``(lists, AuditResult, label)`` for the session: the re-ranked lists when a re-ranking is on
    (and ``reranked``), else the model's own top-k."""
    ds, ms, k = cur.ds, cur.ms, cur.k
    ctx = context_for(ds, k)
    reranking = cur.reranking if reranked and cur.reranking.active else None
    lists, result = lists_audit(ms.key, reranking, k, ds.train, ms.candidates, ctx)
    label = (f"{ms.choice.title} → re-ranked: {cur.reranking.title}" if reranking is not None
             else ms.choice.title)
    return lists, result, label


# ---- leakage and mitigation --------------------------------------------------------------------
@st.cache_data(show_spinner="Probing what the model reveals about its users…", max_entries=32)
def leakage(lists_key: str, attribute: str, _model, _data: Dataset,
            _lists: RankedLists) -> pd.DataFrame:
    """:func:`fairrec_core.leakage.leakage` of ``attribute`` from the model's user embeddings (when
    it has them) and from ``_lists`` (``lists_key``: the model key plus what produced the lists)."""
    from fairrec_core.leakage import leakage as probe_leakage
    from fairrec_core.models import limit_threads

    with limit_threads(threads()):
        return probe_leakage(_model, _data, _lists, attribute)


@st.cache_data(show_spinner=False, max_entries=32)
def balance(data_key: str, attribute: str, target: str, side: str, strength: float,
            by: str | None, _data: Dataset) -> pd.DataFrame:
    """:func:`fairrec_core.rebalance.balance_table` of ``_data`` rebalanced by ``target`` at
    ``strength`` for ``attribute``'s groups (``data_key``: the data's fingerprint)."""
    from fairrec_core.rebalance import balance_table, interaction_weights

    weights = interaction_weights(_data, target=target, attribute=attribute, side=side,
                                  strength=strength)
    return balance_table(_data, attribute, weights=weights, side=side, by=by)

