"""Data: choose the dataset (demo shop, MovieLens, your CSVs), the split, and look at it."""


import streamlit as st

from fairrec_app import keys, layout, paths, services, uploads, widgets, workspace
from fairrec_app.settings import EvalSettings
from fairrec_app.sources import (
    CSV_FIELDS,
    CSV_REQUIRED,
    CsvUpload,
    DataSource,
    guess_mapping,
)
from fairrec_core import charts, names
from fairrec_core.data import SPLIT_METHODS, SyntheticSpec

layout.page("Data", ":material/database:",
            "Pick the data to assess, how it is split into training history and held-out test "
            "interactions, and see who is in it.")
ds = workspace.data_state()
data = ds.data

notice = st.session_state.pop(keys.DATA_NOTICE, None)
if notice:
    st.success(notice, icon=":material/check_circle:")

st.markdown(f"#### You are assessing {data.name}.")
c = st.columns(4)
c[0].metric("Users", f"{data.n_users:,}")
c[1].metric("Items", f"{data.n_items:,}")
c[2].metric("Interactions", f"{data.n_interactions:,}")
c[3].metric("Density", f"{data.density:.2%}", help="Share of user × item pairs with an interaction.")
st.caption(f"Split: {ds.split_label} — {ds.train.n_interactions:,} training and "
           f"{ds.test.n_interactions:,} held-out interactions.")
for w in data.warnings:
    st.warning(w, icon=":material/warning:")

TABS = {"synthetic": "Demo shop", "movielens": "MovieLens", "movielens-zip": "MovieLens",
        "csv": "Your CSV files"}
# the tab of the data in use is open (after MovieLens loads, the MovieLens tab, not the demo form)
tab_demo, tab_ml, tab_csv, tab_split = st.tabs(
    ["Demo shop", "MovieLens", "Your CSV files", "Split and cutoff"],
    default=TABS.get(ds.source.kind, "Demo shop"))

with tab_demo:
    st.markdown("A synthetic online shop with planted group biases: category tastes that depend "
                "on gender and age, fewer recommendations for small sellers, and sparse histories "
                "in the *Islands* region. Set **bias** to 0 to remove them (a null check).")
    if ds.source.kind != "synthetic":
        st.caption(f"In use now: {ds.source.label}. Generating a shop replaces it.")
    cur = ds.source.synthetic or SyntheticSpec()
    with st.form("data.demo_form"):
        a, b, c_ = st.columns(3)
        users = a.number_input("Users", 10, 20_000, cur.users, step=500)
        items = b.number_input("Items", 20, 10_000, cur.items, step=100)
        inter = c_.number_input("Interactions", 10, 2_000_000, cur.interactions, step=10_000)
        a, b = st.columns(2)
        bias = a.slider("Bias strength", 0.0, 3.0, float(cur.bias), 0.1,
                        help="How strongly group membership shapes behaviour; 0 = no planted bias.")
        seed = b.number_input("Seed", 0, 10_000, cur.seed)
        if st.form_submit_button("Generate", type="primary"):
            with layout.error_box("Demo shop"):
                spec = SyntheticSpec(users=int(users), items=int(items),
                                     interactions=int(inter), seed=int(seed), bias=float(bias))
                spec.check()
                workspace.set_source(DataSource.demo(spec))
                st.rerun()

with tab_ml:
    st.markdown("MovieLens 100K or 1M, as a folder or a `.zip` (the files are recognised by name: "
                "`u.data`, `u.user`, `u.item` or `ratings.dat`, `users.dat`, `movies.dat`).")
    if ds.source.kind in ("movielens", "movielens-zip"):
        st.success(f"In use now: {data.name} — {data.n_users:,} users, {data.n_items:,} items, "
                   f"{data.n_interactions:,} ratings.", icon=":material/check_circle:")
    if paths.server_paths_enabled():
        with st.form("data.ml_path_form"):
            path = st.text_input("Folder or zip on the server", placeholder="data/ml-100k",
                                 help=f"Only paths under the data folders can be read (set by "
                                      f"{paths.ROOTS_ENV}).")
            st.caption(f"Data folders: {paths.roots_label()}")
            if st.form_submit_button("Load from path"):
                with layout.input_box("MovieLens"):
                    where = paths.resolve_data_path(path)
                    workspace.set_source(DataSource.movielens_path(str(where)))
                    st.rerun()
    up = st.file_uploader("…or upload the zip", type=["zip"], key="data.w.ml_zip")
    if up is not None and st.button("Load uploaded zip", key="data.w.ml_zip_load"):
        with layout.input_box("MovieLens"):
            uploads.check_size(up)
            workspace.set_source(DataSource.movielens_zip(up.name, up.getvalue()))
            st.rerun()

with tab_csv:
    st.markdown("Upload `interactions` (required: one row per user × item; optional value, "
                "timestamp, event) and optionally `users` (attributes such as gender, age, region) "
                "and `items` (category, brand, price). Map your column names below.")
    if ds.source.kind == "csv":
        st.success(f"In use now: {ds.source.label} — {data.n_users:,} users, "
                   f"{data.n_items:,} items.", icon=":material/check_circle:")
    uploads_ = {}
    cols = st.columns(3)
    for col, part in zip(cols, CSV_FIELDS, strict=True):
        uploads_[part] = col.file_uploader(f"{part}.csv", type=["csv", "txt"],
                                          key=keys.widget("data", "csv", part))
    if uploads_["interactions"] is None:
        st.info("Upload at least an interactions file to map its columns.", icon=":material/upload:")
    else:
        ok = True
        mappings = {}
        for part, up in uploads_.items():
            if up is None:
                continue
            with layout.input_box(up.name):
                columns = uploads.csv_header(up)  # the first line only, once per upload
                guess = guess_mapping(columns, part)
                shown = ", ".join(columns) if len(columns) <= 60 else (
                    ", ".join(columns[:60]) + f" … ({len(columns):,} columns)")
                st.markdown(f"**{up.name}** — columns: `{shown}`")
                mcols = st.columns(len(CSV_FIELDS[part]))
                mapping = []
                for mc, target in zip(mcols, CSV_FIELDS[part], strict=True):
                    options = ["—"] + columns
                    default = options.index(guess[target]) if target in guess else 0
                    req = " (required)" if target in CSV_REQUIRED[part] else ""
                    chosen = mc.selectbox(f"{target}{req}", options, index=default,
                                          key=keys.widget("data", "map", part, target))
                    if chosen != "—" and chosen != target:
                        mapping.append((chosen, target))
                mappings[part] = tuple(mapping)
                continue
            ok = False
        if ok and "interactions" in mappings and st.button("Load CSV files", type="primary",
                                                            key="data.w.csv_load"):
            with layout.input_box("CSV upload"):
                # the whole files are read (and parsed, by the loader) only now
                files = {part: CsvUpload(uploads_[part].name, uploads_[part].getvalue(), mapping)
                         for part, mapping in mappings.items()}
                workspace.set_source(DataSource.csv_files(
                    files["interactions"], files.get("users"), files.get("items")))
                st.rerun()

with tab_split:
    with st.form("data.split_form"):
        a, b, c_, d = st.columns(4)
        method = a.selectbox("Method", SPLIT_METHODS, index=SPLIT_METHODS.index(ds.eval.method),
                             format_func=names.attribute, help="random: a random share of each user's interactions is held out; "
                                  "temporal: each user's latest ones; leave last: the single latest.")
        test_size = b.slider("Held-out share", 0.05, 0.5, ds.eval.test_size, 0.05,
                             help="Ignored by leave_last.")
        seed = c_.number_input("Seed", 0, 10_000, ds.eval.seed)
        k = d.number_input("List length k", 1, 50, ds.eval.k,
                           help="The cutoff every metric is computed at (NDCG@k, recall@k, …).")
        if st.form_submit_button("Apply"):
            workspace.set_eval(EvalSettings(method, float(test_size), int(seed), int(k)))
            st.rerun()

st.divider()
st.subheader("Who is in the data?")
sizes = services.group_sizes(data.fingerprint, data)
attrs = list(dict.fromkeys(sizes["attribute"]))
if not attrs:
    st.info("This dataset has no user attributes to group by (upload a users file with e.g. "
            "gender, age, region).", icon=":material/info:")
else:
    attr = st.segmented_control("Group users by", attrs, default=attrs[0],
                                format_func=names.attribute,
                                key=keys.widget("data", "attr")) or attrs[0]
    sub = sizes[sizes["attribute"] == attr]
    a, b, c_ = st.columns(3)
    by = names.attribute(attr)
    a.plotly_chart(charts.group_bars(sub, "users", f"Users per {by}", x_title=by))
    b.plotly_chart(charts.group_bars(sub, "interactions", f"Interactions per {by}", x_title=by))
    c_.plotly_chart(charts.group_bars(sub, "per_user", f"Interactions per user, by {by}",
                                      x_title=by))
    if data.item_attributes:
        item_attr = st.selectbox("Item attribute", data.item_attributes,
                                 format_func=names.attribute,
                                 key=keys.widget("data", "item_attr"))
        mix = services.category_mix(data.fingerprint, attr, item_attr, data)
        if mix.shape[1] > 15:  # keep the chart legible: the 14 largest values and "other"
            top = mix.sum().nlargest(14).index
            mix = mix[top].assign(other=1 - mix[top].sum(axis=1))
        st.plotly_chart(charts.mix_bars(
            mix, f"Mix of {names.attribute(item_attr)} in each {by} group's interactions"))
    widgets.downloads(sizes, "group_sizes", json_data=data.describe())
tail = services.long_tail(data.fingerprint, data)
st.plotly_chart(charts.long_tail(tail))
with st.expander("Sample of the data"):
    st.dataframe(data.users.head(200).rename(columns=names.attribute), hide_index=True)
    st.dataframe(data.items.head(200).rename(columns=names.attribute), hide_index=True)
    if not layout.presenter():
        st.download_button("Split (CSV)", lambda: ds.split.to_frame().to_csv(index=False).encode(),
                           "split.csv", "text/csv", key="data.w.split_csv", on_click="ignore")
