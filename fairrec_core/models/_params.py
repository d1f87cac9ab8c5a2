"""Hyperparameters given as text (command line ``--param key=value``, form fields), converted
to the type of each parameter's default."""

from __future__ import annotations

from fairrec_core.errors import ModelError

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def parse_params(cls, pairs) -> dict:
    """``["factors=32", "lr=0.01"]`` -> ``{"factors": 32, "lr": 0.01}`` for model class ``cls``.

    Values take the type of the parameter's default: bool, int, float, tuple (comma-separated)
    or str. An unknown name or a value of the wrong type is a :class:`ModelError`.
    """
    defaults = cls().get_params()
    out = {}
    for pair in pairs:
        key, sep, text = str(pair).partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise ModelError(f"--param {pair!r}: expected KEY=VALUE")
        if key not in defaults:
            raise ModelError(
                f"{cls.name}: unknown parameter {key!r}; expected one of {', '.join(defaults)}"
            )
        out[key] = _convert(cls.name, key, text, defaults[key])
    return out


def _convert(name: str, key: str, text: str, default):
    try:
        if isinstance(default, bool):
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError(text)
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, tuple):
            return tuple(v.strip() for v in text.split(",") if v.strip())
    except ValueError:
        kind = {bool: "true or false", int: "an integer", float: "a number"}[type(default)]
        raise ModelError(f"{name}: parameter {key}={text!r}: expected {kind}") from None
    return text
