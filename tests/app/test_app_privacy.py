"""The audit page's private release: the numbers it shows equal the core's private release with
the session's seed (EASE on the demo shop, the page's attribute, NDCG@10, ε = 1), beside the
exact audit's; the ledger adds up, a release shown again is not charged again, and one beyond
the budget is refused with the ledger unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_app import keys
from fairrec_app.privacy_views import SESSION_BUDGET
from fairrec_app.services import audit_groups
from fairrec_core.audit import AuditContext
from fairrec_core.models import EASE, top_n
from fairrec_core.privacy import private_release
from tests.app.conftest import assert_ok, open_page

AUDIT = "pages/4_Fairness_audit.py"
SEED = 1234


@pytest.fixture(scope="module")
def core(demo_split):
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    lists = top_n(EASE().fit(demo_split.train), users, 100).top(10)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10,
                       groups=audit_groups(demo_split.train))
    return ctx, lists


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_private_numbers_equal_the_core_release_and_the_ledger_adds_up(core):
    ctx, lists = core
    at = open_page(AUDIT, state={keys.AUDIT_DP_SEED: SEED})
    assert_ok(at)
    assert not any(df.value.columns.isin(["Private mean"]).any() for df in at.dataframe)
    at.toggle(key=keys.widget("audit", "dp")).set_value(True).run()
    assert_ok(at)
    attr = at.selectbox(key=keys.widget("audit", "attr")).value
    table = next(df.value for df in at.dataframe if "Private mean" in df.value.columns)
    expected = private_release(ctx, lists, epsilon=1.0, metrics=["ndcg"], attributes=[attr],
                               seed=SEED).group_table(attr, "ndcg@10").set_index("group")
    expected = expected.loc[table["Group"]]
    np.testing.assert_allclose(table["Private mean"], expected["mean"], rtol=1e-12)
    np.testing.assert_allclose(table["Private 95% low"], expected["ci_lo"], rtol=1e-12)
    np.testing.assert_allclose(table["Private 95% high"], expected["ci_hi"], rtol=1e-12)
    np.testing.assert_allclose(table["Noisy count"], expected["n_noisy"].round())
    exact = ctx.audit(lists, n_bootstrap=0, n_permutations=0).group_table(attr, "ndcg@10")
    np.testing.assert_allclose(table["Mean"], exact["mean"], rtol=1e-12)
    gap = private_release(ctx, lists, epsilon=1.0, metrics=["ndcg"], attributes=[attr],
                          seed=SEED).gap(attr, "ndcg@10")
    assert _metric(at, "Private difference") == f"{gap['difference']:.3f}"
    assert _metric(at, "Privacy budget spent") == "ε 1"
    assert _metric(at, "Remaining") == f"ε 9 of {SESSION_BUDGET:g}"
    # another epsilon is another release; showing one again costs nothing
    at.number_input(key=keys.widget("audit", "dp_eps")).set_value(2.0).run()
    at.number_input(key=keys.widget("audit", "dp_eps")).set_value(1.0).run()
    assert _metric(at, "Privacy budget spent") == "ε 3"
    ledger = next(df.value for df in at.dataframe if "Released" in df.value.columns)
    assert ledger["ε"].tolist() == pytest.approx([1.0, 2.0])
    # beyond the budget: refused, nothing charged
    at.number_input(key=keys.widget("audit", "dp_eps")).set_value(8.0).run()
    assert_ok(at)
    assert any("beyond what remains (epsilon 7 of 10)" in e.value for e in at.error)
    assert _metric(at, "Privacy budget spent") == "ε 3"
    # a metric without bounds is not released (and nothing is charged)
    at.selectbox(key=keys.widget("audit", "metric")).set_value("novelty@10").run()
    assert_ok(at)
    assert any(i.value.startswith("Novelty has no bounded range") for i in at.info)
    assert not any("Private mean" in df.value.columns for df in at.dataframe)
