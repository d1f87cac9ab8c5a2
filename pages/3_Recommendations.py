"""Recommendations: one user at a time — profile, history, the top-k and why, before vs after
the current re-ranking."""

import numpy as np
import pandas as pd
import streamlit as st

from fairrec_app import keys, layout, services, user_views, widgets, workspace
from fairrec_core import glossary, names

layout.page("Recommendations", ":material/format_list_numbered:",
            "Look at single users: what they did, what the model recommends them and why, and "
            "how the current re-ranking changes their list.")
cur = workspace.current()
ds, ms, k = cur.ds, cur.ms, cur.k
data = ds.data
before_all = ms.candidates.top(k)
after_all = services.rerank(ms.key, cur.reranking, k, ds.train, ms.candidates)
ndcg_before = user_views.per_user_ndcg(before_all, ds.test)
ndcg_after = None if after_all is None else user_views.per_user_ndcg(after_all, ds.test)
ids = data.user_vocab.ids

# ---- pick a user --------------------------------------------------------------------------------
mode = st.segmented_control(
    "Find a user", ["Worst served first", "By group", "By id"], default="Worst served first",
    key=keys.widget("recs", "mode")) or "Worst served first"
users = ndcg_before.index.to_numpy()
if mode == "By id":
    typed = st.text_input("User id", value=str(ids[users[0]]), key=keys.widget("recs", "id"))
    user = None
    with layout.error_box("User"):
        idx = data.user_vocab.index(typed.strip() if data.users["user_id"].dtype == object
                                    else type(ids[0])(typed.strip()))
        if idx not in ndcg_before.index:
            st.warning(f"User {typed} has no held-out interactions, so their list cannot be "
                       "assessed; showing it anyway.", icon=":material/info:")
            users = np.append(users, idx)
        user = int(idx)
else:
    a, b = st.columns(2)
    attrs = data.user_attributes
    candidates = pd.Series(ndcg_before.to_numpy(), index=users)
    if mode == "By group" and attrs:
        attr = a.selectbox("Attribute", attrs, key=keys.widget("recs", "attr"),
                           format_func=names.attribute)
        labels = data.user_groups(attr)
        group = b.selectbox("Group", sorted(labels.unique()), key=keys.widget("recs", "group"))
        candidates = candidates[labels.to_numpy()[users] == group]
    else:
        candidates = candidates.sort_values(kind="stable")
    user = st.selectbox(
        f"User ({len(candidates):,})", candidates.index.tolist(), key=keys.widget("recs", "user"),
        format_func=lambda u: f"{ids[u]} — {glossary.label(f'ndcg@{k}').lower()} "
                              f"{candidates[u]:.3f}")
    user = None if user is None else int(user)

if user is None:
    st.stop()
st.session_state[keys.RECS_USER] = user

# ---- profile ------------------------------------------------------------------------------------
st.subheader(f"This is user {ids[user]}.")
profile = data.users.iloc[user].drop(labels=["user_id"]).astype(str)
# the profile as one line of text: long values (occupations) never cut off in a card
st.markdown(" · ".join(f"**{names.attribute(name)}** {value}" for name, value in profile.items()))
cols = st.columns(3)
cols[-3].metric("History", f"{int(ds.train.user_counts[user])}", help="Training interactions.")
cols[-2].metric("Held out", f"{int(ds.test.user_counts[user])}",
                help="Test interactions: the items a good list should contain.")
nd = ndcg_before.get(user, np.nan)
delta = None
if ndcg_after is not None and user in ndcg_after.index:
    delta = f"{ndcg_after[user] - nd:+.3f} after re-ranking"
cols[-1].metric(glossary.label(f"ndcg@{k}"), "—" if np.isnan(nd) else f"{nd:.3f}", delta=delta,
                help=glossary.help_text(f"ndcg@{k}"))

with st.expander("Recent history"):
    past = user_views.history(ds.train, user)
    st.table(user_views.shown(past[[c for c in ("when", "event", "title", "category",
                                                "brand_tier", "price") if c in past.columns]]),
             hide_index=True)
st.markdown(f"**Top {k} from {ms.choice.title}** — ✓ marks a held-out item (a hit); *why* "
            "lists the history items most similar to it.")
top_before = user_views.top_list(data, ds.train, ds.test, before_all, user)
main = ["rank", "title", "hit", "why",
        *[c for c in ("category", "brand_tier", "price_band") if c in top_before.columns]]
if not layout.presenter():
    main.insert(4, "score")
# an HTML table: long titles and reasons wrap instead of being cut off
st.table(user_views.shown(top_before[main]), hide_index=False)
widgets.downloads(top_before, f"recommendations_{ids[user]}", key="recs.user")

# ---- before vs after ----------------------------------------------------------------------------
st.subheader("How the re-ranking changes this list.")
if after_all is None:
    st.info("No re-ranking is switched on. Turn one on in What-if to see how this list changes.",
            icon=":material/info:")
    layout.link("What-if", "Open What-if")
else:
    top_after = user_views.top_list(data, ds.train, ds.test, after_all, user)
    moved = user_views.compare_lists(top_before, top_after)
    gone = user_views.dropped(top_before, top_after)
    st.caption(f"Re-ranking: {cur.reranking.title}. {int((moved['moved'] == 'new').sum())} new "
               f"items, {len(gone)} dropped; highlighted rows moved.")
    show = ["rank", "moved", "title", "category", "hit"] if "category" in moved else ["rank", "moved", "title", "hit"]
    a, b = st.columns(2)
    a.markdown("**Model's list**")
    a.table(user_views.shown(top_before[[c for c in show if c != "moved"]]).style.apply(
        lambda r: ["background-color: #ffe3e3" if r["title"] in set(gone["title"]) else ""] * len(r),
        axis=1), hide_index=False)
    b.markdown("**After re-ranking**")

    def _colour(row):
        tone = {"new": "#d3f9d8", "=": ""}.get(row["moved"], "#fff3bf")
        return [f"background-color: {tone}" if tone else ""] * len(row)

    b.table(user_views.shown(moved[show]).style.apply(_colour, axis=1), hide_index=False)
    st.caption("Green: new in the list · yellow: moved · red: dropped by the re-ranking.")

if layout.presenter():
    st.stop()
st.divider()
st.markdown("**All users' lists**")
st.download_button(
    f"Top {k} of all users (CSV)", lambda: before_all.to_frame(data).to_csv(index=False).encode(),
    "recommendations.csv", "text/csv", icon=":material/download:", on_click="ignore",
    key="recs.dl.all")
if after_all is not None:
    st.download_button(
        "Re-ranked lists (CSV)", lambda: after_all.to_frame(data).to_csv(index=False).encode(),
        "recommendations_reranked.csv", "text/csv", icon=":material/download:",
        on_click="ignore", key="recs.dl.after")
