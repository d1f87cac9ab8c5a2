"""The data-balance view: what rebalancing the training data does to each group's share of the
users (or items), of the interactions and of the interactions in each category, before and after
(:func:`fairrec_core.rebalance.balance_table`), as a table and a stacked bar chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from fairrec_app import keys, services, widgets
from fairrec_core import names
from fairrec_core.charts import PALETTE, _style
from fairrec_core.rebalance import TARGETS


def what(row: pd.Series, side: str, by: str | None = None) -> str:
    """A row of the balance table in words: "users", "interactions", "interactions in Books"
    (item side: "interactions of gender F users")."""
    if row["measure"] == "members":
        return "users" if side == "user" else "items"
    if row["measure"] == "interactions":
        return "interactions"
    if side == "item":
        return f"interactions of {names.attribute(by or '')} {row['by']} users"
    return f"interactions in {row['by']}"


def shown_table(table: pd.DataFrame, side: str, by: str | None = None) -> pd.DataFrame:
    """The balance table with plain columns: group, share of what, before, after, change."""
    return pd.DataFrame({
        "Group": table["group"].astype(str),
        "Share of": [what(r, side, by) for _, r in table.iterrows()],
        "Before": table["before"],
        "After": table["after"],
        "Change": table["after"] - table["before"],
    })


def chart(table: pd.DataFrame, side: str, title: str, by: str | None = None) -> go.Figure:
    """One horizontal stacked bar per share and moment (before / after): each group's segment,
    so that a bar always sums to 100%."""
    labels = [what(r, side, by) for _, r in table.iterrows()]
    order = list(dict.fromkeys(labels))[::-1]  # users at the top
    fig = go.Figure()
    for i, (group, rows) in enumerate(table.assign(what=labels).groupby("group", sort=True)):
        rows = rows.set_index("what").reindex(order)
        y = [[w for w in order for _ in (0, 1)], ["after", "before"] * len(order)]
        x = [v for w in order for v in (rows.at[w, "after"], rows.at[w, "before"])]
        fig.add_trace(go.Bar(x=x, y=y, name=str(group), orientation="h",
                             marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate="%{y}: %{x:.1%}<extra>" + str(group) + "</extra>"))
    fig.update_layout(barmode="stack", title=title, xaxis_tickformat=".0%",
                      legend_traceorder="normal")
    return _style(fig, 140 + 34 * len(order))


def balance_view(data, attribute: str, *, side: str = "user", by: str | None = None,
                 key: str = "mitigation.balance") -> None:
    """Target and strength pickers, then the table and the chart of what the rebalancing does to
    ``data`` (the training split) for ``attribute``'s groups."""
    if by is None:
        by = "category" if side == "user" else None
    left, right = st.columns(2)
    target = left.selectbox(
        "Rebalancing target", TARGETS, format_func=names.reweight_target,
        key=keys.widget(key, "target"),
        help="Equal total weight per group: every group counts as much in training. Equal "
             "weight per user: heavy users stop dominating. Inverse group frequency: each "
             "interaction counts inversely to its group's share of the users.")
    strength = right.slider(
        "Rebalancing strength", 0.0, 1.0, 1.0, 0.05, key=keys.widget(key, "strength"),
        help="0 keeps the data as it is; 1 reaches the target; in between goes part of the way.")
    table = services.balance(data.fingerprint, attribute, target, side, float(strength), by, data)
    st.plotly_chart(chart(table, side, f"Each {names.attribute(attribute)} group's share, "
                                       f"before and after ({names.reweight_target(target)})",
                          by), key=f"{key}.chart")
    shown = shown_table(table, side, by)
    st.dataframe(shown, hide_index=True, column_config={
        c: st.column_config.NumberColumn(format="percent") for c in ("Before", "After", "Change")})
    widgets.downloads(table, f"balance_{attribute}", key=key)
