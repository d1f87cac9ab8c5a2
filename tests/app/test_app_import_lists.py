"""Models page, "audit external recommendations": lists from another system become what the app
assesses; bad lists are refused with the importer's message."""

from __future__ import annotations

import numpy as np

from fairrec_app import keys
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import EASE, top_n
from tests.app.conftest import assert_ok, open_page

MODELS = "pages/2_Models.py"


def _exported():
    data = load_dataset("demo")
    split = split_dataset(data, method="random", test_size=0.2, seed=42)
    users = np.flatnonzero(split.test.user_counts > 0)
    lists = top_n(EASE().fit(split.train), users, 10)
    recs = lists.to_frame(data).to_csv(index=False).encode()
    test = split.to_frame().query("split == 'test'")[["user_id", "item_id"]]
    return lists, recs, test.to_csv(index=False).encode()


def _upload(at, recs, test):
    next(u for u in at.get("file_uploader") if u.label == "recommendations.csv").set_value(
        ("recs.csv", recs, "text/csv"))
    next(u for u in at.get("file_uploader") if u.label == "test.csv").set_value(
        ("test.csv", test, "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Assess these lists").click().run()


def test_imported_lists_become_the_assessed_lists():
    lists, recs, test = _exported()
    at = open_page(MODELS)
    _upload(at, recs, test)
    assert_ok(at)
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Lists"] == "imported"
    assert metrics["Users with a list"] == f"{lists.n_users:,}"
    # the Recommendations page now shows the imported list of the first user
    at.switch_page("pages/3_Recommendations.py").run()
    assert_ok(at)
    shown = next(t.value for t in at.table if "why" in t.value.columns)
    user_id = at.session_state[keys.RECS_USER]
    row = int(np.flatnonzero(lists.users == user_id)[0])
    data = load_dataset("demo")
    assert list(shown["title"]) == list(data.items["title"].to_numpy()[lists.items[row]])


def test_list_with_unknown_item_is_refused():
    _, recs, test = _exported()
    bad = recs.replace(b"\n", b"\nu00000,1,no-such-item,0.5\n", 1)
    at = open_page(MODELS)
    _upload(at, bad, test)
    assert_ok(at)
    [error] = [e.value for e in at.error]
    assert "recs.csv" in error and "'no-such-item'" in error
    assert at.session_state[keys.MODELS_IMPORTED] is None
