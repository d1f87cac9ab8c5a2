"""The mitigation section of the HTML report: standalone and inside the audit report
(``render_report(mitigation=)``), with the chart, every point and the best one."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.mitigation import LEVER_NAMES, MitigationTarget, mitigate, pareto_chart
from fairrec_core.report import render_mitigation, render_report


@pytest.fixture(scope="module")
def sweep(small_split):
    return mitigate(small_split.train, small_split.test, model="popularity",
                    target=MitigationTarget("gender"), levers=("pre", "post"),
                    strengths=(0, 0.5, 1), n_bootstrap=50, candidates=30)


def test_chart_has_one_trace_per_lever_with_the_intervals(sweep):
    fig = pareto_chart(sweep)
    by_name = {t.name: t for t in fig.data}
    for lever in ("pre", "post"):
        trace = by_name[LEVER_NAMES[lever]]
        rows = sweep.points[sweep.points["lever"] == lever].sort_values("strength")
        np.testing.assert_allclose(trace.x, rows["accuracy"])
        np.testing.assert_allclose(trace.y, rows["gap"])
        np.testing.assert_allclose(np.asarray(trace.y) + np.asarray(trace.error_y.array),
                                   rows["gap_hi"])
        assert list(trace.text) == [f"{s:g}" for s in rows["strength"]]
    front = by_name["Pareto front"]
    assert sorted(front.x) == sorted(sweep.pareto["accuracy"])


def test_standalone_and_inside_the_audit_report(small_split, sweep):
    html = render_mitigation(sweep, title="t", dataset_summary=small_split.train.describe(),
                             settings={"model": "popularity"})
    best = sweep.best()
    assert html.count('<section id="mitigation">') == 1 and 'id="figure-1"' in html
    for setting in sweep.table["setting"]:
        assert setting in html
    if best["strength"] > 0:
        assert f"strength {best['strength']:g}" in html
    ctx = AuditContext(small_split.train, small_split.test, k=10, groups=["gender"],
                       intersections=False)
    result = ctx.audit(sweep.lists[("pre", 0.0)], n_bootstrap=20, n_permutations=20)
    plain = render_report(result, title="t", dataset_summary={}, settings={})
    both = render_report(result, title="t", dataset_summary={}, settings={}, mitigation=sweep)
    count = re.compile(r"audit \((\d+) interactive charts\)")
    assert count.search(plain).group(1) == count.search(both).group(1)  # the audit's own
    assert '<section id="mitigation">' in both and '<section id="mitigation">' not in plain
    n_audit = int(count.search(plain).group(1))
    assert f'id="figure-{n_audit + 1}"' in both  # the trade-off chart after the audit's
