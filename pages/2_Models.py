"""Models: train one from a form built from its parameters, save and load, compare several."""

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from fairrec_app import (
    keys,
    layout,
    model_charts,
    model_views,
    paths,
    services,
    uploads,
    widgets,
    workspace,
)
from fairrec_app.settings import ModelChoice
from fairrec_app.sources import ImportedUpload
from fairrec_core import names
from fairrec_core.errors import ModelError
from fairrec_core.models import MODELS, available_cpus, list_saved_models, save_model

MODELS_DIR = Path("models")


def _doc(cls) -> str:
    """One line about a model: its module's summary (e.g. "EASE^R (Steck 2019, ...)")."""
    import sys

    doc = sys.modules[cls.__module__].__doc__ or cls.__doc__ or ""
    first = " ".join(doc.strip().split("\n\n")[0].split()).replace("``", "")
    return first if len(first) <= 110 else first[:110].rsplit(" ", 1)[0] + " …"


layout.page("Models", ":material/model_training:",
            "Train the recommenders to assess, save them, load them back, and compare them.")
banner = model_views.training_banner(workspace.data_state().train)  # Cancel, before training
cur = workspace.current(need_model=False)  # a model that fails still leaves this page usable
model_views.training_done(banner)
ds, ms = cur.ds, cur.ms
ss = st.session_state
active = ms.choice if ms is not None else ss[keys.MODELS_ACTIVE]
model = ms.model if ms is not None else None

# ---- the active model ---------------------------------------------------------------------------
st.subheader("Active model")
if ds.imported is not None and ms is not None:
    upload = ss[keys.MODELS_IMPORTED]
    a, b, c = st.columns(3)
    a.metric("Lists", "imported", help=f"{upload.recs_name}, assessed against {upload.test_name}")
    b.metric("Users with a list", f"{ms.candidates.n_users:,}")
    c.metric("List length", f"{ms.candidates.depth}")
    scores = ("the scores given in the file" if ds.imported.score_source == "scores" else
              "scores derived from the ranks (1 − (rank − 1)/N), so re-rankers see only the order")
    st.info(f"Assessing recommendation lists imported from **{upload.recs_name}**. Re-rankers use "
            f"{scores}, and can only choose among the {ms.candidates.depth} items given per user.",
            icon=":material/upload_file:")
    for w in ds.imported.warnings:
        st.warning(w, icon=":material/warning:")
    if st.button("Back to a model trained here", key=keys.widget("models", "unimport")):
        workspace.clear_imported()
        st.rerun()
elif ms is None:
    st.warning(f"No model is in use: {active.title} could not be trained or loaded. Pick another "
               "model below.", icon=":material/warning:")
else:
    a, b, c = st.columns([3, 1, 1])  # room for the longest model name at 1440 px
    a.metric("Model", ms.choice.title, help=ms.choice.label)
    b.metric("Trained in" if ms.choice.path is None else "Loaded in", f"{ms.trained.seconds:.1f} s",
             help=f"on {services.threads() or available_cpus()} CPU threads")
    c.metric("Candidates per user", f"{ms.candidates.depth}",
             help="Each user's top items by the model's score; re-rankers choose the final list "
                  "from them.")
    history = [p for p in ms.trained.history if p.loss is not None or p.val_ndcg is not None]
    if history:
        frame = pd.DataFrame({"step": [p.step for p in history], "loss": [p.loss for p in history],
                              "val_ndcg": [p.val_ndcg for p in history]})
        st.plotly_chart(model_charts.history(frame), key="models.history")

# ---- train --------------------------------------------------------------------------------------
st.subheader("Train a model")
names_ = list(MODELS)
name = st.selectbox("Model", names_, index=names_.index(active.name) if active.name in names_ else 0,
                    key=keys.widget("models", "name"), format_func=names.model,
                    help="; ".join(f"{names.model(n)}: {_doc(MODELS[n])}" for n in names_))
defaults = MODELS[name]().get_params()
current_params = active.params if active.name == name else {}
prefix = keys.widget("models", "p", name)
shown_params = {p: ss.get(f"{prefix}.{p}", v) for p, v in {**defaults, **current_params}.items()}
est = model_views.estimate(name, shown_params, ds.train)  # the settings the form shows
if est is not None:  # in presenter mode without the arithmetic behind it
    st.caption(f"{est.text} at these settings." if layout.presenter() else
               f"{est.text} at these settings — {est.basis}.")
with st.form(f"models.train_form.{name}"):
    with st.expander("Settings", expanded=not layout.presenter()):
        values = model_views.param_inputs(name, defaults, current_params, prefix, ds.train)
    if st.form_submit_button("Train", type="primary", icon=":material/play_arrow:"):
        with layout.error_box("Train"):
            params = widgets.checked_params(values)
            model_views.start_training(ModelChoice.of(name, params))
            workspace.clear_imported()
            st.rerun()

# ---- compare ------------------------------------------------------------------------------------
model_views.compare_section(cur)

# ---- save / load --------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    st.subheader("Save the active model")
    with st.form("models.save_form"):
        default_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{active.name}-{ds.data.name}").lower()
        folder = st.text_input("Name", value=default_name, help=f"Saved under {MODELS_DIR}/NAME.")
        if st.form_submit_button("Save", icon=":material/save:", disabled=model is None):
            with layout.input_box("Save", doing="save the model"):
                target = paths.model_folder(folder, MODELS_DIR)  # stays inside models/
                if target.exists():
                    raise ModelError(f"{target} already exists; choose another name")
                save_model(model, target, train=ds.train)
                st.success(f"Saved to {target}", icon=":material/check_circle:")
with right:
    st.subheader("Saved models")
    saved = list_saved_models(MODELS_DIR)
    if not saved:
        st.info(f"No saved models in {MODELS_DIR}/ yet.", icon=":material/info:")
    else:
        table = pd.DataFrame([{
            "folder": r["dir"], "model": r["name"], "trained on": r["dataset"],
            "fits this data": r["fingerprint"] == ds.train.fingerprint, "saved": r["time"],
            "problem": r["error"] or "",
        } for r in saved])
        st.dataframe(table, hide_index=True)
        pick = st.selectbox("Saved model", [r["dir"] for r in saved],
                            key=keys.widget("models", "load"))
        if st.button("Load model", key=keys.widget("models", "load_btn"), icon=":material/upload:"):
            with layout.input_box("Load"):
                trained = services.saved_model(pick, services.modified(pick),
                                               ds.train.fingerprint, ds.train)
                ss[keys.MODELS_ACTIVE] = ModelChoice.of(trained.model.name,
                                                        trained.model.get_params(), path=pick)
                workspace.clear_imported()
                st.rerun()

# ---- lists from another system ------------------------------------------------------------------
if not layout.presenter():  # an analyst's task, not part of a demo
    st.subheader("Audit external recommendations")
    st.markdown("Assess a recommender you do not train here: upload its lists (`user_id,item_id` "
                "plus `rank` and/or `score`) and the held-out interactions they should have found "
                "(`user_id,item_id`), with ids from the current data.")
    a, b = st.columns(2)
    recs_up = a.file_uploader("recommendations.csv", type=["csv"], key=keys.widget("models", "recs"))
    test_up = b.file_uploader("test.csv", type=["csv"], key=keys.widget("models", "test"))
    if st.button("Assess these lists", key=keys.widget("models", "import"),
                 disabled=recs_up is None or test_up is None, icon=":material/fact_check:"):
        with layout.input_box("Import"):
            uploads.check_size(recs_up)
            uploads.check_size(test_up)
            workspace.set_imported(ImportedUpload(recs_up.name, recs_up.getvalue(), test_up.name,
                                                  test_up.getvalue()))
            st.rerun()
