"""The Mitigation page's request and sweep: what to reduce and how (the request form, with the
data-balance view of rebalancing), and the cached sweep
(:func:`fairrec_core.mitigation.mitigate`) with its progress and a Cancel button. The result's
parts are in :mod:`fairrec_app.mitigation_results`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import streamlit as st

from fairrec_app import keys, layout, services
from fairrec_app.settings import ModelChoice
from fairrec_core import glossary, names
from fairrec_core.audit import ACCURACY_METRICS
from fairrec_core.errors import DataError
from fairrec_core.mitigation import LEVERS, MitigationResult, MitigationTarget

#: Session-state keys of this page (page-prefixed, like :mod:`fairrec_app.keys`).
REQUEST = "mitigation.request"  # the MitigationRequest of the last Run
RUNNING = "mitigation.running"  # the request whose sweep is under way (Cancel shown)
MESSAGE = "mitigation.message"  # one message for the next run ("cancelled")
CANCEL = keys.widget("mitigation", "cancel")
RUN = "Run the comparison"

USER, ITEM = "Gap between user groups", "Exposure of an item group"
#: Strengths offered (0, the model as it is, is always part of the sweep).
STRENGTHS = (0.1, 0.25, 0.5, 0.75, 1.0)
DEFAULT_STRENGTHS = (0.25, 0.5, 1.0)
#: The model picked when the active one has no fairness penalty.
DEFAULT_MODEL = "als"


@dataclass(frozen=True)
class MitigationRequest:
    """What one Run compares: the model at its settings, the target, the levers, the strengths
    (hashable: the sweep's cache key)."""

    model: str
    params_json: str
    target: MitigationTarget
    levers: tuple[str, ...]
    strengths: tuple[float, ...]

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)


def model_settings(name: str, active: ModelChoice) -> tuple[dict, str]:
    """The settings a model is compared at: the active model's when it is the one picked (and
    trained here), else the model's defaults; with a line saying which."""
    from fairrec_core.models import MODELS

    if active.name == name and active.path is None:
        return active.params, "at the settings of the active model (Models page)"
    return MODELS[name]().get_params(), "at its default settings"


def unavailable(lever: str, name: str, target: MitigationTarget) -> str | None:
    """Why ``lever`` cannot be pulled for model ``name`` on ``target``, in words (None if it
    can): :func:`fairrec_core.mitigation.lever_setting` decides."""
    from fairrec_core.mitigation import lever_setting
    from fairrec_core.models import MODELS

    if lever_setting(lever, 1.0, MODELS[name], target).available:
        return None
    if lever == "pre":
        return f"{names.model(name)} cannot be trained on weighted data."
    return f"{names.model(name)} has no fairness penalty for this kind of gap."


def _default_model(active: ModelChoice) -> str:
    from fairrec_core.models import MODELS

    cls = MODELS.get(active.name)
    return active.name if cls is not None and getattr(cls, "FAIRNESS_FULL", None) else DEFAULT_MODEL


def target_form(data, attributes: list[str]) -> tuple[str, MitigationTarget | None]:
    """The target: a gap in a measure between user groups, or the exposure shortfall of a
    protected item group (users still grouped by an attribute for the per-group figures)."""
    from fairrec_app.widgets import item_attribute_values

    kind = st.radio("Kind of gap", (USER, ITEM), horizontal=True,
                    key=keys.widget("mitigation", "kind"),
                    help="A gap in a measure between user groups (for example women and men), "
                         "or how much less an item group (for example small brands) is shown "
                         "than its share of the catalogue.")
    cols = st.columns(3)
    attribute = cols[0].selectbox("User groups", attributes, format_func=names.attribute,
                                  index=attributes.index("gender") if "gender" in attributes
                                  else 0, key=keys.widget("mitigation", "attr"),
                                  help="The user attribute whose groups every point is "
                                       "measured on.")
    if kind == USER:
        metric = cols[1].selectbox("Measure", ACCURACY_METRICS,
                                   index=ACCURACY_METRICS.index("ndcg"),
                                   format_func=lambda m: glossary.label(f"{m}@10"),
                                   key=keys.widget("mitigation", "metric"),
                                   help="The per-user figure whose gap between groups should "
                                        "shrink.")
        return kind, MitigationTarget(attribute, metric)
    item_attrs = [a for a in data.item_attributes if item_attribute_values(data, a)]
    if not item_attrs:
        st.warning("This data has no item attributes to group the items by.",
                   icon=":material/warning:")
        return kind, None
    item_attr = cols[1].selectbox(
        "Item groups", item_attrs, format_func=names.attribute,
        index=item_attrs.index("brand_tier") if "brand_tier" in item_attrs else 0,
        key=keys.widget("mitigation", "item_attr"))
    values = item_attribute_values(data, item_attr)
    protected = cols[2].selectbox(
        "Protected group", values, index=values.index("small") if "small" in values else 0,
        key=keys.widget("mitigation", "protected", item_attr),
        help="The item group that should be shown at least as much as its share of the "
             "catalogue.")
    return kind, MitigationTarget(attribute, "ndcg", item_attribute=item_attr,
                                  protected=str(protected))


def request_form(cur, attributes: list[str]) -> MitigationRequest | None:
    """Target, model, levers and strengths; the request when the Run button is pressed (checked
    first: a bad choice is one error box), else the last one of this session."""
    from fairrec_core.models import MODELS

    ss = st.session_state
    data = cur.ds.train
    st.markdown("#### What to reduce")
    _, target = target_form(data, attributes)
    st.markdown("#### How")
    active = ss[keys.MODELS_ACTIVE]
    menu = list(MODELS)
    left, right = st.columns([1, 2])
    name = left.selectbox("Model", menu, index=menu.index(_default_model(active)),
                          format_func=names.model, key=keys.widget("mitigation", "model"),
                          help="The model trained at every strength of the first two ways.")
    params, where = model_settings(name, active)
    strengths = right.multiselect(
        "Strengths", STRENGTHS, default=DEFAULT_STRENGTHS, format_func=lambda s: f"{s:g}",
        key=keys.widget("mitigation", "strengths"),
        help="How hard each way pushes, from a little (0.1) to fully (1). The model as it is "
             "(strength 0) is always included.")
    st.caption(f"{names.model(name)}, {where}.",
               help=None if layout.presenter() else ModelChoice.of(name, params).label)
    cols = st.columns(len(LEVERS))
    levers = []
    for col, lever in zip(cols, LEVERS, strict=True):
        if col.checkbox(names.lever(lever), value=True, key=keys.widget("mitigation", lever),
                        help=glossary.TERMS[names.lever(lever)]):
            levers.append(lever)
        why = unavailable(lever, name, target) if target is not None else None
        if why:
            col.caption(f":material/block: {why}")
    if "pre" in levers and target is not None:
        balance(data, target)
    if st.button(RUN, type="primary", icon=":material/play_arrow:",
                 key=keys.widget("mitigation", "run")):
        with layout.error_box("Mitigation"):
            ss[REQUEST] = checked(name, params, target, levers, strengths, data)
            ss[RUNNING] = ss[REQUEST]
    return ss.get(REQUEST)


def balance(data, target: MitigationTarget) -> None:
    """The "rebalance the training data" part: what a rebalancing does to each group's share."""
    from fairrec_app import balance_views
    from fairrec_core.mitigation import REWEIGHT_TARGET

    with st.expander(f"{names.lever('pre')}: what it does to the data"):
        st.caption(f"The comparison rebalances the {names.groups(target.fairness_attr)} to "
                   f"{names.reweight_target(REWEIGHT_TARGET)}; here you can look at any target "
                   "and strength.")
        balance_views.balance_view(data, target.fairness_attr, side=target.side,
                                   by=None if target.side == "user" else target.attribute)


def checked(name: str, params: dict, target: MitigationTarget | None, levers: list[str],
            strengths: list[float], data) -> MitigationRequest:
    """The request, or a :class:`DataError` saying in words what is missing or wrong."""
    if target is None:
        raise DataError("pick what to reduce")
    if not levers:
        raise DataError("pick at least one way to reduce the gap")
    if not [s for s in strengths if s > 0]:
        raise DataError("pick at least one strength above 0")
    target.check(data)
    return MitigationRequest(name, json.dumps(params, sort_keys=True, default=str), target,
                             tuple(levers), tuple(sorted(float(s) for s in strengths)))


# ---- the sweep ------------------------------------------------------------------------------
def cancel() -> None:
    """The Cancel button's callback (it runs before the rerun the click requested, which
    interrupts the sweep at its next progress update): nothing of the sweep is kept."""
    ss = st.session_state
    ss.pop(REQUEST, None)
    ss.pop(RUNNING, None)
    ss[MESSAGE] = "The comparison was cancelled; nothing of it was kept."


def describe(text: str) -> str:
    """The sweep's progress text in words: "plain als: gap 0.07" -> "Trained the model as it
    is"; "in at 0.5: gap …" -> "Done: Fairness penalty in training, strength 0.5"."""
    if text.startswith("plain"):
        return "Trained the model as it is"
    m = re.match(r"(pre|in|post)(?: at ([0-9.]+))?", text)
    if m is None:
        return "Working"
    if m.group(2) is None:
        return f"{names.lever(m.group(1))}: not available for this model"
    return f"Done: {names.lever(m.group(1))}, strength {m.group(2)}"


@st.cache_resource(show_spinner=False, max_entries=8)
def sweep(split_key: str, k: int, request: MitigationRequest, _train, _test) -> MitigationResult:
    """:func:`fairrec_core.mitigation.mitigate` for ``request`` on the split (``split_key``),
    behind a progress bar with the time elapsed and left (created here, so a cache hit replays
    it). A rerun requested while it runs (Cancel) interrupts it at the next bar update; nothing
    is cached then."""
    import time

    from fairrec_core.mitigation import mitigate
    from fairrec_core.models import limit_threads

    slot = st.empty()
    slot.progress(0.0, text="Training the model as it is…")
    start = time.perf_counter()

    def progress(fraction: float, text: str) -> None:
        timing = services.describe_time(time.perf_counter() - start, fraction)
        slot.progress(fraction, text=f"{describe(text)} · {timing}")

    try:
        with limit_threads(services.threads()):
            return mitigate(_train, _test, model=request.model, params=request.params,
                            target=request.target, levers=request.levers,
                            strengths=request.strengths, k=k, progress=progress)
    finally:
        slot.empty()


def run(cur, request: MitigationRequest) -> MitigationResult:
    """The sweep for ``request`` (cached), with a Cancel button while it runs."""
    ss = st.session_state
    slot = st.empty()
    if ss.get(RUNNING) == request:
        with slot.container():
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.info(f"Comparing the ways to reduce the gap with {names.model(request.model)}: "
                      "the model is trained once for each strength of the first two.",
                      icon=":material/hourglass_top:")
            right.button("Cancel", key=CANCEL, on_click=cancel, icon=":material/stop_circle:")
    ds = cur.ds
    result = sweep(services.split_key(ds.train, ds.test), cur.k, request, ds.train, ds.test)
    ss.pop(RUNNING, None)
    slot.empty()
    return result
