"""The session's workspace: every page starts by calling :func:`current` (classic multipage:
a page opened directly by its URL bootstraps the shared state itself).

On a first visit the session gets the defaults — the demo shop, a random 80/20 split, k=10 and
an EASE model trained behind a progress bar — so a new user sees a complete audit without clicking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import streamlit as st

from fairrec_app import keys, services
from fairrec_app.settings import DEFAULT_CANDIDATES, EvalSettings, ModelChoice, Reranking
from fairrec_app.sources import DataSource
from fairrec_core.data import Dataset, Split
from fairrec_core.errors import FairrecError
from fairrec_core.ranking import RankedLists


def ensure_defaults() -> None:
    """Put the default settings into a new session (never overwrites what the user chose)."""
    ss = st.session_state
    if keys.DATA_SOURCE not in ss:
        ss[keys.DATA_SOURCE] = DataSource.demo()
    if keys.DATA_EVAL not in ss:
        ss[keys.DATA_EVAL] = EvalSettings()
    if keys.MODELS_ACTIVE not in ss:
        ss[keys.MODELS_ACTIVE] = default_model()
    if keys.MODELS_HISTORY not in ss:
        ss[keys.MODELS_HISTORY] = []
    if keys.MODELS_IMPORTED not in ss:
        ss[keys.MODELS_IMPORTED] = None
    if keys.WHATIF_CHAIN not in ss:
        ss[keys.WHATIF_CHAIN] = services.default_reranking()


def default_model() -> ModelChoice:
    """EASE at its default hyperparameters: fast, and a strong baseline."""
    from fairrec_core.models import MODELS

    return ModelChoice.of(services.DEFAULT_MODEL, MODELS[services.DEFAULT_MODEL]().get_params())


def fitting_choice(choice: ModelChoice, train: Dataset) -> tuple[ModelChoice, str | None]:
    """``choice``, or — when its model does not fit ``train`` within the resource limits (e.g.
    EASE's item x item matrix for a large catalogue) — the first of
    :data:`services.FALLBACK_MODELS` that does, at its defaults, with a notice that names it."""
    from fairrec_core import names
    from fairrec_core.models import MODELS

    cls = MODELS.get(choice.name)
    problem = cls.size_problem(train) if cls is not None and choice.path is None else None
    if problem is None:
        return choice, None
    for name in services.FALLBACK_MODELS:
        if MODELS[name].size_problem(train) is None:
            fallback = ModelChoice.of(name, MODELS[name]().get_params())
            problem = re.sub(r", FAIRREC_[A-Z_]+\)", ")", problem)  # the variable: README
            return fallback, (f"{names.model(choice.name)} {problem}, so the pages use "
                              f"{names.model(name)} instead. Pick another model on the Models "
                              "page.")
    return choice, None  # nothing fits: training reports the limit


@dataclass(frozen=True, eq=False)
class DataState:
    source: DataSource
    eval: EvalSettings
    data: Dataset
    split: Split
    imported: object = None  # fairrec_core.external.ImportedLists when lists were imported

    @property
    def train(self) -> Dataset:
        return self.split.train

    @property
    def split_label(self) -> str:
        if self.imported is not None:
            return (f"held-out interactions from "
                    f"{st.session_state[keys.MODELS_IMPORTED].test_name}, top {self.eval.k}")
        return self.eval.label

    @property
    def test(self) -> Dataset:
        return self.split.test


def data_state() -> DataState:
    """The session's data and split (loaded through the caches)."""
    ensure_defaults()
    source = st.session_state[keys.DATA_SOURCE]
    ev = st.session_state[keys.DATA_EVAL]
    try:
        data = services.dataset(source.key, source)
    except FairrecError as exc:  # e.g. a server file removed since it was chosen, cache expired
        st.error(f"{exc} — {source.label} can no longer be read; the session is back on the "
                 "demo shop.")
        source = _back_to_demo()
        data = services.dataset(source.key, source)
    upload = st.session_state[keys.MODELS_IMPORTED]
    if upload is not None:
        split, lists = services.imported(data.fingerprint, upload.key, ev.k, data, upload)
        return DataState(source, ev, data, split, lists)
    return DataState(source, ev, data, services.split_for(source, ev))


def _back_to_demo() -> DataSource:
    """Make the demo shop the session's data again, dropping what belonged to the other data
    (imported lists, a model loaded from disk)."""
    ss = st.session_state
    ss[keys.DATA_SOURCE] = DataSource.demo()
    ss[keys.MODELS_IMPORTED] = None
    if ss[keys.MODELS_ACTIVE].path is not None:
        ss[keys.MODELS_ACTIVE] = default_model()
    return ss[keys.DATA_SOURCE]


def set_imported(upload) -> None:
    """Assess lists imported from another system instead of a model trained here; bad files
    raise before the session changes."""
    ss = st.session_state
    data = services.dataset(ss[keys.DATA_SOURCE].key, ss[keys.DATA_SOURCE])
    services.imported(data.fingerprint, upload.key, ss[keys.DATA_EVAL].k, data, upload)
    ss[keys.MODELS_IMPORTED] = upload


def clear_imported() -> None:
    st.session_state[keys.MODELS_IMPORTED] = None


def set_source(source: DataSource) -> Dataset:
    """Load ``source`` and make it the session's data. A bad source raises before anything in the
    session changes, so the previous data stays in use."""
    data = services.dataset(source.key, source)
    ss = st.session_state
    ss[keys.DATA_SOURCE] = source
    ss[keys.MODELS_HISTORY] = []
    ss[keys.MODELS_IMPORTED] = None  # imported lists name the old data's users and items
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


@dataclass(frozen=True, eq=False)
class ModelState:
    """The active model, its top-N candidates for every audited user, and their top-k;
    ``notice`` names a fallback used because the chosen model does not fit the data."""

    choice: ModelChoice
    key: str
    trained: services.Trained
    candidates: RankedLists
    notice: str | None = None

    @property
    def model(self):
        """The fitted model (None for imported lists)."""
        return self.trained.model


def model_state(ds: DataState) -> ModelState:
    """Train (or load) the session's model through the caches, with a progress bar on a miss.

    A saved model that cannot be loaded (moved, or saved for other data) is reported in an error
    box and the session falls back to training the same model here.
    """
    ss = st.session_state
    if ds.imported is not None:
        upload = ss[keys.MODELS_IMPORTED]
        choice = ModelChoice(name="imported", imported=upload.recs_name)
        return ModelState(choice, upload.key, services.Trained(None, (), 0.0), ds.imported.lists)
    choice, notice = fitting_choice(ss[keys.MODELS_ACTIVE], ds.train)
    try:
        trained = services.trained_for(ds.train, choice)
    except FairrecError as exc:
        if choice.path is None:
            raise
        st.error(f"Saved model: {exc}", icon=":material/error:")
        choice = ModelChoice(choice.name, choice.params_json)
        ss[keys.MODELS_ACTIVE] = choice
        trained = services.trained_for(ds.train, choice)
    key = services.model_key(ds.train, choice)
    cands = services.candidates(key, DEFAULT_CANDIDATES, trained.model,
                                services.audited_users(ds.test))
    return ModelState(choice, key, trained, cands, notice)


@dataclass(frozen=True, eq=False)
class Current:
    """Everything a page needs: data and split, the model (None only for a page that asked
    ``current(need_model=False)`` when the model failed), the current re-ranking."""

    ds: DataState
    ms: ModelState | None
    reranking: Reranking

    @property
    def k(self) -> int:
        return self.ds.eval.k


def current(*, sidebar_reranking: bool = True, need_model: bool = True) -> Current:
    """Bootstrap the session (defaults on a first visit) and return its workspace; the sidebar
    shows what is in use (the What-if page shows the re-ranking itself, as its fragment changes
    it without redrawing the sidebar).

    A model that cannot be trained or loaded is one error box, never a traceback: a page that
    needs the model stops there with a link to the Models page; the Models page
    (``need_model=False``) gets ``ms=None`` and still lets the user pick another model. A model
    replaced by a fallback (it does not fit the data) is named in a notice on every page."""
    ds = data_state()
    try:
        ms = model_state(ds)
    except FairrecError as exc:
        st.error(f"The model {st.session_state[keys.MODELS_ACTIVE].title} could not be used: "
                 f"{exc}", icon=":material/error:")
        ms = None
    if ms is not None and ms.notice:
        st.info(ms.notice, icon=":material/swap_horiz:")
    rr = reranking()
    with st.sidebar:
        st.divider()
        model = ms.choice.title if ms is not None else "none (see the error on the page)"
        status = (f"**Data** · {ds.data.name}  \n**Split** · {ds.split_label}  \n"
                  f"**Model** · {model}")
        if sidebar_reranking:
            status += f"  \n**Re-ranking** · {rr.title}"
        st.caption(status)
    if ms is None and need_model:
        st.page_link("pages/2_Models.py", label="Pick another model on the Models page",
                     icon=":material/model_training:")
        st.stop()
    return Current(ds, ms, rr)


def require_groups(ds: DataState) -> None:
    """Stop the page with an explanation when the data has no user attributes to group by."""
    if services.audit_groups(ds.data):
        return
    st.warning(f"{ds.data.name} has no user attributes (such as gender, age or region), so there "
               "are no groups to compare. Upload a users file with the interactions on the Data "
               "page to assess fairness across groups.", icon=":material/group_off:")
    st.page_link("pages/1_Data.py", label="Open Data", icon=":material/database:")
    st.stop()
