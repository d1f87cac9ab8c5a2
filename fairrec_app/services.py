"""Cached services: every heavy computation the pages need, cached by Streamlit.

``st.cache_resource`` holds the immutable heavy objects (datasets, splits, fitted models,
candidate lists, audit contexts, fitted re-rankers): they are shared between sessions and never
copied, which keeps a what-if slider update cheap. ``st.cache_data`` holds tables (DataFrames,
dicts) that pages show and download. Unhashable inputs are passed as ``_x`` together with a
hashable key that identifies them (a data source key, a dataset fingerprint, model settings).
Nothing here reads a widget.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fairrec_app import data_views
from fairrec_app.settings import EvalSettings
from fairrec_app.sources import DataSource
from fairrec_core.data import Dataset, Split, split_dataset


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


# ---- models (placeholder until the models package lands) -------------------------------------
DEFAULT_MODEL = "ease"


def default_reranking():
    from fairrec_app.settings import Reranking

    return Reranking()
