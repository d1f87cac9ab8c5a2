"""`python -m fairrec_core data describe`: numbers agree with the dataset; errors are one line."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "fairrec_core", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def test_help_lists_commands():
    out = run_cli("--help")
    assert out.returncode == 0
    assert "data" in out.stdout


def test_describe_ml100k(ml100k_path, ml100k):
    out = run_cli("data", "describe", "--data", f"movielens:{ml100k_path}", "--json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert (info["users"], info["items"], info["interactions"]) == (943, 1682, 100_000)
    assert info["groups"]["gender"] == {
        "F": {"users": 273, "interactions": int(ml100k.user_counts[(ml100k.users["gender"] == "F").to_numpy()].sum())},
        "M": {"users": 670, "interactions": int(ml100k.user_counts[(ml100k.users["gender"] == "M").to_numpy()].sum())},
    }
    assert sum(g["users"] for g in info["groups"]["region"].values()) == 943
    assert sum(g["interactions"] for g in info["groups"]["age_group"].values()) == 100_000


def test_describe_text(ml100k_path):
    out = run_cli("data", "describe", "--data", f"movielens:{ml100k_path}")
    assert out.returncode == 0
    assert "interactions  100,000" in out.stdout
    assert "density       6.3047%" in out.stdout


@pytest.mark.parametrize(
    ("spec", "needle"),
    [("csv:/no/such", "/no/such: no such folder"), ("bogus", "data spec 'bogus'")],
)
def test_bad_input_one_line_nonzero(spec, needle):
    out = run_cli("data", "describe", "--data", spec)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and needle in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_bad_csv_row_via_cli(tmp_path):
    (tmp_path / "interactions.csv").write_text("user_id,item_id,rating\n1,a,x\n")
    out = run_cli("data", "describe", "--data", f"csv:{tmp_path}")
    assert out.returncode == 2
    assert "interactions.csv: line 2: column 'value' has 'x'" in out.stderr
