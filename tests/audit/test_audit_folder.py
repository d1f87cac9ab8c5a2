"""An audit read back from its files (``read_audit_folder``, ``AuditResult.from_dict``): every
per-group table equals the original's to float precision — on the demo shop's audit, and on the
folders ``python -m fairrec_core audit`` writes with the DuckDB engine and for a private
release — and a folder that is not an audit is one line naming the file and what was expected."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import (
    FORMAT_VERSION,
    INTERSECTION,
    AuditContext,
    AuditResult,
    read_audit_folder,
)
from fairrec_core.cli import main
from fairrec_core.errors import DataError, FairrecError
from fairrec_core.models import EASE, top_n

FAST = ["--bootstrap", "80", "--permutations", "80", "--seed", "4", "--quiet"]
TOL = dict(atol=1e-12, rtol=0)


@pytest.fixture(scope="module")
def demo_audit(demo_split):
    users = np.flatnonzero(demo_split.test.user_counts > 0)
    lists = top_n(EASE().fit(demo_split.train), users, 10)
    ctx = AuditContext(demo_split.train, demo_split.test, k=10)
    return ctx.audit(lists, n_bootstrap=100, n_permutations=100, seed=1)


def _write(folder, result: AuditResult):
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.to_dict(), indent=2, allow_nan=False)
    (folder / "metrics.json").write_text(text)
    result.users.drop(columns=["user"]).to_csv(folder / "users.csv", index=False)
    return folder


def _same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], columns=None, tol=TOL) -> None:
    """Equal values (floats to ``tol``, NaN = NaN), rows matched on ``keys``, in the same
    order."""
    columns = list(a.columns if columns is None else columns)
    assert len(a) == len(b) > 0
    a = a[columns].reset_index(drop=True)
    b = b[columns].reset_index(drop=True)
    for c in keys:
        assert list(a[c].astype(str)) == list(b[c].astype(str)), c
    for c in columns:
        if c in keys:
            continue
        x, y = a[c], b[c]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            np.testing.assert_allclose(x.to_numpy(np.float64), y.to_numpy(np.float64), **tol,
                                       err_msg=c)
        else:
            assert list(x) == list(y), c


def assert_same_tables(original: AuditResult, back: AuditResult) -> None:
    """Every table metrics.json holds, value by value."""
    assert (back.k, back.metrics, back.n_users, back.n_evaluated) == (
        original.k, original.metrics, original.n_users, original.n_evaluated)
    assert (back.min_group_size, back.n_bootstrap, back.n_permutations, back.level, back.seed) \
        == (original.min_group_size, original.n_bootstrap, original.n_permutations,
            original.level, original.seed)
    assert back.notes == original.notes and back.attributes == original.attributes
    assert list(back.overall.index) == list(original.overall.index)
    np.testing.assert_allclose(back.overall.to_numpy(), original.overall.to_numpy(), **TOL)
    _same(original.overall_ci, back.overall_ci, ["metric"])
    _same(original.groups, back.groups, ["attribute", "group", "metric"])
    gap_columns = [c for c in original.gaps.columns
                   if c not in ("critical_value_bootstrap", "critical_value_permutation")]
    _same(original.gaps, back.gaps, ["attribute", "metric"], gap_columns)
    assert back.gaps["critical_value_bootstrap"].isna().all()  # not in metrics.json
    compared = original.vs_rest[original.vs_rest["compared"]]
    _same(compared, back.vs_rest, ["attribute", "group", "metric"])
    singles = original.pairwise[~original.pairwise["attribute"].str.contains(INTERSECTION)]
    _same(singles, back.pairwise, ["attribute", "metric", "group_a", "group_b"])
    _same(original.reference, back.reference, ["attribute", "metric", "group", "reference"])
    _same(original.adjusted, back.adjusted, ["attribute", "metric", "group_high", "group_low"])
    _same(original.parity, back.parity, ["attribute", "item_attribute", "group", "value"])
    _same(original.parity_values, back.parity_values, ["attribute", "item_attribute", "value"])
    _same(original.parity_gaps, back.parity_gaps, ["attribute", "item_attribute"])
    _same(original.parity_js, back.parity_js, ["attribute", "item_attribute", "group"])
    _same(original.exposure, back.exposure, ["item_attribute", "value"])
    _same(original.popularity, back.popularity, ["attribute", "group"])
    assert back.head == pytest.approx(original.head)
    # the Lorenz curve: metrics.json keeps 101 points of it
    xs = np.linspace(0, 1, 101)
    np.testing.assert_allclose(back.lorenz["item_share"], xs, **TOL)
    np.testing.assert_allclose(back.lorenz["exposure_share"], np.interp(
        xs, original.lorenz["item_share"], original.lorenz["exposure_share"]), **TOL)
    # the accessors the pages use give the same tables
    for attr in original.attributes:
        _same(original.group_table(attr, "ndcg@10"), back.group_table(attr, "ndcg@10"),
              ["group"])
        assert back.gap(attr, "ndcg@10")["p_value_pair"] == pytest.approx(
            original.gap(attr, "ndcg@10")["p_value_pair"], abs=1e-12)


def test_demo_audit_round_trips_through_its_folder(demo_audit, tmp_path):
    opened = read_audit_folder(_write(tmp_path / "out", demo_audit))
    assert not opened.differentially_private and opened.users_note is None
    assert opened.metrics["format_version"] == FORMAT_VERSION
    assert_same_tables(demo_audit, opened.result)
    original_users = demo_audit.users.drop(columns=["user"])
    _same(original_users, opened.result.users, ["user_id", "gender", "age_group", "region"])
    # written again, the same metrics.json
    assert opened.result.to_dict() == json.loads((tmp_path / "out" / "metrics.json").read_text())
    parity = opened.result.parity_table("gender", "category")
    pd.testing.assert_frame_equal(parity, demo_audit.parity_table("gender", "category"),
                                  check_dtype=False, check_index_type=False, **TOL)


def test_a_large_per_user_table_is_left_unread(demo_audit, tmp_path):
    folder = _write(tmp_path / "out", demo_audit)
    opened = read_audit_folder(folder, max_users_bytes=1000)
    assert opened.result.users.empty
    assert opened.users_note.startswith("users.csv is 0 MB, more than the 0 MB read here")
    (folder / "users.csv").unlink()
    opened = read_audit_folder(folder)
    assert "no per-user table" in opened.users_note
    assert_same_tables(demo_audit, opened.result)


def test_folder_written_by_the_cli_with_duckdb(tmp_path):
    memory, duck = tmp_path / "memory", tmp_path / "duckdb"
    assert main(["audit", "--data", "demo", "--model", "ease", "--out", str(memory), *FAST]) == 0
    assert main(["audit", "--data", "demo", "--recommendations", str(memory / "recommendations.csv"),
                 "--test", str(memory / "test.csv"), "--engine", "duckdb", "--out", str(duck),
                 *FAST]) == 0
    metrics = json.loads((duck / "metrics.json").read_text())
    opened = read_audit_folder(duck)
    res = opened.result
    # every number of metrics.json comes back (settings: the CLI's own additions)
    again = res.to_dict()
    assert again.pop("settings").items() <= metrics.pop("settings").items()
    assert again == metrics
    groups = pd.read_csv(duck / "groups.csv", dtype={"group": str})
    _same(groups, res.groups, ["attribute", "group", "metric"])
    users = pd.read_csv(duck / "users.csv", dtype=str)
    assert list(res.users["user_id"]) == list(users["user_id"])
    np.testing.assert_allclose(res.users["ndcg"], users["ndcg"].astype(float), **TOL)
    gap = res.gap("gender", "ndcg@10")
    entry = metrics["gaps"]["gender"]["ndcg@10"]
    assert (gap["difference"], gap["p_value_pair"], [gap["ci_lo"], gap["ci_hi"]]) == (
        entry["difference"], entry["p_value_pair"], entry["difference_ci95"])
    assert dict(opened.description())["Computed"] == "by DuckDB, out of core"
    # the memory engine's folder opens the same way, and agrees with DuckDB's (summation order)
    mem = read_audit_folder(memory).result
    _same(mem.groups, res.groups, ["attribute", "group", "metric"],
          ["attribute", "group", "metric", "n", "mean"], tol=dict(atol=0, rtol=1e-12))


def test_private_release_folder(tmp_path):
    out = tmp_path / "private"
    assert main(["audit", "--data", "demo", "--model", "ease", "--no-intersections",
                 "--dp-epsilon", "1", "--dp-metrics", "ndcg", "--dp-seed", "3", "--out",
                 str(out), "--quiet"]) == 0
    opened = read_audit_folder(out)
    assert opened.differentially_private and opened.result is None
    groups = pd.read_csv(out / "groups.csv", dtype={"group": str})
    shown = opened.private["groups"]
    _same(groups, shown, ["attribute", "group", "metric"],
          ["attribute", "group", "metric", "n_noisy", "suppressed"])
    kept = ~groups["suppressed"].to_numpy()
    np.testing.assert_allclose(shown["mean"].to_numpy()[kept], groups["mean"].to_numpy()[kept],
                               **TOL)
    metrics = json.loads((out / "metrics.json").read_text())
    gap = opened.private["gaps"].set_index(["attribute", "metric"]).loc[("gender", "ndcg@10")]
    assert gap["difference"] == metrics["gaps"]["gender"]["ndcg@10"]["difference"]
    assert gap["p_value"] == metrics["gaps"]["gender"]["ndcg@10"]["p_value"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "no metrics.json; expected the --out folder of `python -m fairrec_core audit`"),
    (b"{not json", "metrics.json: not valid JSON (line 1, column 2: "),
    (b"\xff\xfe", "metrics.json: not UTF-8 text"),
    (b"[1, 2]", "metrics.json: a JSON list, not an object; expected a fairrec audit's"),
    (b'{"name": "some model card"}', "metrics.json: no 'k', 'n_users', 'n_users_evaluated' ...: "
                                     "not the metrics.json of a fairrec audit"),
    (b'{"format_version": 7, "k": 10}', "metrics.json: format_version 7; this fairrec reads "
                                        "version 1"),
])
def test_a_folder_that_is_not_an_audit_is_one_line(tmp_path, content, message):
    if content is not None:
        (tmp_path / "metrics.json").write_bytes(content)
    with pytest.raises(DataError) as info:
        read_audit_folder(tmp_path)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith(str(tmp_path))


def test_a_broken_entry_and_a_missing_folder(demo_audit, tmp_path):
    with pytest.raises(FairrecError, match="not a folder; expected the --out folder"):
        read_audit_folder(tmp_path / "nowhere")
    d = demo_audit.to_dict()
    del d["groups"]["gender"]["F"]["n_users"]
    (tmp_path / "metrics.json").write_text(json.dumps(d, allow_nan=False))
    with pytest.raises(DataError, match=r"metrics.json: an entry is not as a fairrec audit "
                                        r"writes it \(no 'n_users'\)"):
        read_audit_folder(tmp_path)


def test_the_per_user_table_as_parquet(demo_audit, tmp_path):
    """``audit --engine duckdb`` writes users.parquet for many users; it is read the same way."""
    folder = _write(tmp_path / "out", demo_audit)
    users = pd.read_csv(folder / "users.csv", dtype={"user_id": str, "gender": str,
                                                     "age_group": str, "region": str})
    users.to_parquet(folder / "users.parquet", index=False)
    (folder / "users.csv").unlink()
    opened = read_audit_folder(folder)
    assert opened.users_note is None
    _same(demo_audit.users.drop(columns=["user"]), opened.result.users,
          ["user_id", "gender", "age_group", "region"])
