"""The what-if table (before -> after per group) agrees with the summaries' own accessors."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_app import compare
from fairrec_core import glossary
from fairrec_core.audit import AuditContext
from fairrec_core.models import Popularity, top_n
from fairrec_core.reranking import PopularityXQuADReranker


@pytest.fixture(scope="module")
def summaries(demo_split):
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    cands = top_n(Popularity().fit(demo_split.train), users, 100)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10)
    after = PopularityXQuADReranker(lam=0.8).fit(demo_split.train, cands).rerank(cands, 10)
    return ctx.summarize(cands.top(10)), ctx.summarize(after)


@pytest.mark.parametrize("attribute", ["gender", "region", "gender & age_group"])
def test_before_after_matches_the_summaries(summaries, attribute):
    before, after = summaries
    long = compare.before_after(before, after, attribute).set_index(["metric", "column"])
    for metric in before.metrics:
        for summary, col in ((before, "before"), (after, "after")):
            means = summary.group_table(attribute, metric).set_index("group")["mean"]
            for group, value in means.items():
                assert long.loc[(metric, str(group)), col] == pytest.approx(value, nan_ok=True)
            gap = summary.gap(attribute, metric)
            assert long.loc[(metric, "gap"), col] == pytest.approx(gap["difference"], nan_ok=True)
            assert long.loc[(metric, "ratio"), col] == pytest.approx(gap["ratio"], nan_ok=True)
    # "better" follows each metric's direction: long-tail share up is better, a smaller gap too
    for (metric, column), row in long.iterrows():
        if row["better"] is None:
            continue
        good_up = True if column == "ratio" else False if column == "gap" else \
            glossary.info(metric).higher_is_better
        assert row["better"] == ((row["delta"] > 0) == good_up)


def test_wide_table_has_one_row_per_metric(summaries):
    before, after = summaries
    text, colour = compare.wide(compare.before_after(before, after, "gender"))
    assert list(text.index) == [glossary.label(m) for m in before.metrics]
    assert list(text.columns) == ["F", "M", "U", "gap", "ratio"]
    assert text.shape == colour.shape
    aplt = text.loc["Long-tail share@10", "F"]
    assert "→" in aplt and colour.loc["Long-tail share@10", "F"] == compare.GOOD
