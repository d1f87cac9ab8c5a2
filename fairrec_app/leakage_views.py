"""Attribute leakage on the audit page: can a user's gender (or another attribute) be told from
what the model learned about the user, or from the user's list? The probe's cross-validated
ROC AUC (:func:`fairrec_core.leakage.leakage`) with its interval, the majority baseline and a
reading in plain words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fairrec_app import keys, layout, services, widgets
from fairrec_core import glossary, names

#: Row of :func:`fairrec_core.leakage.leakage`'s table -> what the page calls its source.
SOURCES = {
    "embedding": "From what the model learned about each user",
    "list": "From the recommendation lists",
}
#: Above this lower interval bound a source is said to reveal the attribute.
CHANCE = 0.5


def default_attribute(attributes: list[str]) -> str:
    """Gender when the data has it (the attribute the literature probes), else the first."""
    return "gender" if "gender" in attributes else attributes[0]


def reading(row: pd.Series, attribute: str) -> str:
    """One source's result in words: "reveals users' gender better than chance: 0.94 [0.93,
    0.95], where 0.5 is no better than chance and 1 tells every user apart"."""
    what = names.attribute(attribute)
    figure = f"{row['auc']:.2f} [{row['low']:.2f}, {row['high']:.2f}]"
    if row["low"] > CHANCE:
        return f"reveals users' {what} better than chance: {figure}"
    return f"reveals users' {what} no better than chance: {figure}"


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The probe's table with plain column names (the figures unchanged)."""
    return pd.DataFrame({
        "Read from": table["source"].map(SOURCES),
        "Score (0.5 = chance)": table["auc"],
        "95% low": table["low"],
        "95% high": table["high"],
        "Guesses right": table["accuracy"],
        "Always guessing the largest group": table["baseline_accuracy"],
        "Users": table["n"],
        "Users left out": table["n_left_out"],
    })


def section(cur, lists, lists_key: str, attributes: list[str]) -> None:
    """The leakage section: an attribute picker, one card per source, the reading, and (outside
    presenter mode) the table with its downloads."""
    singles = [a for a in attributes if " & " not in a]
    if not singles:
        return
    heading = st.empty()
    attribute = st.selectbox(
        "Attribute to predict", singles, index=singles.index(default_attribute(singles)),
        format_func=names.attribute, key=keys.widget("audit", "leak_attr"),
        help="A probe (a simple classifier) tries to tell each user's value of this attribute "
             "from the model's view of the user; it is scored on users it was not trained on.")
    heading.header(f"Can the model tell a user's {names.attribute(attribute)}?")
    model = cur.ms.model
    table = None
    with layout.error_box("Leakage"):
        table = services.leakage(lists_key, attribute, model, cur.ds.train, lists)
    if table is None:
        return
    if "embedding" not in set(table["source"]):
        st.caption(f"{cur.ms.choice.title} keeps no learned profile of each user, so only its "
                   "lists are checked.")
    cols = st.columns(len(table))
    for col, (_, row) in zip(cols, table.iterrows(), strict=True):
        col.metric(SOURCES[row["source"]], f"{row['auc']:.2f}",
                   help=f"95% interval [{row['low']:.3f}, {row['high']:.3f}]. "
                        + glossary.TERMS["Leakage score"])
    for _, row in table.iterrows():
        text = f"{SOURCES[row['source']]}: the probe {reading(row, attribute)}."
        (st.warning if row["low"] > CHANCE else st.success)(
            text, icon=":material/visibility:" if row["low"] > CHANCE
            else ":material/visibility_off:")
    base = float(table["baseline_accuracy"].iloc[0])
    st.caption(f"0.5 = no better than chance, 1 = tells every user's {names.attribute(attribute)} "
               f"apart. Always guessing the largest group is right for {base:.0%} of users.")
    if layout.presenter():
        return
    st.dataframe(shown_table(table), hide_index=True, column_config={
        c: st.column_config.NumberColumn(format="%.3f")
        for c in ("Score (0.5 = chance)", "95% low", "95% high", "Guesses right",
                  "Always guessing the largest group")})
    st.caption("The probe is a logistic regression scored by 5-fold cross-validated ROC AUC "
               "(one group against the rest, averaged, for more than two groups); the interval "
               "is the mean ± t·sd/√5 over the folds.")
    widgets.downloads(table, f"leakage_{attribute}", key="audit.leakage")
