"""What-if: switch re-rankers on, move their sliders, and see every metric per group change at
once — before → after — with the trade-off curve and the current setting marked."""

import streamlit as st

from fairrec_app import compare, keys, layout, services, widgets, workspace
from fairrec_app.settings import DEFAULT_CANDIDATES, Reranking
from fairrec_core import charts, glossary, names
from fairrec_core.reranking import RERANKERS

#: Overall figures shown as cards (the rest are in the table).
CARDS = ("ndcg", "recall", "calibration_kl", "ild", "aplt", "coverage", "gini_exposure")
#: Row height of the per-group table, in pixels (its height is computed from it).
ROW = 35


def headline(reranking: Reranking, applied: bool) -> str:
    """The overall section's headline, a sentence with the re-ranking's human name."""
    if not applied:
        return "No re-ranking is switched on: these are the model's own lists."
    return f"Overall, this is what “{reranking.title}” changes."

layout.page("What-if", ":material/tune:",
            f"What would it cost to make this fairer? Re-rankers re-order each user's top "
            f"{DEFAULT_CANDIDATES} candidates into a new top-k; the model is never retrained or "
            "rescored, so every setting shows at once.")
cur = workspace.current(sidebar_reranking=False)
ds, ms, k = cur.ds, cur.ms, cur.k
workspace.require_groups(cur.ds)
ctx = services.context_for(ds, k)
before = services.model_summary(ms.key, k, ctx, ms.candidates)
if ds.imported is not None and ds.imported.score_source == "ranks":
    st.info("The imported lists have ranks but no scores: re-rankers use scores derived from the "
            "ranks, so they see only the order.", icon=":material/info:")


@st.fragment
def what_if() -> None:
    ss = st.session_state
    chain = ss[keys.WHATIF_CHAIN]
    by_name = {s.name: s for s in chain.steps}
    defaults = {s.name: s for s in services.default_reranking().steps}
    steps = []
    cols = st.columns(3)
    for i, (name, cls) in enumerate(RERANKERS.items()):
        with cols[i % 3].container(border=True):
            steps.append(widgets.reranker_controls(by_name.get(name, defaults[name]), cls, ds.data))
    reranking = Reranking(tuple(steps))
    ss[keys.WHATIF_CHAIN] = reranking

    after_lists, after = None, before
    with layout.error_box("Re-ranking"):
        after_lists = services.rerank(ms.key, reranking, k, ds.train, ms.candidates)
        if after_lists is not None:
            after = ctx.summarize(after_lists)

    st.markdown(f"#### {headline(reranking, after_lists is not None)}")
    # the setting these metrics were computed for (the widgets' values of this very run); the
    # technical setting only in the tooltip
    st.caption(f"Computed for: {reranking.title if after_lists is not None else 'no re-ranking'}"
               f" · top {k} of each list · before → after in the small figures",
               help=None if layout.presenter() else f"Technical setting: {reranking.label}")
    cards = st.columns(4) + st.columns(4)
    for col, name in zip(cards, CARDS, strict=False):
        metric = f"{name}@{k}"
        info = glossary.info(metric)
        b, a = before.overall[metric], after.overall[metric]
        col.metric(glossary.label(metric), f"{a:.3f}",
                   delta=None if after_lists is None else f"{a - b:+.3f}",
                   delta_color="normal" if info.higher_is_better else "inverse",
                   help=glossary.help_text(metric))

    attrs = before.attributes
    attr = st.session_state.get(keys.widget("whatif", "attr"), attrs[0])
    st.markdown(f"#### How the {names.groups(attr if attr in attrs else attrs[0])} are "
                "served, before → after.")
    attr = st.selectbox("Groups", attrs, key=keys.widget("whatif", "attr"),
                        format_func=names.attribute,
                        help="A user attribute, or the intersection of two.")
    long = compare.before_after(before, after, attr)
    text, colour = compare.wide(long)
    # exactly as tall as its rows: no empty row below the last metric
    st.dataframe(text.style.apply(lambda _: colour, axis=None), row_height=ROW,
                 height=ROW * (len(text) + 1) + 3)
    st.caption("Cells read before → after. Green: the change goes the good way for that metric "
               "(for gap: smaller; for ratio: closer to 1); red: the bad way. "
               "Hover a metric in the cards above for what it measures.")
    widgets.downloads(long, f"whatif_{attr}", key="whatif.groups")

    st.markdown("#### Trade-off: what each strength costs in accuracy.")
    steps = [s.name for s in reranking.steps]
    on = [s.name for s in reranking.steps if s.enabled]
    name = st.selectbox("Re-ranker to sweep", steps, index=steps.index(on[0]) if on else 0,
                        format_func=names.reranker, key=keys.widget("whatif", "sweep"))
    step = next(s for s in reranking.steps if s.name == name)
    cls = RERANKERS[name]
    strength = cls.PARAMS[cls.STRENGTH]
    curve = None
    with layout.error_box("Trade-off"):
        # the sweep does not depend on the strength itself: key it without it
        swept = step.with_params({**step.params, cls.STRENGTH: strength.default})
        curve = services.sweep(ms.key, k, swept, ctx, ds.train, ms.candidates)
    if curve is not None:
        target = f"{cls.TARGET[0]}@{k}"
        accuracy = f"ndcg@{k}"
        current = _current_point(after, after_lists, step, target)
        a, b = st.columns([3, 2])
        word = names.parameter(strength.name)
        shown = curve.rename(columns={strength.key: word, accuracy: glossary.label(accuracy),
                                      target: glossary.label(target), "pareto": "best trade-off"})
        a.plotly_chart(charts.tradeoff(
            shown, x=glossary.label(accuracy), y=glossary.label(target),
            x_label=glossary.label(accuracy), y_label=glossary.label(target), strength=word,
            current=current), key="whatif.tradeoff")
        b.markdown(f"**{names.reranker(name)}** alone, {word} from {strength.low:g} (the "
                   f"model's ranking) to {strength.high:g}; the star is the current setting of "
                   f"the whole re-ranking. **{glossary.label(target)}**: "
                   f"{glossary.info(target).help(k).split(' Technical name:')[0]}",
                   help=None if layout.presenter() else glossary.help_text(target))
        if not layout.presenter():
            cols = [c for c in (word, glossary.label(accuracy), glossary.label(target),
                                "best trade-off") if c in shown.columns]
            b.dataframe(shown[cols], hide_index=True)
            widgets.downloads(curve, f"tradeoff_{name}", key="whatif.curve")


def _current_point(after, after_lists, step, target):
    accuracy = after.overall[f"ndcg@{k}"]
    if target in after.overall.index:
        return accuracy, after.overall[target]
    lists = after_lists if after_lists is not None else ms.candidates.top(k)
    reranker = services.reranker_for(ms.key, step, ds.train, ms.candidates)
    return accuracy, reranker.target_value(lists, ms.candidates)


what_if()
