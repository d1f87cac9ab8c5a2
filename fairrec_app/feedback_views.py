"""The Feedback loop page's request and run: the form (model, rounds, seeds, the users' choice
model, what to compare with: a re-ranking or another model) and the run
(:func:`fairrec_core.feedback.simulate`, for the model as it is and, on the same seeds, with the
intervention or the other model) behind a progress bar with partial results and a Stop button
that keeps the finished rounds. The result is drawn by :mod:`fairrec_app.feedback_results`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from fairrec_app import keys, services
from fairrec_core import names

#: Session-state keys of this page (page-prefixed).
RESULT = "feedback.result"  # the FeedbackRun of the last run (or the stopped part of one)
PARTIAL = "feedback.partial"  # the request and the finished rounds' frames of the running run
STOP = keys.widget("feedback", "stop")
RUN = "Run the simulation"

#: The metrics the summary and the charts show first, in this order.
SHOWN = ("ndcg", "miscalibration", "popularity", "gini", "list_similarity", "chosen_utility")
#: The interventions offered: label -> re-ranker spec template (the strength fills ``{s}``).
INTERVENTIONS = {
    "None": None,
    names.reranker("calibrated"): "calibrated:lambda={s}",
    names.reranker("popularity"): "popularity:lambda={s}",
}
#: The arm names of a model-against-model run start with this (then the model's name).
MODEL_ARM = "model:"
#: The models the form offers first (fast to retrain every round).
DEFAULT_MODEL = "ease"


@dataclass(frozen=True)
class FeedbackRequest:
    """What one Run simulates (hashable)."""

    model: str
    params_json: str
    rounds: int
    seeds: int
    k: int
    position_bias: float
    temperature: float
    budget: int
    rerank: str | None
    versus: str | None = None  # another model through the same loop and seeds

    @property
    def params(self) -> dict:
        return json.loads(self.params_json)

    @property
    def choice(self):
        from fairrec_core.feedback import ChoiceModel

        return ChoiceModel(position_bias=self.position_bias, temperature=self.temperature,
                           budget=self.budget)


@dataclass
class FeedbackRun:
    """The result of one Run: the model as it is and, when asked, with the intervention."""

    request: FeedbackRequest
    plain: object  # FeedbackResult
    other: object | None = None  # FeedbackResult with the intervention

    @property
    def results(self) -> list:
        return [r for r in (self.plain, self.other) if r is not None]

    @property
    def stopped(self) -> bool:
        compared = self.request.rerank is not None or self.request.versus is not None
        return any(r.stopped for r in self.results) or (compared and self.other is None)

    def bands(self) -> pd.DataFrame:
        return pd.concat([r.bands() for r in self.results], ignore_index=True)

    def table(self) -> pd.DataFrame:
        return pd.concat([r.table for r in self.results], ignore_index=True)


#: The page's words for the loop's measures (the core's METRIC_NAMES for the others).
LABELS = {
    "ndcg": "Ranking accuracy against the true preferences",
    "miscalibration": "Taste drift (mismatch with the round-0 profile)",
    "popularity": "Popularity of the recommended items",
    "gini": "Exposure inequality (Gini)",
    "list_similarity": "Sameness of users' lists (Jaccard)",
    "chosen_utility": "True value of what users chose",
}


def metric_label(metric: str) -> str:
    from fairrec_core.feedback import METRIC_NAMES

    text = LABELS.get(metric) or METRIC_NAMES.get(metric, metric)
    return text[0].upper() + text[1:]


def arm_label(arm: str) -> str:
    """"plain" -> "No intervention"; a re-ranker chain's spec -> its names in words with the
    strength ("calibrated:lambda=0.5,attribute=none" -> "Match each user's taste mix
    (strength 0.5)")."""
    from fairrec_core.feedback import PLAIN

    if arm == PLAIN:
        return "No intervention"
    if arm.startswith(MODEL_ARM):
        return names.model(arm[len(MODEL_ARM):])
    out = []
    for step in arm.split(" -> "):
        name, _, rest = step.partition(":")
        pairs = dict(p.partition("=")[::2] for p in rest.split(",") if "=" in p)
        strength = pairs.get("lambda", pairs.get("lam"))
        out.append(f"{names.reranker(name)} (strength {strength})" if strength
                   else names.reranker(name))
    return ", then ".join(out)


def truth(source, data):
    """The ground truth of the session's data: the generator's utilities for the demo and
    synthetic shops, an oracle fitted to all the data otherwise (cached per data set)."""
    return _truth(source.key, data)


@st.cache_resource(show_spinner="Preparing the ground truth…", max_entries=4)
def _truth(source_key: str, _data):
    from fairrec_core.feedback import truth_for
    from fairrec_core.models import limit_threads

    with limit_threads(services.threads()):
        return truth_for(source_key, _data)


def request_form(cur) -> FeedbackRequest | None:
    """The form; the request when Run is pressed, else None."""
    from fairrec_core.models import MODELS

    active = st.session_state[keys.MODELS_ACTIVE]
    menu = list(MODELS)
    default = active.name if active.name in MODELS else DEFAULT_MODEL
    with st.form("feedback.form"):
        st.markdown("#### The loop")
        a, b, c = st.columns(3)
        name = a.selectbox("Model", menu, index=menu.index(default), format_func=names.model,
                           key=keys.widget("feedback", "model"),
                           help="Trained again from scratch after every round, on the data "
                                "plus every item the users chose so far.")
        rounds = b.slider("Rounds", 1, 30, 10, key=keys.widget("feedback", "rounds"),
                          help="Recommend, let every user choose, retrain: once per round.")
        seeds = c.slider("Repetitions (seeds)", 1, 10, 3, key=keys.widget("feedback", "seeds"),
                         help="Each repetition draws the users' choices anew; the bands on the "
                              "charts are the 95% interval over repetitions.")
        st.markdown("#### How users choose")
        a, b, c = st.columns(3)
        bias = a.number_input("Position bias", 0.0, 5.0, 1.0, 0.1,
                              key=keys.widget("feedback", "bias"),
                              help="How much less an item lower in the list is looked at "
                                   "(0: the rank does not matter).")
        temp = b.number_input("Choice randomness", 0.0, 5.0, 1.0, 0.1,
                              key=keys.widget("feedback", "temperature"),
                              help="The temperature of the choice (0: every user takes the "
                                   "best item they see; larger: more random).")
        budget = c.number_input("Items a user may take per round", 1, 5, 1, 1,
                                key=keys.widget("feedback", "budget"),
                                help="The attention budget. A user may also take nothing.")
        st.markdown("#### Compare with an intervention, or with another model")
        a, b, c = st.columns(3)
        how = a.selectbox("Intervention", list(INTERVENTIONS),
                          key=keys.widget("feedback", "intervention"),
                          help="Run the same loop, on the same repetitions, with this "
                               "re-ranking of every round's lists.")
        strength = b.slider("Strength", 0.05, 1.0, 0.5, 0.05,
                            key=keys.widget("feedback", "strength"))
        versus = c.selectbox("Another model", [None, *menu], key=keys.widget("feedback", "versus"),
                             format_func=lambda m: "None" if m is None else names.model(m),
                             help="Run this model through the same loop, with the same users' "
                                  "choices model and repetitions, and compare the two.")
        pressed = st.form_submit_button(RUN, type="primary", icon=":material/play_arrow:")
    if not pressed:
        return None
    template = INTERVENTIONS[how]
    if versus is not None and (template is not None or versus == name):
        st.error("Compare with one thing at a time: an intervention (Intervention) or another "
                 "model (Another model, different from Model) — not both.",
                 icon=":material/error:")
        return None
    params = active.params if active.name == name and active.path is None else {}
    return FeedbackRequest(name, json.dumps(params, sort_keys=True, default=str), int(rounds),
                           int(seeds), int(cur.k), float(bias), float(temp), int(budget),
                           template.format(s=f"{strength:g}") if template else None, versus)


def stop() -> None:
    """The Stop button's callback: it runs before the rerun the click requested (which
    interrupts the simulation at its next round), and keeps the rounds finished so far."""
    from fairrec_core.feedback import FeedbackResult

    ss = st.session_state
    partial = ss.pop(PARTIAL, None)
    if partial is None:
        return
    request, arms = partial
    results = [FeedbackResult(table=pd.concat(frames, ignore_index=True), arm=arm,
                              settings={"stopped at": "Stop button"}, assumption=assumption,
                              stopped=True)
               for arm, (frames, assumption) in arms.items() if frames]
    if results:
        ss[RESULT] = FeedbackRun(request, results[0], results[1] if len(results) > 1 else None)


def arms_of(request: FeedbackRequest) -> list[tuple[str, dict, str | None, str]]:
    """``(model, params, re-ranker spec, arm name)`` of each run the request asks for: the model
    as it is, then the same model with the intervention or the other model (arm names as
    :func:`~fairrec_core.feedback.simulate` gives them, or ``model:NAME`` model against model)."""
    from fairrec_core.feedback import PLAIN
    from fairrec_core.reranking import RerankChain, parse_rerank

    if request.versus is not None:
        return [(request.model, request.params, None, MODEL_ARM + request.model),
                (request.versus, {}, None, MODEL_ARM + request.versus)]
    arms = [(request.model, request.params, None, PLAIN)]
    if request.rerank:
        spec = " -> ".join(RerankChain([parse_rerank(request.rerank)]).spec())
        arms.append((request.model, request.params, request.rerank, spec))
    return arms


def _what(request: FeedbackRequest) -> str:
    if request.versus is not None:
        return f" each of {names.model(request.model)} and {names.model(request.versus)}"
    return f" of {names.model(request.model)}" + (
        ", with and without the intervention" if request.rerank else "")


def run(cur, request: FeedbackRequest) -> FeedbackRun:
    """Both arms, one after the other on the same seeds, with a progress bar, the headline
    chart of the finished rounds and a Stop button."""
    from fairrec_core.feedback import simulate
    from fairrec_core.models import limit_threads

    ss = st.session_state
    data = cur.ds.data
    gt = truth(cur.ds.source, data)
    arms = arms_of(request)
    ss[PARTIAL] = (request, {})
    banner = st.empty()
    left, right = banner.container().columns([4, 1], vertical_alignment="center")
    left.info(f"Simulating {request.rounds} rounds{_what(request)}, {request.seeds} "
              "repetitions.", icon=":material/hourglass_top:")
    right.button("Stop", key=STOP, on_click=stop, icon=":material/stop_circle:")
    bar, chart = st.empty(), st.empty()
    start, total = time.perf_counter(), len(arms) * request.seeds * (request.rounds + 1)
    results = []
    for i, (model, params, spec, name) in enumerate(arms):
        frames: list[pd.DataFrame] = []
        arm = arm_label(name)
        ss[PARTIAL][1][name] = (frames, gt.assumption)
        offset = i * request.seeds * (request.rounds + 1)

        def progress(done, frames=frames, arm=arm, offset=offset) -> None:
            frames.append(done.table)
            fraction = (offset + done.done) / total
            timing = services.describe_time(time.perf_counter() - start, fraction)
            bar.progress(fraction, text=f"{arm}: repetition {done.seed + 1} of {request.seeds}, "
                                        f"round {done.round} of {request.rounds} · {timing}")
            chart.plotly_chart(partial_chart(frames, arm),
                               key=f"feedback.partial.{offset + done.done}")

        with limit_threads(services.threads()):
            results.append(simulate(data, gt, model=model, params=params,
                                    rounds=request.rounds, seeds=range(request.seeds),
                                    k=request.k, rerank=spec, choice=request.choice,
                                    arm=None if request.versus is None else name,
                                    progress=progress))
    ss.pop(PARTIAL, None)
    for slot in (banner, bar, chart):
        slot.empty()
    return FeedbackRun(request, results[0], results[1] if len(results) > 1 else None)


def partial_chart(frames: list[pd.DataFrame], arm: str):
    """The finished rounds so far: the headline metric over every user, one line per
    repetition."""
    import plotly.graph_objects as go

    from fairrec_core.feedback import ALL

    t = pd.concat(frames, ignore_index=True)
    t = t[(t["metric"] == SHOWN[0]) & (t["attribute"] == ALL)]
    fig = go.Figure()
    for seed, part in t.groupby("seed"):
        fig.add_trace(go.Scatter(x=part["round"], y=part["value"], mode="lines+markers",
                                 name=f"repetition {int(seed) + 1}"))
    fig.update_layout(title=f"So far ({arm}): {metric_label(SHOWN[0])}, all users",
                      xaxis_title="round", height=320, margin=dict(t=50, b=40))
    return fig
