"""The session's workspace: every page starts by calling :func:`current` (classic multipage:
a page opened directly by its URL bootstraps the shared state itself).

On a first visit the session gets the defaults — the demo shop, a random 80/20 split, k=10 and
an EASE model trained behind a progress bar — so a new user sees a complete audit without clicking.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from fairrec_app import keys, services
from fairrec_app.settings import EvalSettings, ModelChoice, Reranking
from fairrec_app.sources import DataSource
from fairrec_core.data import Dataset, Split


def ensure_defaults() -> None:
    """Put the default settings into a new session (never overwrites what the user chose)."""
    ss = st.session_state
    if keys.DATA_SOURCE not in ss:
        ss[keys.DATA_SOURCE] = DataSource.demo()
    if keys.DATA_EVAL not in ss:
        ss[keys.DATA_EVAL] = EvalSettings()
    if keys.MODELS_ACTIVE not in ss:
        ss[keys.MODELS_ACTIVE] = ModelChoice.of(services.DEFAULT_MODEL)
    if keys.MODELS_HISTORY not in ss:
        ss[keys.MODELS_HISTORY] = []
    if keys.WHATIF_CHAIN not in ss:
        ss[keys.WHATIF_CHAIN] = services.default_reranking()


@dataclass(frozen=True, eq=False)
class DataState:
    source: DataSource
    eval: EvalSettings
    data: Dataset
    split: Split

    @property
    def train(self) -> Dataset:
        return self.split.train

    @property
    def test(self) -> Dataset:
        return self.split.test


def data_state() -> DataState:
    """The session's data and split (loaded through the caches)."""
    ensure_defaults()
    source = st.session_state[keys.DATA_SOURCE]
    ev = st.session_state[keys.DATA_EVAL]
    data = services.dataset(source.key, source)
    return DataState(source, ev, data, services.split_for(source, ev))


def set_source(source: DataSource) -> Dataset:
    """Load ``source`` and make it the session's data. A bad source raises before anything in the
    session changes, so the previous data stays in use."""
    data = services.dataset(source.key, source)
    ss = st.session_state
    ss[keys.DATA_SOURCE] = source
    ss[keys.MODELS_HISTORY] = []
    active = ss.get(keys.MODELS_ACTIVE)
    if active is not None and active.path is not None:  # a saved model belongs to other data
        ss[keys.MODELS_ACTIVE] = ModelChoice(active.name, active.params_json)
    ss[keys.DATA_NOTICE] = f"Now using {data.name}: {data.n_users:,} users, {data.n_items:,} items."
    return data


def set_eval(ev: EvalSettings) -> None:
    st.session_state[keys.DATA_EVAL] = ev


def reranking() -> Reranking:
    ensure_defaults()
    return st.session_state[keys.WHATIF_CHAIN]
