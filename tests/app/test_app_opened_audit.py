"""The Open an audit page: a folder written by ``python -m fairrec_core audit`` (DuckDB engine,
demo shop) shows metrics.json's own numbers — cards, group table, pairs, chart bars — with no
data set or model loaded in the session; a folder that is not an audit is one error box; an
uploaded metrics.json and a private release open too."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fairrec_app import keys, opened_audit_views, workspace
from fairrec_core import glossary
from fairrec_core.cli import main
from tests.app.conftest import APP, TIMEOUT, assert_ok

PAGE = "pages/12_Open_audit.py"
FAST = ["--bootstrap", "80", "--permutations", "80", "--seed", "4", "--quiet"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("audits")
    memory, duck, private = root / "memory", root / "duckdb", root / "private"
    assert main(["audit", "--data", "demo", "--model", "ease", "--out", str(memory), *FAST]) == 0
    assert main(["audit", "--data", "demo", "--recommendations",
                 str(memory / "recommendations.csv"), "--test", str(memory / "test.csv"),
                 "--engine", "duckdb", "--out", str(duck), *FAST]) == 0
    assert main(["audit", "--data", "demo", "--model", "ease", "--no-intersections",
                 "--dp-epsilon", "1", "--dp-metrics", "ndcg", "--dp-seed", "3", "--out",
                 str(private), "--quiet"]) == 0
    return root


@pytest.fixture
def page(folders, monkeypatch):
    """The page opened by its URL on a fresh session (no Home page first), the folders' parent
    as the only data root, and loading a data set made an error."""
    monkeypatch.setenv("FAIRREC_DATA_ROOTS", str(folders))

    def no_data(*a, **k):
        raise AssertionError("the Open an audit page loaded a data set")

    monkeypatch.setattr(workspace, "data_state", no_data)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page(PAGE).run()
    assert_ok(at)
    return at


def _open(at, path) -> AppTest:
    at.text_input(key=keys.widget("open_audit", "path")).input(str(path))
    at.button(key=keys.widget("open_audit", "open")).click().run()
    assert_ok(at)
    return at


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _chart(at, title_start):
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("title", {}).get("text", "").startswith(title_start):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}")


def _values(x) -> np.ndarray:
    """A plotly array as numbers (plotly.py writes numeric arrays base64-encoded)."""
    if isinstance(x, dict) and "bdata" in x:
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    return np.asarray(x, dtype=np.float64)


def _no_session_data(at):
    for key in (keys.DATA_SOURCE, keys.DATA_EVAL, keys.MODELS_ACTIVE, keys.WHATIF_CHAIN):
        assert key not in at.session_state, key


def test_folder_shows_the_numbers_of_its_metrics_json(page, folders):
    at = page
    assert [i.value for i in at.info][-1].startswith("Name an audit's output folder")
    _open(at, folders / "duckdb")
    assert not at.error
    metrics = json.loads((folders / "duckdb" / "metrics.json").read_text())
    at.selectbox(key=keys.widget("open_audit", "attr")).set_value("gender").run()
    at.selectbox(key=keys.widget("open_audit", "metric")).set_value("ndcg@10").run()
    gap = metrics["gaps"]["gender"]["ndcg@10"]
    cards = {m.label: m.value for m in at.metric}
    assert cards["Difference"] == f"{gap['difference']:.3f}"
    assert cards["Ratio"] == f"{gap['ratio']:.2f}"
    assert cards["Smallest detectable gap"] == f"{gap['min_detectable_gap']:.3f}"
    assert cards["Exposure inequality"] == f"{metrics['exposure']['gini_exposure@10']:.3f}"
    assert cards["Coverage"] == f"{metrics['exposure']['coverage@10']:.1%}"
    # the group table: every group's users, mean and interval, the file's floats
    label = glossary.label("ndcg@10")
    table = _frame(at, label).set_index("group")
    groups = metrics["groups"]["gender"]
    assert list(table.index) == list(groups)
    for g, entry in groups.items():
        assert table.loc[g, "users"] == entry["n_users"]
        assert table.loc[g, label] == entry["ndcg@10"]
        assert [table.loc[g, "95% low"], table.loc[g, "95% high"]] == entry["ndcg@10_ci95"]
    # the chart draws the same means and intervals
    bars = _chart(at, f"{label} by gender")["data"][0]
    assert list(_values(bars["y"])) == [groups[g]["ndcg@10"] for g in groups]
    assert np.allclose(_values(bars["error_y"]["array"]),
                       [groups[g]["ndcg@10_ci95"][1] - groups[g]["ndcg@10"] for g in groups],
                       atol=1e-15, rtol=0)
    # the pairs with their adjusted p-values
    pairs = _frame(at, "p adjusted (max-T)")
    [pair] = gap["pairwise"]
    assert pairs["pair"].tolist() == [" − ".join(pair["groups"])]
    assert pairs["p adjusted (max-T)"].tolist() == [pair["p_adjusted_maxt"]]
    assert [pairs["95% low"][0], pairs["95% high"][0]] == pair["ci95"]
    # each group against the rest
    rest = _frame(at, "p (one group)").set_index("group")
    for g, entry in gap["vs_rest"].items():
        assert rest.loc[g, "p adjusted (Holm)"] == entry["p_adjusted_holm"]
        assert rest.loc[g, "difference"] == entry["difference"]
    # what a folder does not hold is said once, not drawn as broken widgets
    assert any(i.value == opened_audit_views.NOT_AVAILABLE for i in at.info)
    assert not [b for b in at.button if "slider" in b.label.lower()] and not at.slider
    _no_session_data(at)


def test_an_intersection_and_the_spread_from_users_csv(page, folders):
    at = _open(page, folders / "duckdb")
    at.selectbox(key=keys.widget("open_audit", "attr")).set_value("gender & age_group").run()
    assert_ok(at)
    assert any("keeps every pair for single attributes only" in c.value for c in at.caption)
    # the spread within groups: one box per group, its users' values from users.csv
    users = pd.read_csv(folders / "duckdb" / "users.csv", dtype=str)
    boxes = _chart(at, f"Per-user {glossary.label('ndcg@10')} by gender & age group")["data"]
    assert sum(len(_values(b["y"])) for b in boxes) == users["ndcg"].notna().sum()
    first = boxes[0]["name"].split(" & ")
    mine = users[(users["gender"] == first[0]) & (users["age_group"] == first[1])]
    assert sorted(_values(boxes[0]["y"])) == sorted(mine["ndcg"].astype(float))
    assert any(c.value.startswith("Box: middle half of the users") for c in at.caption)
    _no_session_data(at)


@pytest.mark.parametrize(("make", "message"), [
    (lambda root: root.parent, "only paths under the data folders"),
    (lambda root: root, "no metrics.json; expected the --out folder of `python -m "
                        "fairrec_core audit`"),
    (lambda root: _bad(root, "broken", "{\"k\": 10,"), "broken/metrics.json: not valid JSON"),
    (lambda root: _bad(root, "other", "{\"model_card\": 1}"),
     "other/metrics.json: no 'k', 'n_users', 'n_users_evaluated' ...: not the metrics.json of "
     "a fairrec audit"),
    (lambda root: _bad(root, "future", "{\"format_version\": 2, \"k\": 10}"),
     "future/metrics.json: format_version 2; this fairrec reads version 1"),
])
def test_a_bad_folder_is_one_error_box(page, folders, make, message):
    at = _open(page, make(folders))
    [error] = [e.value for e in at.error]
    assert error.startswith("Opening the audit: ") and message in error
    assert not at.get("plotly_chart")
    _no_session_data(at)


def test_a_file_linked_from_outside_the_roots_is_refused(page, folders, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("user_id,ndcg\nu1,0.5\n")
    linked = folders / "linked"
    linked.mkdir(exist_ok=True)
    (linked / "metrics.json").write_bytes((folders / "duckdb" / "metrics.json").read_bytes())
    (linked / "users.csv").symlink_to(outside)
    at = _open(page, linked)
    [error] = [e.value for e in at.error]
    assert "only paths under the data folders" in error and not at.get("plotly_chart")


def _bad(root, name, text):
    folder = root / name
    folder.mkdir(exist_ok=True)
    (folder / "metrics.json").write_text(text)
    return folder


def test_an_uploaded_metrics_json(page, folders):
    at = page
    raw = (folders / "memory" / "metrics.json").read_bytes()
    metrics = json.loads(raw)
    next(u for u in at.get("file_uploader") if u.label.endswith("metrics.json")).set_value(
        ("metrics.json", raw, "application/json"))
    at.run()
    assert_ok(at)
    attr = at.selectbox(key=keys.widget("open_audit", "attr")).value
    cards = {m.label: m.value for m in at.metric}
    assert cards["Difference"] == f"{metrics['gaps'][attr]['ndcg@10']['difference']:.3f}"
    assert any("an uploaded metrics.json has no per-user table" in c.value for c in at.caption)
    _no_session_data(at)


def test_a_private_release(page, folders):
    at = _open(page, folders / "private")
    metrics = json.loads((folders / "private" / "metrics.json").read_text())
    assert any(w.value.startswith("A differentially private release (ε = 1.0)")
               for w in at.warning)
    attr = at.selectbox(key=keys.widget("open_audit", "dp_attr")).value
    gap = metrics["gaps"][attr]["ndcg@10"]
    assert {m.label: m.value for m in at.metric}["Difference"] == f"{gap['difference']:.3f}"
    table = _frame(at, "users (noisy)").set_index("group")
    for g, entry in metrics["groups"][attr].items():
        assert table.loc[g, "users (noisy)"] == entry["n_noisy"]
        if not entry["suppressed"]:
            assert table.loc[g, glossary.label("ndcg@10")] == entry["ndcg@10"]
    _no_session_data(at)


def test_presenter_mode_keeps_the_verdicts(folders, monkeypatch):
    """Presenter mode: the gap cards and charts stay; the p-value tables and downloads go."""
    from fairrec_app import layout

    monkeypatch.setenv("FAIRREC_DATA_ROOTS", str(folders))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[layout.PRESENTER] = True
    at.switch_page(PAGE).run()
    at = _open(at, folders / "duckdb")
    assert {"Difference", "Ratio"} <= {m.label for m in at.metric}
    assert not [d for d in at.dataframe if "p adjusted (max-T)" in d.value.columns]
    assert not at.get("download_button") and len(at.get("plotly_chart")) >= 6
