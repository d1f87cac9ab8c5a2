"""The New items page's parts: the request form (the share of items held out entirely and the
models to compare), the run (:func:`fairrec_core.coldstart.cold_start_split`, each model
trained on the warm items with a progress bar, then :func:`cold_start_audit`), and the result:
how well each model ranks the new items and the known ones, how much attention the new items
get, per user group and per item group, and the text model against the category model with a
paired interval."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from fairrec_app import keys, layout, services
from fairrec_core import names

#: Session-state key of the last run's result.
RESULT = "coldstart.result"
RUN = "Hold out the items and compare"
#: The models offered: key -> (registry name, parameters, words).
VARIANTS = {
    "text": ("textals", {"features": "text"}, "Text model"),
    "category": ("textals", {"features": "category"}, "Category model"),
    "als": ("als", {}, "ALS (no item content)"),
    "twotower_text": ("twotower", {"item_text": True}, "Two-tower with text"),
    "twotower": ("twotower", {}, "Two-tower"),
}
#: What each model is, for the form's help.
ABOUT = ("Text model: matrix factorisation whose new items get their factors from their "
         "description, title and category read by a language model (all-MiniLM-L6-v2). "
         "Category model: the same, from the item's categories only. ALS: no item content, so "
         "new items cannot be placed. Two-tower: a neural model of users' and items' "
         "attributes, optionally with the text.")
DEFAULT_VARIANTS = ("text", "category", "als")
#: The measures of the overview table: core metric (``{k}`` filled) -> words.
MEASURES = {
    "cold_ndcg@{k}": "New items: ranking accuracy",
    "warm_ndcg@{k}": "Known items: ranking accuracy",
    "cold_exposure_share@{k}": "New items' share of the attention",
    "cold_coverage@{k}": "New items in anyone's list",
}


def variant_label(key: str) -> str:
    return VARIANTS[key][2]


@dataclass(frozen=True)
class ColdStartRequest:
    cold_share: float
    variants: tuple[str, ...]
    k: int


@dataclass
class ColdStartRun:
    request: ColdStartRequest
    split: object  # ColdStartSplit
    results: dict  # variant -> ColdStartResult
    seconds: dict  # variant -> training seconds


def request_form(cur) -> ColdStartRequest | None:
    with st.form("coldstart.form"):
        a, b = st.columns([1, 2])
        share = a.slider("Share of items held out as new", 0.05, 0.5, 0.2, 0.05,
                         key=keys.widget("coldstart", "share"),
                         help="These items lose every interaction from the training data: "
                              "the models meet them as brand-new items.")
        chosen = b.multiselect("Models", list(VARIANTS), default=list(DEFAULT_VARIANTS),
                               format_func=variant_label, key=keys.widget("coldstart", "models"),
                               help="Each is trained on the known items only. " + ABOUT)
        pressed = st.form_submit_button(RUN, type="primary", icon=":material/play_arrow:")
    if not pressed:
        return None
    if not chosen:
        st.error("Pick at least one model to compare.", icon=":material/error:")
        return None
    return ColdStartRequest(float(share), tuple(chosen), int(cur.k))


@st.cache_resource(show_spinner="Holding out the new items…", max_entries=4)
def _split(data_key: str, share: float, test_size: float, seed: int, _data):
    from fairrec_core.coldstart import cold_start_split

    return cold_start_split(_data, cold_share=share, test_size=test_size, seed=seed)


def run(cur, request: ColdStartRequest) -> ColdStartRun:
    """Split, then train and audit every chosen model behind one progress bar."""
    from fairrec_core.coldstart import cold_start_audit
    from fairrec_core.models import MODELS, limit_threads

    ds = cur.ds
    split = _split(ds.source.key, request.cold_share, ds.eval.test_size, ds.eval.seed, ds.data)
    bar = st.progress(0.0, text="Training…")
    results, seconds = {}, {}
    for i, key in enumerate(request.variants):
        name, params, words = VARIANTS[key]

        def progress(p, i=i, words=words) -> None:
            inner = p.step / p.total if p.total else 0.0
            bar.progress(min((i + inner) / len(request.variants), 1.0),
                         text=f"{words}: {services.describe_progress(p)}")

        tick = time.perf_counter()
        with limit_threads(services.threads()):
            model = MODELS[name](**params).fit(split.train, progress=progress)
            results[key] = cold_start_audit(split, model, k=request.k)
        seconds[key] = time.perf_counter() - tick
    bar.empty()
    return ColdStartRun(request, split, results, seconds)


# ---- the result -----------------------------------------------------------------------------
def _pct(x: float) -> str:
    """"20.0%"; small shares keep two significant digits ("0.034%")."""
    if math.isnan(x):
        return "–"
    return f"{x:.1%}" if x == 0 or x >= 0.01 else f"{100 * x:.2g}%"


def overview(fr: ColdStartRun) -> pd.DataFrame:
    """One row per model: the overview measures."""
    k = fr.request.k
    rows = []
    for key, r in fr.results.items():
        row = {"Model": variant_label(key)}
        for metric, words in MEASURES.items():
            row[words] = float(r.overall[metric.format(k=k)])
        rows.append(row)
    return pd.DataFrame(rows)


def text_against_category(fr: ColdStartRun) -> dict | None:
    """The text model's new-item accuracy against the category model's, paired over users."""
    from fairrec_core.coldstart import compare_users

    if not {"text", "category"} <= set(fr.results):
        return None
    metric = f"cold_ndcg@{fr.request.k}"
    return compare_users(fr.results["category"].users[metric].to_numpy(float),
                         fr.results["text"].users[metric].to_numpy(float))


def headline(fr: ColdStartRun) -> list[str]:
    """Sentences: how much attention the new items get against their share of the catalogue,
    and what reading the descriptions is worth."""
    k = fr.request.k
    key, first = next(iter(fr.results.items()))
    out = [f"New items are {_pct(first.overall['cold_catalogue_share'])} of the catalogue but "
           f"get {_pct(first.overall[f'cold_exposure_share@{k}'])} of the attention in the top "
           f"{k} lists ({variant_label(key)})."]
    c = text_against_category(fr)
    if c is not None:
        out.append(f"Reading the descriptions ranks new items {c['ratio']:.2f}× as well as "
                   f"categories alone [{c['ratio_lo']:.2f}, {c['ratio_hi']:.2f}] "
                   f"(NDCG@{k} {c['second']:.3f} against {c['first']:.3f}, {c['n_users']:,} "
                   "users, 95% paired bootstrap interval).")
    return out


def by_user_group(fr: ColdStartRun, attribute: str) -> pd.DataFrame:
    """Per model and group: users and the new-item accuracy and attention share."""
    k = fr.request.k
    frames = []
    for key, r in fr.results.items():
        t = r.group_table(attribute)
        frames.append(pd.DataFrame({
            "Model": variant_label(key), "Group": t["group"].astype(str),
            "Users": t["n_users"].astype(int),
            MEASURES["cold_ndcg@{k}"]: t[f"cold_ndcg@{k}"],
            MEASURES["warm_ndcg@{k}"]: t[f"warm_ndcg@{k}"],
            MEASURES["cold_exposure_share@{k}"]: t[f"cold_exposure_share@{k}"]}))
    return pd.concat(frames, ignore_index=True)


def by_item_group(fr: ColdStartRun, item_attribute: str) -> pd.DataFrame:
    """Per model and value of the item attribute: how the new items of that value fare."""
    frames = []
    for key, r in fr.results.items():
        t = r.items[r.items["item_attribute"] == item_attribute]
        frames.append(pd.DataFrame({
            "Model": variant_label(key), "Value": t["value"].astype(str),
            "New items": t["n_cold"].astype(int),
            "Attention per new item": t["cold_exposure_per_item"],
            "Attention per known item": t["warm_exposure_per_item"],
            "New items listed to someone": t["cold_listed"],
            "Wanted new items found": t["cold_found"]}))
    return pd.concat(frames, ignore_index=True)


def _bars(table: pd.DataFrame, x: str, y: str, title: str):
    import plotly.express as px

    fig = px.bar(table, x=x, y=y, color="Model", barmode="group", title=title)
    fig.update_layout(height=380, legend=dict(orientation="h", yanchor="top", y=-0.2,
                                              xanchor="left", x=0, title=None),
                      margin=dict(t=50, b=20), xaxis_title=None)
    return fig


def show(fr: ColdStartRun, attributes: list[str], data) -> None:
    split = fr.split
    st.caption(f"{len(split.cold_items):,} of {split.train.n_items:,} items held out entirely "
               f"({split.cold_test.n_interactions:,} interactions); known items split "
               f"{split.test_size:.0%} for testing, seed {split.seed}.")
    for sentence in headline(fr):
        st.markdown(f"#### {sentence}")
    st.dataframe(overview(fr), hide_index=True, width="stretch",
                 column_config={w: st.column_config.NumberColumn(format="%.4f")
                                for w in MEASURES.values()})
    st.caption("Ranking accuracy is NDCG: new items are ranked among the new items for the "
               "users who turned to them, known items among the known items. The attention "
               "share is each list's position-weighted exposure that falls on new items, in "
               "lists over the whole catalogue.")
    a, b = st.columns(2)
    attribute = a.selectbox("User groups", attributes, format_func=names.attribute,
                            key=keys.widget("coldstart", "attr"))
    users = by_user_group(fr, attribute)
    a.plotly_chart(_bars(users, "Group", MEASURES["cold_ndcg@{k}"],
                         f"New items' ranking accuracy by {names.attribute(attribute)}"),
                   key="coldstart.users")
    a.dataframe(users, hide_index=True, width="stretch")
    item_attrs = list(dict.fromkeys(next(iter(fr.results.values())).items["item_attribute"]))
    item_attr = b.selectbox("Item groups", item_attrs, format_func=names.attribute,
                            index=item_attrs.index("brand_tier") if "brand_tier" in item_attrs
                            else 0, key=keys.widget("coldstart", "item_attr"))
    items = by_item_group(fr, item_attr)
    b.plotly_chart(_bars(items, "Value", "Attention per new item",
                         f"Attention per new item by {names.attribute(item_attr)}"),
                   key="coldstart.items")
    b.dataframe(items, hide_index=True, width="stretch")
    if not layout.presenter():
        st.download_button("Cold-start audit (JSON)", json.dumps(
            {key: r.to_dict() for key, r in fr.results.items()}, indent=2, default=str),
            file_name="coldstart.json", mime="application/json", icon=":material/download:")
