"""Data page: uploads with column mapping, bad input shown in an error box, the app keeps going."""

from __future__ import annotations

import io
import zipfile

from fairrec_app import keys
from fairrec_app.sources import DataSource
from tests.app.conftest import assert_ok, open_page

DATA = "pages/1_Data.py"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _uploader(at, label):
    return next(u for u in at.get("file_uploader") if u.label == label)


def test_bad_csv_shows_the_problem_and_keeps_the_data():
    at = open_page(DATA)
    assert_ok(at)
    before = _metrics(at)
    _uploader(at, "interactions.csv").set_value(
        ("interactions.csv", b"customer,product,rating\nc1,p1,5\nc2,p2,lots\n", "text/csv"))
    at.run()
    at.selectbox(key=keys.widget("data", "map", "interactions", "user_id")).select("customer")
    at.selectbox(key=keys.widget("data", "map", "interactions", "item_id")).select("product")
    at.run()
    at.button(key="data.w.csv_load").click().run()
    assert_ok(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "interactions.csv" in errors[0] and "line 3" in errors[0] and "'lots'" in errors[0]
    # nothing changed: still the demo shop with the same numbers
    assert isinstance(at.session_state[keys.DATA_SOURCE], DataSource)
    assert at.session_state[keys.DATA_SOURCE].key == DataSource.demo().key
    assert _metrics(at) == before


def test_csv_without_required_column_names_it():
    at = open_page(DATA)
    _uploader(at, "interactions.csv").set_value(
        ("interactions.csv", b"who,what\nc1,p1\n", "text/csv"))
    at.run()
    at.button(key="data.w.csv_load").click().run()
    assert_ok(at)
    [error] = [e.value for e in at.error]
    assert "missing required column 'user_id'" in error


def test_csv_with_mapping_becomes_the_data():
    rows = [f"c{u},p{(u * 7 + j) % 30},{1 + (u + j) % 5}" for u in range(40) for j in range(6)]
    raw = ("customer,product,stars\n" + "\n".join(rows) + "\n").encode()
    users = ("customer,sex\n" + "\n".join(f"c{u},{'F' if u % 3 else 'M'}" for u in range(40))).encode()
    at = open_page(DATA)
    _uploader(at, "interactions.csv").set_value(("shop.csv", raw, "text/csv"))
    _uploader(at, "users.csv").set_value(("people.csv", users, "text/csv"))
    at.run()
    at.selectbox(key=keys.widget("data", "map", "interactions", "user_id")).select("customer")
    at.selectbox(key=keys.widget("data", "map", "interactions", "item_id")).select("product")
    at.selectbox(key=keys.widget("data", "map", "interactions", "value")).select("stars")
    at.selectbox(key=keys.widget("data", "map", "users", "user_id")).select("customer")
    at.selectbox(key=keys.widget("data", "map", "users", "gender")).select("sex")
    at.run()
    at.button(key="data.w.csv_load").click().run()
    assert_ok(at)
    assert not at.error
    m = _metrics(at)
    n_items = len({(u * 7 + j) % 30 for u in range(40) for j in range(6)})
    assert (m["Users"], m["Items"], m["Interactions"]) == ("40", str(n_items), f"{40 * 6}")
    assert at.session_state[keys.DATA_SOURCE].kind == "csv"


def test_zip_without_movielens_files_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not movielens")
    at = open_page(DATA)
    _uploader(at, "…or upload the zip").set_value(("ml.zip", buf.getvalue(), "application/zip"))
    at.run()
    at.button(key="data.w.ml_zip_load").click().run()
    assert_ok(at)
    [error] = [e.value for e in at.error]
    assert "expected MovieLens files" in error and "uploaded zip" in error
    assert at.session_state[keys.DATA_SOURCE].key == DataSource.demo().key


def test_demo_knobs_regenerate_the_shop():
    at = open_page(DATA)
    at.number_input[0].set_value(500)  # users
    at.number_input[2].set_value(8000)  # interactions
    at.slider[0].set_value(0.0)  # bias
    next(b for b in at.button if b.label == "Generate").click()
    at.run()
    assert_ok(at)
    src = at.session_state[keys.DATA_SOURCE]
    assert (src.synthetic.users, src.synthetic.interactions, src.synthetic.bias) == (500, 8000, 0.0)
    m = _metrics(at)
    assert (m["Users"], m["Interactions"]) == ("500", "8,000")
