"""Fuzz every data input (issue 13): mutated CSV folders, MovieLens 100K folders, zips of them
(bad CRC, duplicate names, big-ratio and lying members, truncation) and imported
recommendation lists. Each case either loads with finite, in-range numbers or stops with one
short line naming the file — any other exception fails. A fixed budget (4 x 75 cases,
derandomized); ``benchmarks/bench_fuzz.py`` runs the same generators much longer.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.fuzz._cases import FUZZ_LIMITS, KINDS, Case, check_case, make_case, raw_zip, zeros_bomb

FUZZ = settings(
    max_examples=75, derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.parametrize("kind", KINDS)
def test_every_hostile_input_loads_in_range_or_stops_with_one_line(kind):
    outcomes = []

    @FUZZ
    @given(seed=st.integers(0, 2**32 - 1))
    def run(seed):
        with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, FUZZ_LIMITS):
            outcomes.append(check_case(make_case(kind, random.Random(seed), Path(tmp))))

    run()
    # the generators reach both sides of the property (a fuzz that only ever refuses proves little)
    assert {"loaded", "refused"} <= set(outcomes), outcomes


def test_case_checker_rejects_a_wrong_outcome(tmp_path):
    """The property itself: a multi-line FairrecError or an in-range violation is a failure."""
    from fairrec_core.errors import DataError

    class Bad(Case):
        def load(self):
            raise DataError("x.csv: first line\nsecond line")

    with pytest.raises(AssertionError, match="multi-line"):
        check_case(Bad("csv", ("x.csv",)))

    class Nameless(Case):
        def load(self):
            raise DataError("something went wrong")

    with pytest.raises(AssertionError, match="names no file"):
        check_case(Nameless("csv", ("x.csv",)))


def _cli(spec: str, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "fairrec_core", "data", "describe", "--data", spec],
        capture_output=True, text=True, cwd=ROOT, timeout=120, env={**os.environ, **(env or {})},
    )


def _hostile_inputs(tmp: Path) -> list[tuple[str, str]]:
    """(spec, expected fragment of the one stderr line)."""
    cases = []
    d = tmp / "ts"
    d.mkdir()
    (d / "interactions.csv").write_text("user_id,item_id,timestamp\n1,a,9223372036854775808\n")
    cases.append((f"csv:{d}", "column 'timestamp' has '9223372036854775808'"))
    d = tmp / "dup"
    d.mkdir()
    (d / "interactions.csv").write_text("user_id,item_id,user_id\n1,a,2\n")
    cases.append((f"csv:{d}", "column 'user_id' appears twice (columns 1 and 3)"))
    d = tmp / "quote"
    d.mkdir()
    (d / "interactions.csv").write_text('user_id,"item_id,rating\n1,a,4\n2,"b",5\n')
    cases.append((f"csv:{d}", "line 1: unbalanced quote in the header"))
    z = tmp / "bomb.zip"
    z.write_bytes(raw_zip([("ml/u.data", zeros_bomb(64 << 20), 8, 0, 64 << 20),
                           ("ml/u.user", b"\x03\x00", 8, 0, 0), ("ml/u.item", b"\x03\x00", 8, 0, 0)]))
    cases.append((f"movielens:{z}", "ml/u.data: compression ratio over 200:1"))
    cases.append(("movielens:/", "/:"))
    return cases


def test_cli_hostile_inputs_exit_2_with_one_line(tmp_path):
    for spec, fragment in _hostile_inputs(tmp_path):
        out = _cli(spec)
        assert out.returncode == 2, (spec, out.stdout[-300:], out.stderr[-300:])
        assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1, out.stderr[-500:]
        assert "Traceback" not in out.stderr and fragment in out.stderr, (fragment, out.stderr)
        assert out.stdout == ""
