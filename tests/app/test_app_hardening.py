"""Issue 13 in the app: the server-path box reads only under the data roots (or is switched off),
uploads are size-checked and their header read without parsing the whole file, unexpected read
failures become one short error box, saved-model names stay inside models/, and the what-if
setting survives navigation with the metrics of exactly that setting."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

from fairrec_app import keys
from fairrec_app.sources import DataSource
from fairrec_core import glossary, names
from tests.app.conftest import assert_ok, open_page

DATA = "pages/1_Data.py"
MODELS = "pages/2_Models.py"
WHATIF = "pages/5_What-if.py"
PATH_BOX = "Folder or zip on the server"


def _uploader(at, label):
    return next(u for u in at.get("file_uploader") if u.label == label)


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def _load_path(at, text: str):
    next(t for t in at.text_input if t.label == PATH_BOX).input(text)
    next(b for b in at.button if b.label == "Load from path").click()
    return at.run()


# ---- server-path box -------------------------------------------------------------------------
@pytest.fixture
def root(tmp_path, monkeypatch):
    """One data root holding a symlink that points out of it (to /etc) and one that stays in."""
    data = tmp_path / "root"
    data.mkdir()
    (data / "escape").symlink_to("/etc")
    monkeypatch.setenv("FAIRREC_DATA_ROOTS", str(data))
    monkeypatch.delenv("FAIRREC_SERVER_PATHS", raising=False)
    return data


@pytest.mark.parametrize("typed", ["/usr", "/etc/passwd", "/etc/no-such-file-here", "data/../..",
                                   "{root}/../..", "{root}/escape", "{root}/escape/passwd",
                                   "~", "/proc/self/environ"])
def test_path_outside_the_roots_is_refused_without_saying_whether_it_exists(root, typed):
    at = open_page(DATA)
    _load_path(at, typed.format(root=root))
    assert_ok(at)
    [error] = _errors(at)
    # one message for every refused path: it names the roots, never the path or its existence
    assert error == f"MovieLens: only paths under the data folders ({root}/) can be read here"
    assert at.session_state[keys.DATA_SOURCE].key == DataSource.demo().key


def test_path_inside_a_root_loads(ml100k_path, ml100k, tmp_path, monkeypatch):
    # a root holding a symlink to the real data: the resolved target is refused ...
    link_root = tmp_path / "links"
    link_root.mkdir()
    (link_root / "ml").symlink_to(ml100k_path)
    monkeypatch.setenv("FAIRREC_DATA_ROOTS", str(link_root))
    at = open_page(DATA)
    _load_path(at, str(link_root / "ml"))
    assert "only paths under the data folders" in _errors(at)[0]
    # ... and loads once its folder is a root too (roots are os.pathsep-separated)
    monkeypatch.setenv("FAIRREC_DATA_ROOTS",
                       os.pathsep.join([str(link_root), str(ml100k_path.parent)]))
    _load_path(at, str(link_root / "ml"))
    assert_ok(at)
    assert not _errors(at)
    shown = {m.label: m.value for m in at.metric}
    assert (shown["Users"], shown["Items"]) == (f"{ml100k.n_users:,}", f"{ml100k.n_items:,}")
    assert at.session_state[keys.DATA_SOURCE].path == str(ml100k_path.resolve())


def test_default_root_is_the_projects_data_folder(monkeypatch):
    monkeypatch.delenv("FAIRREC_DATA_ROOTS", raising=False)
    at = open_page(DATA)
    _load_path(at, "data")  # inside the root, but not MovieLens: the loader's own message
    [error] = _errors(at)
    assert "only paths under" not in error and error.startswith("MovieLens: ")
    _load_path(at, "/tmp")
    [error] = _errors(at)
    assert error.endswith("only paths under the data folders (data/) can be read here")


def test_switch_removes_the_server_path_box(monkeypatch):
    monkeypatch.setenv("FAIRREC_SERVER_PATHS", "off")
    at = open_page(DATA)
    assert_ok(at)
    assert PATH_BOX not in [t.label for t in at.text_input]
    assert not [b for b in at.button if b.label == "Load from path"]
    monkeypatch.setenv("FAIRREC_SERVER_PATHS", "on")
    at.run()
    assert PATH_BOX in [t.label for t in at.text_input]


# ---- uploads ---------------------------------------------------------------------------------
def test_mapping_form_reads_the_header_only_and_parses_once_on_load(monkeypatch):
    import fairrec_app.sources as sources

    calls = []
    real = sources.read_csv_table
    monkeypatch.setattr(sources, "read_csv_table",
                        lambda raw, name, *a, **kw: calls.append(len(raw)) or real(raw, name, *a, **kw))
    rows = [f"c{u},p{(u * 5 + j) % 25},{1 + (u * j) % 5}" for u in range(30) for j in range(5)]
    raw = ("customer,product,stars\n" + "\n".join(rows) + "\n").encode()
    at = open_page(DATA)
    _uploader(at, "interactions.csv").set_value(("big.csv", raw, "text/csv"))
    at.run()
    for target, column in (("user_id", "customer"), ("item_id", "product"), ("value", "stars")):
        at.selectbox(key=keys.widget("data", "map", "interactions", target)).select(column).run()
    assert calls == []  # four reruns of the form, not one parse of the file
    at.button(key="data.w.csv_load").click().run()
    assert_ok(at)
    assert calls == [len(raw)]  # parsed once, whole, on confirmation
    assert {m.label: m.value for m in at.metric}["Interactions"] == f"{len(rows):,}"


def test_50000_column_header_is_one_short_error():
    header = ",".join(f"c{i}" for i in range(50_000))
    at = open_page(DATA)
    _uploader(at, "interactions.csv").set_value(("wide.csv", (header + "\n1\n").encode(), "text/csv"))
    at.run()
    assert_ok(at)
    [error] = _errors(at)
    assert len(error) < 200, error
    assert "wide.csv" in error and "header" in error and "50,000 columns" in error
    assert "1,000" in error and "FAIRREC_MAX_COLUMNS" in error
    assert not [b for b in at.button if b.label == "Load CSV files"]


def test_upload_over_the_file_limit_is_refused(monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_FILE_BYTES", "1000")
    at = open_page(DATA)
    raw = b"user_id,item_id\n" + b"u1,i1\n" * 400
    _uploader(at, "interactions.csv").set_value(("many.csv", raw, "text/csv"))
    at.run()
    [error] = _errors(at)
    assert error.startswith("many.csv: many.csv: 2.4 KiB, over the 1000 bytes limit")
    assert "FAIRREC_MAX_FILE_BYTES" in error


def _zip(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ml-100k/u.data", payload)
    return buf.getvalue()


@pytest.mark.parametrize("failure", [MemoryError(), OSError(28, "No space left on device"),
                                     zipfile.BadZipFile("Bad CRC-32 for file 'u.data'")],
                         ids=["memory", "oserror", "badzip"])
def test_unexpected_failure_while_reading_is_a_short_error_box(monkeypatch, failure):
    import fairrec_app.sources as sources

    def boom(path):
        raise failure

    monkeypatch.setattr(sources, "load_movielens", boom)
    at = open_page(DATA)
    # unique bytes: the cached loader has not seen this upload
    _uploader(at, "…or upload the zip").set_value(
        ("ml.zip", _zip(repr(failure).encode() + os.urandom(8)), "application/zip"))
    at.run()
    at.button(key="data.w.ml_zip_load").click().run()
    assert_ok(at)
    [error] = _errors(at)
    assert error.startswith("MovieLens: ") and len(error) < 250 and "Traceback" not in error
    if isinstance(failure, MemoryError):
        assert "not enough memory" in error
    else:
        assert type(failure).__name__ in error and str(failure) in error
    assert at.session_state[keys.DATA_SOURCE].key == DataSource.demo().key
    # the session goes on: another page renders
    at.switch_page(WHATIF).run()
    assert_ok(at)
    assert not _errors(at)


# ---- saved-model names -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["..", ".", "../x", "/abs", "/tmp/x", "a/b", "", "-rf", "x" * 65,
                                  "a\\b", "name with space"])
def test_bad_save_names_are_refused_and_nothing_is_written(tmp_path, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    at = open_page(MODELS)
    before = sorted(p for p in tmp_path.rglob("*"))
    next(t for t in at.text_input if t.label == "Name").input(name)
    next(b for b in at.button if b.label == "Save").click().run()
    assert_ok(at)
    [error] = _errors(at)
    assert error.startswith("Save: model name ")
    assert sorted(p for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "params.json").exists() and not (work / "params.json").exists()


def test_good_save_name_writes_inside_models(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    at = open_page(MODELS)
    next(t for t in at.text_input if t.label == "Name").input("ease.v1_final-2")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not _errors(at)
    assert (tmp_path / "models" / "ease.v1_final-2" / "params.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]


# ---- what-if setting across navigation -------------------------------------------------------
def test_whatif_setting_survives_navigation_with_its_metrics(demo_split):
    from fairrec_core.audit import AuditContext
    from fairrec_core.models import EASE, top_n
    from fairrec_core.reranking import CalibratedReranker

    at = open_page(WHATIF)
    at.toggle(key=keys.widget("whatif", "calibrated", "on")).set_value(True).run()
    at.slider(key=keys.widget("whatif", "calibrated", "lam")).set_value(0.3).run()
    assert_ok(at)
    at.switch_page("pages/3_Recommendations.py").run()
    assert keys.widget("whatif", "calibrated", "lam") not in at.session_state  # Streamlit forgot it
    at.switch_page(WHATIF).run()
    assert_ok(at)
    assert at.slider(key=keys.widget("whatif", "calibrated", "lam")).value == pytest.approx(0.3)
    assert at.toggle(key=keys.widget("whatif", "calibrated", "on")).value is True
    # the setting in words (the technical one only in the caption's tooltip)
    assert any(c.value.startswith(f"Computed for: {names.reranker('calibrated')} (strength 0.3")
               for c in at.caption)
    # the shown metrics are the core's at lambda = 0.3, computed here independently
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    candidates = top_n(EASE().fit(demo_split.train), users, 100)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10)
    expected = ctx.summarize(CalibratedReranker(lam=0.3).fit(ctx.train, candidates).rerank(candidates, 10))
    cards = {m.label: m.value for m in at.metric}
    for metric in ("ndcg@10", "calibration_kl@10"):
        assert cards[glossary.label(metric)] == f"{expected.overall[metric]:.3f}"


def test_slider_moved_just_before_navigating_away_is_kept():
    """The value reaches the session even when the next run is another page's (the fragment
    never ran for it): the widget's on_change stores it."""
    at = open_page(WHATIF)
    at.toggle(key=keys.widget("whatif", "calibrated", "on")).set_value(True).run()
    at.slider(key=keys.widget("whatif", "calibrated", "lam")).set_value(0.85)
    at.switch_page("pages/3_Recommendations.py").run()
    assert_ok(at)
    [step] = at.session_state[keys.WHATIF_CHAIN].active
    assert (step.name, step.params["lam"]) == ("calibrated", pytest.approx(0.85))
    at.switch_page(WHATIF).run()
    assert at.slider(key=keys.widget("whatif", "calibrated", "lam")).value == pytest.approx(0.85)
    assert any(c.value.startswith(f"Computed for: {names.reranker('calibrated')} (strength 0.85")
               for c in at.caption)


def test_imported_lists_over_the_file_limit_are_refused(monkeypatch):
    monkeypatch.setenv("FAIRREC_MAX_FILE_BYTES", "100")
    at = open_page(MODELS)
    recs = b"user_id,item_id,rank\n" + b"u1,i1,1\n" * 20
    _uploader(at, "recommendations.csv").set_value(("recs.csv", recs, "text/csv"))
    _uploader(at, "test.csv").set_value(("test.csv", b"user_id,item_id\nu1,i2\n", "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Assess these lists").click().run()
    assert_ok(at)
    [error] = _errors(at)
    assert error == (f"Import: recs.csv: {len(recs)} bytes, over the 100 bytes limit on a file "
                     "(FAIRREC_MAX_FILE_BYTES)")
    assert at.session_state[keys.MODELS_IMPORTED] is None


def test_saved_model_that_fails_to_read_is_a_short_error_box(tmp_path, monkeypatch):
    import fairrec_core.models as models

    monkeypatch.chdir(tmp_path)
    at = open_page(MODELS)
    next(t for t in at.text_input if t.label == "Name").input("ease-demo")
    next(b for b in at.button if b.label == "Save").click().run()
    active = at.session_state[keys.MODELS_ACTIVE]

    def broken(path, **kw):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(models, "load_model", broken)
    at.selectbox(key=keys.widget("models", "load")).select("models/ease-demo").run()
    next(b for b in at.button if b.label == "Load model").click().run()
    assert_ok(at)
    [error] = _errors(at)
    assert error == "Load: could not read this input (OSError: [Errno 5] Input/output error)"
    assert at.session_state[keys.MODELS_ACTIVE] == active


def test_save_that_fails_on_disk_is_a_short_error_box(tmp_path, monkeypatch):
    import fairrec_core.models as models

    def full(*a, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(models, "save_model", full)
    at = open_page(MODELS)
    next(t for t in at.text_input if t.label == "Name").input("ease-demo")
    next(b for b in at.button if b.label == "Save").click().run()
    assert_ok(at)
    [error] = _errors(at)
    assert error == "Save: could not save the model (OSError: [Errno 28] No space left on device)"


# ---- a data set that can no longer be read --------------------------------------------------------
def test_data_set_gone_since_it_was_chosen_falls_back_to_the_demo(tmp_path):
    """A server path chosen earlier whose files have gone (or that the cache dropped and the
    roots no longer allow) gives one error box on the next page, and the session goes on with
    the demo shop instead of a traceback."""
    gone = DataSource.movielens_path(str(tmp_path / "ml-100k-removed"))
    at = open_page(None, {keys.DATA_SOURCE: gone})  # the home page is the first to read it
    assert_ok(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "can no longer be read" in errors[0], errors
    assert "\n" not in errors[0]
    assert at.session_state[keys.DATA_SOURCE] == DataSource.demo()
    at.switch_page("pages/4_Fairness_audit.py").run()
    assert_ok(at)
    assert not at.error
    assert any("Demo shop" in m.value for m in at.markdown), "the audit goes on with the demo"
