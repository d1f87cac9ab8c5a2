"""Kill test (issue 13, "Data loss": a kill -9 during a save cut arrays.npz; an audit folder was
left with invalid JSON or metrics of one run beside CSVs of another).

A driver process imports fairrec once, then for each trial forks a child that runs the real
command line (``train --out`` / ``audit --out``) over a folder holding a previous complete
output, and SIGKILLs it at a seeded random moment *while it writes* (every fsync and rename of
the child is slowed down by a few milliseconds, and the child signals its first write, so the
kills land inside the write window). After each kill the folder must hold the old complete
output or the new complete one, and ``list_saved_models`` must agree.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fairrec_core.models import list_saved_models, load_model

SPEC = "synthetic:users=150,items=60,interactions=2000,seed=1"
#: Seeded kill points inside the write window, per command (plus one at the first write and
#: one long after the last).
TRIALS = 5

DRIVER = textwrap.dedent('''
    import json, os, shutil, signal, sys, time
    from fairrec_core import outputs
    from fairrec_core.cli import main

    plan = json.loads(sys.argv[1])

    def child(argv, w, pause):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        first = [True]

        def mark():
            if first[0]:
                os.write(w, b"w")
                first[0] = False
            time.sleep(pause)

        def slowed(fn):
            def run(*a, **k):
                mark()
                return fn(*a, **k)
            return run

        os.fsync, os.rename, os.replace = slowed(os.fsync), slowed(os.rename), slowed(os.replace)
        outputs._exchange = slowed(outputs._exchange)
        os._exit(main(argv))

    def run(argv, delay):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            child(argv, w, plan["pause"])
        os.close(w)
        started = os.read(r, 1)
        start = time.perf_counter()
        if delay is not None and started:
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(r)
        return status, time.perf_counter() - start

    with open(os.devnull, "w") as sink:  # in-process: later children start warm
        stdout, sys.stdout = sys.stdout, sink
        assert main(plan["reference"]) == 0
        sys.stdout = stdout
    status, window = run(plan["old"], None)  # how long writing takes: the kills fall inside
    assert status == 0
    out = plan["out"]
    pristine = f"{plan['save']}/old"
    shutil.copytree(out, pristine)
    for i, fraction in enumerate(plan["delays"]):
        delay = fraction * window
        if os.path.exists(out):  # every trial starts from the old output (leftovers stay)
            shutil.rmtree(out)
        shutil.copytree(pristine, out)
        shutil.copytree(os.path.dirname(out), f"{plan['save']}/{i}/before", symlinks=True)
        status, _ = run(plan["new"], delay)
        shutil.copytree(os.path.dirname(out), f"{plan['save']}/{i}/after", symlinks=True)
        print(json.dumps({"trial": i, "delay": delay, "window": window,
                          "killed": os.WIFSIGNALED(status)}))
    assert run(plan["new"], None)[0] == 0  # a clean run afterwards removes every leftover
''')


def drive(tmp_path: Path, old, new, out: Path, delays, *, pause: float) -> list[dict]:
    plan = {"reference": [*new[:-1], str(tmp_path / "ref" / "out")], "old": old, "new": new,
            "out": str(out), "delays": delays, "pause": pause, "save": str(tmp_path / "trials")}
    (tmp_path / "ref").mkdir()
    proc = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(plan)], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def visible(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith("."))


@pytest.mark.slow
def test_killed_audit_leaves_the_old_or_the_new_output(tmp_path):
    out = tmp_path / "runs" / "out"
    common = ["audit", "--data", SPEC, "--model", "popularity", "--bootstrap", "10",
              "--permutations", "10", "--no-intersections", "--quiet"]
    rng = random.Random(13)
    # fractions of the write window: at the first write, seeded points inside, far past the end
    delays = [0.0, *(round(rng.uniform(0.05, 1.05), 3) for _ in range(TRIALS)), 3.0]
    trials = drive(tmp_path, [*common, "--seed", "3", "--report", "--out", str(out)],
                   [*common, "--seed", "4", "--force", "--out", str(out)], out, delays,
                   pause=0.03)
    new = files(tmp_path / "ref" / "out")
    assert json.loads(new["metrics.json"])["settings"]["seed"] == 4
    old = files(tmp_path / "trials" / "old")
    assert json.loads(old["metrics.json"])["settings"]["seed"] == 3 and "report.html" in old
    outcomes = []
    for t in trials:
        before = files(tmp_path / "trials" / str(t["trial"]) / "before" / "out")
        assert before == old
        after_root = tmp_path / "trials" / str(t["trial"]) / "after"
        after = files(after_root / "out")
        assert visible(after_root) == ["out"]
        assert after in (before, new), f"trial {t}: a mix of two runs or a cut file"
        json.loads(after["metrics.json"])  # parses
        outcomes.append("new" if after == new else "old")
    assert any(t["killed"] for t in trials)
    assert set(outcomes) == {"old", "new"}  # the kills fell before and after the swap
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # leftovers cleaned
    assert files(out) == new


@pytest.mark.slow
def test_killed_train_leaves_the_old_or_the_new_model(tmp_path):
    root = tmp_path / "runs"
    out = root / "model"
    common = ["train", "--data", SPEC, "--model", "itemknn", "--param", "neighbors=10",
              "--quiet", "--threads", "1"]
    rng = random.Random(7)
    # fractions of the write window: at the first write, seeded points inside, far past the end
    delays = [0.0, *(round(rng.uniform(0.05, 1.05), 3) for _ in range(TRIALS)), 3.0]
    trials = drive(tmp_path, [*common, "--seed", "1", "--out", str(out)],
                   [*common, "--seed", "2", "--force", "--out", str(out)], out, delays,
                   pause=0.03)
    ref = load_model(tmp_path / "ref" / "out")
    users = np.arange(ref.n_users_)
    ref_items = ref.recommend(users, 10)[0]
    outcomes = []
    for t in trials:
        trial = tmp_path / "trials" / str(t["trial"])
        before, after = trial / "before" / "model", trial / "after" / "model"
        assert visible(trial / "after") == ["model"]
        [entry] = list_saved_models(trial / "after")
        assert entry["error"] is None, entry["error"]
        if files(after) == files(before):
            outcomes.append("old")  # untouched
            continue
        outcomes.append("new")
        model = load_model(after)  # the new one: complete, checksums verified
        assert model.fingerprint_ == ref.fingerprint_ != load_model(before).fingerprint_
        np.testing.assert_array_equal(model.recommend(users, 10)[0], ref_items)
    assert any(t["killed"] for t in trials)
    assert set(outcomes) == {"old", "new"}
    assert sorted(p.name for p in root.iterdir()) == ["model"]


@pytest.fixture(autouse=True)
def _linux_only():
    if not hasattr(__import__("os"), "fork"):
        pytest.skip("fork() is needed to kill a warm child process")
