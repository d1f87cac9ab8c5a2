"""Fuzz: tampered saved models (issue 13). Every case either loads a model that recommends
exactly as the original (a harmless change) or stops with one FairrecError line naming the
file — never a traceback, never a model that silently recommends something else. A longer run
with counts per kind of change: ``benchmarks/bench_fuzz_models.py``."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairrec_core.cli import main
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import limit_threads, save_model
from tests.fuzz._model_cases import check, recommendations, small_models, tamper

SPEC = "synthetic:users=150,items=60,interactions=2000,seed=1"
NAMES = list(small_models())


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each model fitted on the split ``audit --data SPEC`` makes (seed 42), saved once."""
    root = tmp_path_factory.mktemp("models")
    train = split_dataset(load_dataset(SPEC), test_size=0.2, seed=42).train
    reference = {}
    with limit_threads(1):
        for name, model in small_models().items():
            model.fit(train)
            save_model(model, root / name, train=train)
            reference[name] = recommendations(model)
    return root, reference


@settings(max_examples=160, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), seed=st.integers(0, 2**32 - 1))
def test_tampered_models_load_identically_or_stop_with_one_line(saved, name, seed):
    root, reference = saved
    with tempfile.TemporaryDirectory() as tmp, limit_threads(1):
        folder = Path(tmp) / name
        shutil.copytree(root / name, folder)
        what = tamper(folder, random.Random(seed))
        try:
            check(folder, reference[name])
        except AssertionError as exc:
            raise AssertionError(f"{name}: {what}: {exc}") from None


@pytest.mark.parametrize(("name", "seed"), [("twotower", 1), ("ease", 2), ("als", 3),
                                            ("bpr", 5)])
def test_audit_load_of_a_tampered_model_is_one_line(saved, tmp_path, capsys, name, seed):
    root, reference = saved
    folder = tmp_path / name
    rng = random.Random(seed)
    for _ in range(50):  # the first change of this seed that the loader refuses
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(root / name, folder)
        tamper(folder, rng)
        if check(folder, reference[name])[0] == "refused":
            break
    code = main(["audit", "--data", SPEC, "--load", str(folder), "--out", str(tmp_path / "out"),
                 "--bootstrap", "10", "--permutations", "10", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(folder) in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
