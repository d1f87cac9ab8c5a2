"""The Models page's logic: the training estimate, a training that can be cancelled, and the
comparison of models on accuracy and on the gap between groups (from the full audit, the same
statistics as the audit page). The page (pages/2_Models.py) only lays these out."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from fairrec_app import keys, services
from fairrec_app.settings import ModelChoice
from fairrec_core import glossary, names

#: Session keys of a training under way: the choice being trained and the one before it.
TRAINING = "models.training"
PREVIOUS = "models.previous"
#: One message for the next run ("The training was cancelled …").
MESSAGE = "models.message"
CANCEL = keys.widget("models", "cancel")
COMPARE = keys.widget("models", "compare")

#: Seconds per unit of work, measured with fits under limit_threads(2) on the demo shop (80,000
#: training interactions, 1,000 items, 3,000 users) on a 2-core machine shared with other work:
#: (what one unit is, seconds per unit). An epoch model's unit is one training interaction in one
#: epoch (BPR: 3 epochs in 8.9 s); ALS's one user or item row in one iteration (its solves are
#: per row: 3 iterations over 4,000 rows in 0.22 s); EASE's an item cubed (its item x item
#: inverse); the others' one training interaction.
RATES = {
    "bpr": ("epochs", 37e-6),
    "twotower": ("epochs", 12e-6),
    "sasrec": ("epochs", 47e-6),
    "als": ("rows", 18e-6),
    "ease": ("items3", 1e-10),
    "itemknn": ("interactions", 1e-6),
    "userknn": ("interactions", 6e-6),
    "popularity": ("interactions", 1e-8),
}


@dataclass(frozen=True)
class Estimate:
    seconds: float
    basis: str  # what the figure is based on, in words

    @property
    def text(self) -> str:
        return f"Estimated training time: about {services._duration(max(1.0, self.seconds))}"


def estimate(name: str, params: dict, train) -> Estimate | None:
    """The expected training time of ``MODELS[name](**params)`` on ``train`` from :data:`RATES`
    (None for a model without a rate). Epoch models count every epoch: early stopping makes the
    real time shorter."""
    if name not in RATES:
        return None
    unit, rate = RATES[name]
    n = int(train.n_interactions)
    hint = "measured on 2 CPU threads; early stopping can end it sooner"
    if unit == "epochs":
        steps = int(params.get(unit, 1))
        basis = f"{n:,} interactions × {steps} {unit} at {rate * 1e6:g} µs each, {hint}"
        return Estimate(n * steps * rate, basis)
    if unit == "rows":
        rows, steps = int(train.n_users) + int(train.n_items), int(params.get("iterations", 1))
        basis = f"{rows:,} users and items × {steps} iterations at {rate * 1e6:g} µs each, {hint}"
        return Estimate(rows * steps * rate, basis)
    if unit == "items3":
        items = int(train.n_items)
        return Estimate(items ** 3 * rate, f"{items:,} items (the time grows with their cube)")
    return Estimate(n * rate, f"{n:,} interactions at {rate * 1e6:g} µs each")


# ---- the training form ------------------------------------------------------------------------
#: The fairness parameters of ALS, BPR and the two-tower model, shown as "Fairness options".
FAIRNESS_PARAMS = ("fairness", "fairness_weight", "fairness_attr", "leakage_attr",
                   "leakage_rounds")


def param_inputs(name: str, defaults: dict, current: dict, prefix: str, data) -> dict:
    """The training form's inputs: the model's parameters (:func:`fairrec_app.widgets.
    param_inputs`), then, for a model with a fairness penalty, its "Fairness options" as choices
    in words rather than plain fields. Returns the values in ``get_params()`` order."""
    from fairrec_app import widgets
    from fairrec_core.models import MODELS

    fair = [p for p in FAIRNESS_PARAMS if p in defaults]
    values = widgets.param_inputs({p: v for p, v in defaults.items() if p not in fair},
                                  current, prefix)
    if fair:
        values |= fairness_inputs(MODELS[name], {p: current.get(p, defaults[p]) for p in fair},
                                  prefix, data)
    return {p: values[p] for p in defaults}


def fairness_inputs(cls, values: dict, prefix: str, data) -> dict:
    """Fairness goal, penalty weight, the groups it compares, the attribute to hide from the
    user profiles and the hiding rounds (keys ``{prefix}.{parameter}``, as the plain inputs)."""
    st.markdown("**Fairness options**")
    users = [a for a in services.audit_groups(data) if " & " not in a]
    items = list(data.item_attributes)
    groups = list(dict.fromkeys([*users, *items, values["fairness_attr"]]))
    hide = list(dict.fromkeys(["", *users, values["leakage_attr"]]))
    full = getattr(cls, "FAIRNESS_FULL", {})
    a, b, c = st.columns(3)
    out = {
        "fairness": a.selectbox(
            names.model_parameter("fairness"), list(cls.FAIRNESS),
            index=list(cls.FAIRNESS).index(values["fairness"]), format_func=names.fairness,
            key=f"{prefix}.fairness",
            help="What the penalty in training aims at: a smaller gap between user groups' "
                 "training losses, or fairer exposure of item groups. Parameter `fairness`."),
        "fairness_weight": float(b.number_input(
            names.model_parameter("fairness_weight"), min_value=0.0,
            value=float(values["fairness_weight"]), format="%g", key=f"{prefix}.fairness_weight",
            help="How much the penalty counts against accuracy; 0 trains the plain model. "
                 + (f"The Mitigation page's full strength: "
                    f"{', '.join(f'{names.fairness(k)} {v:g}' for k, v in full.items())}. "
                    if full else "") + "Parameter `fairness_weight`.")),
        "fairness_attr": c.selectbox(
            names.model_parameter("fairness_attr"), groups,
            index=groups.index(values["fairness_attr"]), format_func=names.attribute,
            key=f"{prefix}.fairness_attr",
            help="A user attribute (such as gender) for a gap between user groups; an item "
                 "attribute (such as brand tier) for fairer exposure. Parameter `fairness_attr`."),
    }
    a, b, _ = st.columns(3)
    out["leakage_attr"] = a.selectbox(
        names.model_parameter("leakage_attr"), hide, index=hide.index(values["leakage_attr"]),
        format_func=lambda v: "none" if v == "" else names.attribute(v),
        key=f"{prefix}.leakage_attr",
        help="Remove what the learned user profiles reveal about this attribute (its directions "
             "are projected out), so that it cannot be read back from them. Parameter "
             "`leakage_attr`.")
    out["leakage_rounds"] = int(b.number_input(
        names.model_parameter("leakage_rounds"), min_value=1, step=1,
        value=int(values["leakage_rounds"]), key=f"{prefix}.leakage_rounds",
        help="At most how many directions are removed, one per round. Parameter "
             "`leakage_rounds`."))
    return out


# ---- a training that can be cancelled -------------------------------------------------------
def start_training(choice: ModelChoice) -> None:
    """Make ``choice`` the active model (trained on the next run, behind a Cancel button),
    remembering the model before it, and add it to the comparison."""
    ss = st.session_state
    if ss[keys.MODELS_ACTIVE] != choice:
        ss[PREVIOUS] = ss[keys.MODELS_ACTIVE]
        ss[TRAINING] = choice
    ss[keys.MODELS_ACTIVE] = choice
    if choice not in ss[keys.MODELS_HISTORY]:
        ss[keys.MODELS_HISTORY].append(choice)
    picked = list(ss.get(COMPARE) or [])
    if choice.label not in picked:
        ss[COMPARE] = [*picked, choice.label]


def cancel_training() -> None:
    """The Cancel button's callback (it runs before the rerun that the click requested, which
    interrupts the training at its next progress update): back to the previous model; the
    cancelled one is dropped from the comparison. Nothing was cached (the interrupted cached
    function stored nothing) or saved."""
    ss = st.session_state
    choice = ss.pop(TRAINING, None)
    previous = ss.pop(PREVIOUS, None)
    if choice is None:
        return
    if previous is not None:
        ss[keys.MODELS_ACTIVE] = previous
    ss[keys.MODELS_HISTORY] = [c for c in ss[keys.MODELS_HISTORY] if c != choice]
    ss[COMPARE] = [label for label in (ss.get(COMPARE) or []) if label != choice.label]
    back = previous.title if previous is not None else "the model before it"
    ss[MESSAGE] = (f"The training of {choice.title} was cancelled; {back} is the active model "
                   "again. Nothing of the cancelled training was kept.")


def training_banner(train):
    """Before the session's model is trained on a run: the estimate and the Cancel button when
    a training started from the form is under way (in a placeholder that :func:`training_done`
    clears), the last message otherwise."""
    ss = st.session_state
    message = ss.pop(MESSAGE, None)
    if message:
        st.info(message, icon=":material/cancel:")
    slot = st.empty()
    choice = ss.get(TRAINING)
    if choice is None:
        return slot
    est = estimate(choice.name, choice.params, train)
    text = f"Training {choice.title}."
    if est is not None:
        text += f" {est.text} ({est.basis})."
    with slot.container():
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.info(text, icon=":material/hourglass_top:")
        right.button("Cancel training", key=CANCEL, on_click=cancel_training,
                     icon=":material/stop_circle:", type="secondary")
    return slot


def training_done(slot) -> None:
    """After the session's model is ready, failed, or was replaced by a fallback: no training is
    under way any more (the banner goes)."""
    if st.session_state.pop(TRAINING, None) is not None:
        slot.empty()
    st.session_state.pop(PREVIOUS, None)


# ---- comparison --------------------------------------------------------------------------------
def display_names(choices: dict[str, ModelChoice]) -> dict[str, str]:
    """Technical label -> what the page shows: the model's title, with the parameters that
    differ from its defaults when two compared choices share a title."""
    from fairrec_core.models import MODELS

    titles = {label: c.title for label, c in choices.items()}
    shown = {}
    for label, c in choices.items():
        title = titles[label]
        if list(titles.values()).count(title) > 1 and c.name in MODELS:
            defaults = MODELS[c.name]().get_params()
            diff = [names.model_setting(k, v) for k, v in c.params.items()
                    if defaults.get(k) != v]
            title = f"{title} ({', '.join(diff)})" if diff else f"{title} (defaults)"
        shown[label] = title
    return shown


def audits(ds, choice: ModelChoice, k: int, reranking) -> dict[str, object]:
    """The full audits of a model's own lists and, when the session re-ranks, of its re-ranked
    lists: ``{"as trained": AuditResult, "re-ranked": AuditResult}`` (the audit page's cache
    entries for the active model)."""
    ctx = services.context_for(ds, k)
    key, cands = services.choice_candidates(ds, choice)
    out = {"as trained": services.lists_audit(key, None, k, ds.train, cands, ctx)[1]}
    if reranking.active:
        out["re-ranked"] = services.lists_audit(key, reranking, k, ds.train, cands, ctx)[1]
    return out


def gap_cell(gap) -> str:
    """"0.031 [0.012, 0.050]": the gap and its simultaneous interval, as the audit reports them."""
    if pd.isna(gap["difference"]):
        return "—"
    return f"{gap['difference']:.3f} [{gap['ci_lo']:.3f}, {gap['ci_hi']:.3f}]"


def comparison(results: dict[str, object], shown: dict[str, str], metric: str) -> pd.DataFrame:
    """One row per model (``results``: label -> AuditResult of its own lists): its accuracy on
    ``metric`` and, per audited attribute, the gap with its interval. Columns are short human
    headers; ``label`` keeps the technical name."""
    rows = []
    for label, result in results.items():
        row = {"model": shown[label], glossary.label(metric): float(result.overall[metric])}
        for attr in result.attributes:
            if " & " in attr:
                continue
            row[f"{names.attribute(attr)} gap"] = gap_cell(result.gap(attr, metric))
        row["label"] = label
        rows.append(row)
    return pd.DataFrame(rows)


def scatter_points(results: dict[str, dict], shown: dict[str, str], metric: str, attribute: str,
                   reranking_title: str) -> pd.DataFrame:
    """One point per model and re-ranking (as trained, re-ranked): accuracy, gap and its interval
    on ``attribute``, straight from each full audit."""
    rows = []
    for label, by_setting in results.items():
        for setting, result in by_setting.items():
            gap = result.gap(attribute, metric)
            rows.append({
                "model": shown[label], "setting": setting,
                "re-ranking": reranking_title if setting == "re-ranked" else "off",
                "accuracy": float(result.overall[metric]), "gap": float(gap["difference"]),
                "ci_lo": float(gap["ci_lo"]), "ci_hi": float(gap["ci_hi"]), "label": label,
            })
    return pd.DataFrame(rows)


# ---- the comparison section --------------------------------------------------------------------
def compare_section(cur) -> None:
    """Models side by side: accuracy and the gap (with its interval) per attribute from each
    model's full audit, the accuracy-vs-gap chart with and without the session's re-ranking,
    and (outside presenter mode) every overall metric."""
    from fairrec_app import layout, model_charts, widgets
    from fairrec_core.models import MODELS

    ds, ms, k = cur.ds, cur.ms, cur.k
    ss = st.session_state
    st.subheader("Compare models on accuracy and fairness")
    st.caption("Each model at its settings, trained on the same split and audited as on the "
               "Fairness audit page: a gap is the best-served group's value minus the "
               "worst-served group's, with its 95% interval in brackets.")
    active = ms.choice if ms is not None and ds.imported is None else None
    choices = {c.label: c for c in [*([active] if active else []), *ss[keys.MODELS_HISTORY],
                                   *(ModelChoice.of(n, MODELS[n]().get_params()) for n in MODELS)]}
    shown = display_names(choices)
    if COMPARE not in ss:
        ss[COMPARE] = [label for label in choices if label == getattr(active, "label", None)
                       or label.startswith("popularity(")][:2]
    ss[COMPARE] = [label for label in ss[COMPARE] if label in choices]
    picked = st.multiselect("Models", list(choices), key=COMPARE, format_func=shown.get,
                            help="Technical names: " + "; ".join(ss[COMPARE]))
    if not picked:
        return
    if not services.audit_groups(ds.data):
        st.info("This data has no user attributes: the comparison needs groups.",
                icon=":material/info:")
        return
    results = {}
    for label in picked:
        with layout.error_box(shown[label]):
            results[label] = audits(ds, choices[label], k, cur.reranking)
    if not results:
        return
    first = next(iter(results.values()))["as trained"]
    metrics = [m for m in first.metrics if glossary.info(m).higher_is_better]
    a, b = st.columns(2)
    default = f"ndcg@{k}"
    metric = a.selectbox("Accuracy measure", metrics, format_func=glossary.label,
                         index=metrics.index(default) if default in metrics else 0,
                         key=keys.widget("models", "cmp_metric"),
                         help=glossary.help_text(default))
    attrs = [x for x in first.attributes if " & " not in x]
    attr = b.selectbox("Groups in the chart", attrs, format_func=names.attribute,
                       key=keys.widget("models", "cmp_attr"))
    table = comparison({label: r["as trained"] for label, r in results.items()}, shown, metric)
    st.table(table.drop(columns="label").set_index("model").style.format(
        {glossary.label(metric): "{:.4f}"}))
    st.caption(f"{glossary.label(metric)}: {glossary.plain_help(metric)} Each gap: the best- "
               "minus the worst-served group, [95% interval].")
    widgets.downloads(table, "model_comparison", key="models.compare")
    points = scatter_points(results, shown, metric, attr, cur.reranking.title)
    st.plotly_chart(model_charts.accuracy_vs_gap(points, accuracy=glossary.label(metric),
                                                 groups=names.attribute(attr)),
                    key="models.cmp_scatter")
    if cur.reranking.active:
        st.caption(f"Circles: each model's own lists; diamonds: the same model re-ranked by the "
                   f"session's re-ranking ({cur.reranking.title}). Bars: 95% intervals of the gap.")
    else:
        st.caption("No re-ranking is on: switch one on on the What-if page to see each model "
                   "re-ranked here too.")
    if not layout.presenter():
        with st.expander("Every metric, overall"):
            overall = pd.DataFrame({shown[label]: r["as trained"].overall
                                    for label, r in results.items()}).T
            overall.index.name = "model"
            st.dataframe(overall.style.format("{:.4f}"), column_config={
                m: st.column_config.NumberColumn(glossary.label(m), help=glossary.help_text(m))
                for m in overall.columns})
