"""Small reusable widgets: download buttons, metric cards with help, the re-ranking controls."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import streamlit as st


def downloads(frame: pd.DataFrame, name: str, *, json_data=None, key: str | None = None) -> None:
    """CSV (and JSON) download buttons for a table shown on the page."""
    key = key or name
    cols = st.columns([1, 1, 6])
    cols[0].download_button(
        "CSV", lambda: frame.to_csv(index=False).encode(), f"{name}.csv", "text/csv",
        icon=":material/download:", key=f"dl.{key}.csv", on_click="ignore",
    )
    payload = json_data if json_data is not None else frame.to_dict(orient="records")
    cols[1].download_button(
        "JSON", lambda: json.dumps(payload, indent=2, default=_jsonable).encode(), f"{name}.json",
        "application/json", icon=":material/download:", key=f"dl.{key}.json", on_click="ignore",
    )


def _jsonable(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
