"""Headline findings: how p-values are written."""

from __future__ import annotations

from fairrec_app.findings import p_text


def test_p_text():
    assert p_text(0.000999) == "p < 0.001"
    assert p_text(0.0479) == "p = 0.048"
    assert p_text(float("nan")) == "p n/a"
