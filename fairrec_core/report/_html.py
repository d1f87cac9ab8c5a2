"""HTML building blocks of the report: escaping, numbers to 4 decimals (as ``metrics.json``),
tables and plotly figures without plotly.js (embedded once by the page)."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go


def esc(text) -> str:
    return html.escape(str(text), quote=True)


def fmt(value) -> str:
    """A number as the report writes it: 4 decimals (``metrics.json`` values match this), ``—``
    for a missing value, integers as they are."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if math.isnan(x) or math.isinf(x):
        return "—"
    return f"{x:.4f}"


def table(frame: pd.DataFrame, *, flag: pd.Series | None = None) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for i, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for v in row:
            if isinstance(v, str):
                cells.append(f"<td>{esc(v)}</td>")
            else:
                cells.append(f'<td class="num">{fmt(py(v))}</td>')
        cls = ' class="flag"' if flag is not None and bool(flag.iloc[i]) else ""
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def py(v):
    """numpy scalars -> Python (so integers print as integers)."""
    if hasattr(v, "item"):
        v = v.item()
    return v


def ci(mean, lo, hi) -> str:
    return f"{fmt(mean)} [{fmt(lo)}, {fmt(hi)}]"


class Figures:
    """Collects figures as ``<div>`` snippets (no plotly.js in them)."""

    def __init__(self):
        self.n = 0

    def __call__(self, fig: go.Figure) -> str:
        self.n += 1
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{self.n}",
                          config={"displaylogo": False, "responsive": True})
        return f'<div class="figure">{div}</div>'
