"""Outputs never destroy inputs and are written whole (issue 13, "Data loss"): refused --out
folders leave every byte on disk as it was; --force replaces only what the previous run of the
same kind wrote; a failed write leaves the old output; leftovers of killed runs are cleaned up."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from fairrec_core import outputs
from fairrec_core.cli import main
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.errors import ModelError
from fairrec_core.models import (
    EASE,
    Popularity,
    list_saved_models,
    load_model,
    model_folder,
    save_model,
)

SPEC = "synthetic:users=300,items=120,interactions=6000,seed=1"
FAST = ["--bootstrap", "20", "--permutations", "20", "--quiet"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), hidden ones included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def one_line_error(capsys, argv, message: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    assert message in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory):
    data = load_dataset(SPEC)
    folder = tmp_path_factory.mktemp("shop")
    inter = data.interactions
    import pandas as pd

    pd.DataFrame({"user_id": data.user_vocab.lookup(inter["user"].to_numpy()),
                  "item_id": data.item_vocab.lookup(inter["item"].to_numpy())}).to_csv(
        folder / "interactions.csv", index=False)
    data.users[["user_id", "gender", "age", "region"]].to_csv(folder / "users.csv", index=False)
    return folder


# ---- audit --out -----------------------------------------------------------------------------
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_audit_out_into_the_csv_dataset_folder_is_refused(csv_dir, capsys, force):
    before = snapshot(csv_dir)
    one_line_error(capsys, ["audit", "--data", f"csv:{csv_dir}", "--model", "popularity",
                            "--out", str(csv_dir), *FAST, *force],
                   f"--out {csv_dir}: this folder holds the input {csv_dir}")
    # a parent of the input folder holds it too
    one_line_error(capsys, ["audit", "--data", f"csv:{csv_dir}", "--model", "popularity",
                            "--out", str(csv_dir.parent), *FAST, *force],
                   "this folder holds the input")
    assert snapshot(csv_dir) == before


def test_audit_out_into_the_folder_of_the_lists_is_refused(tmp_path, capsys):
    first = tmp_path / "first"
    assert main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(first),
                 *FAST]) == 0
    capsys.readouterr()
    before = snapshot(tmp_path)
    lists = ["--recommendations", str(first / "recommendations.csv"),
             "--test", str(first / "test.csv")]
    for out in (first, tmp_path, Path(os.path.relpath(first))):
        one_line_error(capsys, ["audit", "--data", SPEC, *lists, "--out", str(out), *FAST,
                                "--force"], "this folder holds the input")
    assert snapshot(tmp_path) == before


def test_audit_out_into_the_loaded_model_folder_is_refused(tmp_path, capsys):
    data = load_dataset(SPEC)
    train = split_dataset(data, test_size=0.2, seed=42).train
    save_model(Popularity().fit(train), tmp_path / "pop", train=train)
    before = snapshot(tmp_path)
    one_line_error(capsys, ["audit", "--data", SPEC, "--load", str(tmp_path / "pop"),
                            "--out", str(tmp_path / "pop"), *FAST, "--force"],
                   f"this folder holds the input {tmp_path / 'pop'}")
    assert snapshot(tmp_path) == before


def test_audit_out_not_empty_needs_force_and_force_leaves_no_stale_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(out), *FAST,
                 "--report", "--seed", "3"]) == 0
    capsys.readouterr()
    assert (out / "report.html").is_file()
    before = snapshot(out)
    one_line_error(capsys, ["audit", "--data", SPEC, "--model", "popularity", "--out", str(out),
                            *FAST], f"--out {out}: is not empty (6 entries); pass --force")
    assert snapshot(out) == before
    assert main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(out), *FAST,
                 "--seed", "4", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["metrics.json", "recommendations.csv", "test.csv", "users.csv", "groups.csv"])
    assert json.loads((out / "metrics.json").read_text())["settings"]["seed"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folders left


def test_force_never_replaces_a_folder_with_foreign_files(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "metrics.json").write_text("{}")
    before = snapshot(tmp_path)
    one_line_error(capsys, ["audit", "--data", SPEC, "--model", "popularity", "--out", str(out),
                            *FAST, "--force"], "holds 'notes.txt', which this command does not "
                   "write; not replacing the folder even with --force")
    one_line_error(capsys, ["train", "--data", SPEC, "--model", "popularity", "--out", str(out),
                            "--force", "--quiet"], "holds 'metrics.json'")
    assert snapshot(tmp_path) == before


def test_out_that_is_a_file(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    one_line_error(capsys, ["audit", "--data", SPEC, "--model", "popularity",
                            "--out", str(tmp_path / "f"), *FAST], "is a file, not a folder")
    assert (tmp_path / "f").read_text() == "x"


# ---- train --out / save_model ---------------------------------------------------------------------
def test_train_over_an_existing_model_needs_force_and_leaves_no_stale_state_dict(tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["train", "--data", SPEC, "--model", "twotower", "--param", "epochs=1",
                 "--param", "dim=8", "--param", "hidden=8", "--out", str(out), "--quiet",
                 "--threads", "1"]) == 0
    capsys.readouterr()
    assert (out / "state_dict.pt").is_file()
    before = snapshot(out)
    one_line_error(capsys, ["train", "--data", SPEC, "--model", "popularity", "--out", str(out),
                            "--quiet"], f"--out {out}: is not empty (3 entries); pass --force")
    assert snapshot(out) == before
    assert main(["train", "--data", SPEC, "--model", "popularity", "--out", str(out), "--quiet",
                 "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["arrays.npz", "params.json"]
    assert load_model(out).name == "popularity"
    [entry] = list_saved_models(tmp_path)
    assert entry["error"] is None and entry["name"] == "popularity"


def test_train_out_into_the_csv_dataset_folder_is_refused(csv_dir, capsys):
    before = snapshot(csv_dir)
    one_line_error(capsys, ["train", "--data", f"csv:{csv_dir}", "--model", "popularity",
                            "--out", str(csv_dir / ".."), "--force", "--quiet"],
                   "this folder holds the input")
    assert snapshot(csv_dir) == before


def test_save_model_refuses_an_existing_model_unless_forced(small_split, tmp_path):
    train = small_split.train
    save_model(EASE(l2=50.0).fit(train), tmp_path / "m", train=train)
    before = snapshot(tmp_path)
    with pytest.raises(ModelError, match="is not empty .*pass force=True to replace"):
        save_model(Popularity().fit(train), tmp_path / "m", train=train)
    assert snapshot(tmp_path) == before
    save_model(Popularity().fit(train), tmp_path / "m", train=train, force=True)
    assert load_model(tmp_path / "m").name == "popularity"


@pytest.mark.parametrize("name", ["..", ".", "a/b", "../x", ".hidden", "", "x" * 101, "a\\b",
                                  "/etc"])
def test_model_names_stay_under_the_models_folder(tmp_path, name):
    with pytest.raises(ModelError, match="model name"):
        model_folder(tmp_path / "models", name)


def test_model_folder_resolves_a_plain_name(tmp_path):
    assert model_folder(tmp_path, "ease-demo.v2") == tmp_path / "ease-demo.v2"


# ---- the machinery --------------------------------------------------------------------------------
def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f.json"
    outputs.write_atomic(target, "old")

    def boom(f):
        f.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        outputs.write_atomic(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


@pytest.mark.parametrize("exchange", [True, False])
def test_staged_folder_swaps_whole_or_not_at_all(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    target = tmp_path / "out"
    with outputs.staged_folder(target, owned=["a", "b"]) as stage:
        outputs.write_atomic(stage / "a", "1")
        outputs.write_atomic(stage / "b", "1")
    with pytest.raises(RuntimeError), outputs.staged_folder(target, owned=["a", "b"],
                                                            force=True) as stage:
        outputs.write_atomic(stage / "a", "2")
        raise RuntimeError("killed half way")
    assert snapshot(target) == {"a": b"1", "b": b"1"}
    with outputs.staged_folder(target, owned=["a", "b"], force=True) as stage:
        outputs.write_atomic(stage / "a", "3")
    assert snapshot(target) == {"a": b"3"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_leftovers_of_killed_runs_are_ignored_and_cleaned(small_split, tmp_path):
    train = small_split.train
    root = tmp_path / "models"
    save_model(Popularity().fit(train), root / "pop", train=train)
    dead = _dead_pid()
    stale = root / f".pop{outputs.TMP_MARK}{dead}-abc"
    stale.mkdir()
    (stale / "params.json").write_text("{cut")
    assert [e["dir"] for e in list_saved_models(root)] == [str(root / "pop")]
    save_model(Popularity().fit(train), root / "pop", train=train, force=True)
    assert sorted(p.name for p in root.iterdir()) == ["pop"]


def test_a_kill_between_the_two_renames_is_undone(small_split, tmp_path):
    """Without an atomic exchange the old folder is renamed away first; if the process dies
    before the new one is renamed in, the next run puts the old one back."""
    train = small_split.train
    root = tmp_path / "models"
    save_model(Popularity().fit(train), root / "pop", train=train)
    before = snapshot(root / "pop")
    os.rename(root / "pop", root / f".pop{outputs.OLD_MARK}{_dead_pid()}-xyz")
    outputs.clean_leftovers(root / "pop")
    assert snapshot(root / "pop") == before
    assert sorted(p.name for p in root.iterdir()) == ["pop"]


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


# ---- memory -------------------------------------------------------------------------------------------
def test_ease_refuses_the_item_matrix_over_the_memory_limit(small_split, monkeypatch):
    from fairrec_core.limits import LimitError

    n = small_split.train.n_items
    need = 2 * n * n * 8
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", str(need - 1))
    with pytest.raises(LimitError) as info:
        EASE().fit(small_split.train)
    message = str(info.value)
    assert message.startswith(f"ease: the item x item Gram matrix and its inverse for {n} items "
                              f"needs a dense 2 x {n} x {n} float64 array")
    assert message.endswith("; use als or bpr for this catalogue")
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", str(need))
    assert EASE().fit(small_split.train).weights_.shape == (n, n)


def test_ease_at_20000_items_is_refused_at_once_by_default(monkeypatch):
    """The default limit (4 GiB) refuses 20,000 items (2 x 20,000^2 float64 = 6.0 GiB) before
    allocating anything (the Gram matrix is never built)."""
    from fairrec_core.limits import LimitError

    class Huge:
        n_interactions, n_users, n_items, fingerprint = 1, 1, 20_000, "x"

    model = EASE()
    monkeypatch.setattr("fairrec_core.models._ease.binary_matrix", _never)
    monkeypatch.setattr(model, "n_items_", 20_000, raising=False)
    with pytest.raises(LimitError, match=r"20,000 x 20,000 float64 array \(6\.0 GiB\), over the "
                                         r"4\.0 GiB limit .*use als or bpr"):
        model._fit(Huge(), None)


def _never(*_):
    raise AssertionError("the Gram matrix must not be built")


def test_score_blocks_stay_within_the_memory_limit(small_split, monkeypatch):
    """recommend batches users so that each dense score block fits the limit; the result is
    the same as one big block."""
    model = EASE(l2=50.0).fit(small_split.train)
    users = np.arange(small_split.train.n_users)
    expected = model.recommend(users, 10)
    limit = 16 * 120 * 7  # seven users' rows of 120 items at 16 bytes a cell
    monkeypatch.setenv("FAIRREC_MAX_DENSE_BYTES", str(limit))
    sizes = []
    original = model._scores

    def spy(chunk):
        sizes.append(len(chunk))
        return original(chunk)

    monkeypatch.setattr(model, "_scores", spy)
    got = model.recommend(users, 10)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5)  # BLAS blocking differs
    assert max(sizes) == 7 and sum(sizes) == len(users)


def test_only_our_own_temporary_files_count_as_empty(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / ".metrics.json.abc123.tmp").write_text("cut")  # a killed write_atomic
    outputs.check_target(target, owned=["metrics.json"])
    (target / ".notes.tmp").write_text("the user's")
    with pytest.raises(outputs.OutputError, match="is not empty"):
        outputs.check_target(target, owned=["metrics.json"])
    with pytest.raises(outputs.OutputError, match="holds '.notes.tmp'"):
        outputs.check_target(target, owned=["metrics.json"], force=True)


def test_save_name_dotdot_writes_nothing_into_the_parent(small_split, tmp_path):
    """The app's save name '..' wrote params.json and arrays.npz into its working directory:
    model_folder refuses the name, and save_model alone refuses the (non-empty) parent too."""
    train = small_split.train
    (tmp_path / "app.py").write_text("# the app")
    root = tmp_path / "models"
    root.mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(ModelError, match="model name '..'"):
        model_folder(root, "..")
    with pytest.raises(ModelError, match="is not empty"):
        save_model(Popularity().fit(train), root / "..", train=train)
    assert snapshot(tmp_path) == before
