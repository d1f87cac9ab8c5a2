"""Small reusable widgets: download buttons, metric cards with help, the re-ranking controls."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import streamlit as st

from fairrec_core.errors import ModelError


def downloads(frame: pd.DataFrame, name: str, *, json_data=None, key: str | None = None) -> None:
    """CSV (and JSON) download buttons for a table shown on the page (none in presenter mode)."""
    from fairrec_app import layout

    if layout.presenter():
        return
    key = key or name
    row = st.container(horizontal=True)
    row.download_button(
        "CSV", lambda: frame.to_csv(index=False).encode(), f"{name}.csv", "text/csv",
        icon=":material/download:", key=f"dl.{key}.csv", on_click="ignore",
    )
    payload = json_data if json_data is not None else frame.to_dict(orient="records")
    row.download_button(
        "JSON", lambda: json.dumps(payload, indent=2, default=jsonable).encode(), f"{name}.json",
        "application/json", icon=":material/download:", key=f"dl.{key}.json", on_click="ignore",
    )


def jsonable(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def param_inputs(defaults: dict, current: dict, key_prefix: str, *, columns: int = 3) -> dict:
    """Inputs for a scikit-learn style ``get_params()`` dict: a checkbox for booleans, number
    inputs for numbers, text (JSON) for anything else. Returns the chosen values."""
    out = {}
    cols = st.columns(columns)
    from fairrec_core import names

    for i, (name, default) in enumerate(defaults.items()):
        value = current.get(name, default)
        col = cols[i % columns]
        key = f"{key_prefix}.{name}"
        label, tip = names.model_parameter(name), f"Parameter `{name}`."
        if isinstance(default, bool):
            out[name] = col.checkbox(label, value=bool(value), key=key, help=tip)
        elif isinstance(default, int):
            out[name] = int(col.number_input(label, value=int(value), step=1, key=key, help=tip))
        elif isinstance(default, float):
            out[name] = float(col.number_input(label, value=float(value), key=key, help=tip,
                                               format="%g" if value else "%.4f"))
        elif isinstance(default, str):
            out[name] = col.text_input(label, value=str(value), key=key, help=tip)
        else:  # None, tuples, lists: edit as JSON
            text = col.text_input(label, value=json.dumps(value), key=key,
                                  help=f"{tip} A JSON value.")
            try:
                out[name] = json.loads(text)
            except json.JSONDecodeError:
                out[name] = _Invalid(text, json.dumps(default))
    return out


class _Invalid(str):
    def __new__(cls, text: str, example: str):
        obj = super().__new__(cls, text)
        obj.example = example
        return obj


def checked_params(params: dict) -> dict:
    """The values of :func:`param_inputs`; a text that is not valid JSON raises ModelError."""
    for name, value in params.items():
        if isinstance(value, _Invalid):
            raise ModelError(f"parameter {name}: {str(value)!r} is not a valid value "
                             f"(JSON expected, e.g. {value.example})")
    return params


# ---- re-ranker controls -----------------------------------------------------------------------
NONE = "(none)"


def item_attribute_values(data, attribute: str) -> list[str]:
    """The values an item attribute takes (``popularity_band``: head / mid / tail)."""
    from fairrec_core.reranking import POPULARITY_BAND

    if attribute == POPULARITY_BAND:
        return ["head", "mid", "tail"]
    if attribute not in data.items.columns:
        return []
    col = data.items[attribute]
    if "categories" == attribute:
        return sorted({v for s in col.dropna() for v in str(s).split("|")})
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [str(c) for c in col.cat.categories]
    return sorted(col.dropna().astype(str).unique().tolist())


def param_options(spec, data, params: dict) -> list | None:
    """Choices for a non-slider re-ranker parameter (None for a slider)."""
    from fairrec_core.reranking import POPULARITY_BAND

    item_attrs = [*data.item_attributes, POPULARITY_BAND]
    if spec.kind == "float":
        return None
    if spec.kind == "user_attribute":
        options = list(data.user_attributes)
    elif spec.kind == "item_attribute":
        options = item_attrs
    elif spec.kind == "item_value":
        attr = next((v for v in params.values() if v in item_attrs), None)
        options = item_attribute_values(data, attr) if attr else []
    else:  # item_group: ATTRIBUTE=VALUE
        options = [f"{a}={v}" for a in item_attrs
                   for v in item_attribute_values(data, a) if len(item_attribute_values(data, a)) <= 30]
    if spec.optional:
        options = [NONE, *options]
    return options


def reranker_controls(step, cls, data, *, disabled: bool = False):
    """An on/off toggle and one input per parameter of a re-ranker (sliders for numbers, select
    boxes for data-dependent choices), keyed ``whatif.w.<name>.<param>``; returns the new step,
    built from the widgets' current values.

    Streamlit deletes the keys of widgets that the current page does not draw, so the setting
    lives in a plain key too: every widget's ``on_change`` copies it into the chain
    (``keys.WHATIF_CHAIN``) at once, before any script run (even one cut short by the next key
    press or by navigation), and a widget whose key was deleted is seeded from the chain."""
    from fairrec_app import keys, layout
    from fairrec_core import glossary, names

    ss = st.session_state
    remember = {"on_change": remember_step, "args": (step.name, cls)}
    on_key = keys.widget("whatif", step.name, "on")
    ss.setdefault(on_key, step.enabled)
    enabled = st.toggle(f"**{names.reranker(step.name)}**", key=on_key,
                        help=f"{_paragraph(cls.__doc__)} (Method: "
                             f"{glossary.METHODS.get(step.name, step.name)}.)",
                        **remember)
    st.caption(glossary.RERANKERS.get(step.name, _first_line(cls.__doc__)))
    technical = not layout.presenter()
    params = dict(step.params)
    for spec in cls.PARAMS.values():
        key = keys.widget("whatif", step.name, spec.name)
        value = params.get(spec.name, spec.default)
        options = param_options(spec, data, params)
        if options is None:
            use = True
            if spec.optional:  # e.g. a gap budget that overrides lambda when set
                use_key = keys.widget("whatif", step.name, spec.name, "set")
                ss.setdefault(use_key, value is not None)
                use = st.checkbox(f"set a {names.parameter(spec.name)}", key=use_key,
                                  help=_help(spec, technical),
                                  disabled=disabled or not enabled, **remember)
            ss.setdefault(key, float(spec.low if value is None else value))
            chosen = st.slider(names.parameter(spec.name), float(spec.low), float(spec.high),
                               step=float(spec.step or 0.05), key=key,
                               help=_help(spec, technical),
                               disabled=disabled or not enabled or not use, **remember)
            params[spec.name] = chosen if use else None
            continue
        if not options:
            st.caption(f"{names.parameter(spec.name)}: nothing to choose in this data")
            continue
        current = NONE if value is None else str(value)
        if current not in options:
            current = options[0]
        if ss.get(key) not in options:
            ss[key] = current
        chosen = st.selectbox(names.parameter(spec.name), options, key=key,
                              help=_help(spec, technical), format_func=names.value,
                              disabled=disabled or not enabled, **remember)
        params[spec.name] = None if chosen == NONE else chosen
    return step.__class__(step.name, enabled, step.params_json).with_params(params)


def remember_step(name: str, cls) -> None:
    """``on_change`` of a re-ranker's widgets: copy their values into the session's chain."""
    from dataclasses import replace

    from fairrec_app import keys
    from fairrec_app.settings import RerankStep

    ss = st.session_state
    chain = ss[keys.WHATIF_CHAIN]
    step = next((s for s in chain.steps if s.name == name), RerankStep(name))
    params = dict(step.params)
    for spec in cls.PARAMS.values():
        key = keys.widget("whatif", name, spec.name)
        if key not in ss:
            continue
        value = ss[key]
        if spec.kind == "float":
            use_key = keys.widget("whatif", name, spec.name, "set")
            value = None if spec.optional and not ss.get(use_key, True) else float(value)
        elif value == NONE:
            value = None
        params[spec.name] = value
    enabled = bool(ss.get(keys.widget("whatif", name, "on"), step.enabled))
    ss[keys.WHATIF_CHAIN] = chain.replace_step(replace(step, enabled=enabled).with_params(params))


def _help(spec, technical: bool) -> str:
    """A parameter's help, with its technical name (not in presenter mode)."""
    return f"{spec.help} (Technical name: {spec.key}.)" if technical else spec.help


def _first_line(doc: str | None, limit: int = 150) -> str:
    """The first sentence of a docstring's first paragraph (at most ``limit`` characters)."""
    para = " ".join((doc or "").strip().split("\n\n")[0].split()).replace("``", "")
    sentence = para.split(". ")[0].rstrip(".") + "."
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + " …"


def _paragraph(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split()).replace("``", "")
