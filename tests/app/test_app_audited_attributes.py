"""The command line and the app audit the same user attributes (issue 14: on MovieLens the app
audited occupation too, the command line did not): both follow
``fairrec_core.audit.audited_attributes``."""

from __future__ import annotations

import json

import pytest

from fairrec_app import services
from fairrec_core.audit import INTERSECTION
from fairrec_core.cli import main

FAST = ["--bootstrap", "20", "--permutations", "20", "--quiet", "--no-intersections"]


def _cli_attributes(spec: str, out) -> list[str]:
    assert main(["audit", "--data", spec, "--model", "popularity", "--out", str(out), *FAST]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    attributes = metrics["settings"]["groups"]
    # the per-group table names the same attributes (metrics.json is what a user reads)
    assert list(metrics["groups"]) == attributes
    return attributes


def _app_attributes(split) -> list[str]:
    """The attributes of the audit context the app's pages use (the cached service)."""
    ctx = services.audit_context(services.split_key(split.train, split.test), 10, split.train,
                                 split.test)
    return [g.attribute for g in ctx.groupings if INTERSECTION not in g.attribute]


@pytest.mark.parametrize("dataset", ["demo", "ml100k"])
def test_cli_and_app_audit_the_same_attributes(dataset, request, tmp_path):
    if dataset == "demo":
        spec, split = "demo", request.getfixturevalue("demo_split")
        expected = ["gender", "age_group", "region"]
    else:
        spec = f"movielens:{request.getfixturevalue('ml100k_path')}"
        split = request.getfixturevalue("ml100k_split")
        # the three defaults, then MovieLens' other groupable attribute (issue 14)
        expected = ["gender", "age_group", "region", "occupation"]
    cli = _cli_attributes(spec, tmp_path)
    assert cli == _app_attributes(split) == services.audit_groups(split.train) == expected
