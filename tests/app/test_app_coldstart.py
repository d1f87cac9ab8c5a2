"""The New items page in AppTest on the demo shop: the overview, the per-group tables and the
headline's text-against-category ratio equal the core's cold-start audit of the same split and
models, computed here; no model picked is one error box."""

from __future__ import annotations

import numpy as np
import pytest

from fairrec_app import coldstart_views as views
from fairrec_app import keys
from tests.app.conftest import assert_ok, open_page

PAGE = "pages/9_New_items.py"
SHARE = 0.25


@pytest.fixture(scope="module")
def expected():
    """The app's settings: the demo shop, known items split 20% at seed 42, top 10."""
    from fairrec_core.coldstart import cold_start_audit, cold_start_split, compare_users
    from fairrec_core.data import load_dataset
    from fairrec_core.models import TextALS

    split = cold_start_split(load_dataset("demo"), cold_share=SHARE, test_size=0.2, seed=42)
    out = {f: cold_start_audit(split, TextALS(features=f).fit(split.train), k=10)
           for f in ("text", "category")}
    metric = "cold_ndcg@10"
    ratio = compare_users(out["category"].users[metric].to_numpy(float),
                          out["text"].users[metric].to_numpy(float))
    return split, out, ratio


def _run(at, variants):
    at.slider(key=keys.widget("coldstart", "share")).set_value(SHARE)
    at.multiselect(key=keys.widget("coldstart", "models")).set_value(list(variants))
    next(b for b in at.button if b.label == views.RUN).click().run()
    assert_ok(at)
    return at


def test_new_items_page_equals_the_core_audit(expected):
    split, out, ratio = expected
    at = _run(open_page(PAGE), ("text", "category"))
    assert not at.error, [e.value for e in at.error]
    run = at.session_state[views.RESULT]
    np.testing.assert_array_equal(run.split.cold_items, split.cold_items)
    overview = next(d.value for d in at.main.dataframe if "Model" in d.value.columns
                    and views.MEASURES["cold_coverage@{k}"] in d.value.columns)
    for row, key in zip(overview.itertuples(index=False), ("text", "category"), strict=True):
        assert row[0] == views.variant_label(key)
        expected_row = [out[key].overall[m.format(k=10)] for m in views.MEASURES]
        np.testing.assert_allclose(list(row[1:]), expected_row, rtol=1e-12)
    # per gender group (the first attribute), each model's new-item accuracy
    users = next(d.value for d in at.main.dataframe if "Group" in d.value.columns)
    for key in ("text", "category"):
        table = out[key].group_table("gender").set_index("group")
        mine = users[users["Model"] == views.variant_label(key)].set_index("Group")
        np.testing.assert_allclose(mine[views.MEASURES["cold_ndcg@{k}"]],
                                   table.loc[mine.index, "cold_ndcg@10"], rtol=1e-12)
        assert list(mine["Users"]) == list(table.loc[mine.index, "n_users"])
    # per brand tier: attention per new item as the core's item table has it
    items = next(d.value for d in at.main.dataframe if "Value" in d.value.columns)
    core = out["text"].items.query("item_attribute == 'brand_tier'").set_index("value")
    mine = items[items["Model"] == views.variant_label("text")].set_index("Value")
    np.testing.assert_allclose(mine["Attention per new item"],
                               core.loc[mine.index, "cold_exposure_per_item"], rtol=1e-12)
    # the headline's ratio and interval are the paired bootstrap of the core's per-user values
    sentence = next(m.value for m in at.markdown if "ranks new items" in m.value)
    assert (f"{ratio['ratio']:.2f}× as well as categories alone [{ratio['ratio_lo']:.2f}, "
            f"{ratio['ratio_hi']:.2f}]") in sentence
    assert len(at.get("plotly_chart")) == 2


def test_no_model_is_one_error_box():
    at = _run(open_page(PAGE), ())
    [error] = [e.value for e in at.error]
    assert "at least one model" in error
    assert views.RESULT not in at.session_state
