"""``python -m fairrec_core audit``: files written, gates, errors, re-ranking, saved models and
the round trip through exported lists."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import AuditContext
from fairrec_core.cli import main
from fairrec_core.data import load_dataset, split_dataset
from fairrec_core.models import MODELS, save_model, top_n

SPEC = "synthetic:users=300,items=120,interactions=6000,seed=1"
FAST = ["--bootstrap", "60", "--permutations", "60", "--quiet"]


def run(capsys, *args):
    code = main(["audit", "--data", SPEC, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit")
    assert main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(out),
                 "--seed", "3", "--k", "5", *FAST]) == 0
    return out


def test_writes_metrics_recommendations_and_test(first_run):
    metrics = json.loads((first_run / "metrics.json").read_text())
    assert metrics["k"] == 5
    assert set(metrics) >= {"overall", "groups", "gaps", "parity", "exposure", "popularity"}
    for m in ("ndcg", "recall", "precision", "hit_rate", "mrr", "map", "ild", "novelty", "arp",
              "aplt", "calibration_kl", "coverage", "gini_exposure"):
        assert f"{m}@5" in metrics["overall"]
    assert set(metrics["groups"]) >= {"gender", "age_group", "region"}
    assert metrics["settings"]["model"] == "popularity"
    # the same numbers as the engine run in-process on the same split and lists
    data = load_dataset(SPEC)
    split = split_dataset(data, test_size=0.2, seed=3)
    model = MODELS["popularity"]().fit(split.train)
    users = np.flatnonzero(split.test.user_counts > 0)
    lists = top_n(model, users, 5)
    result = AuditContext(split.train, split.test, k=5).audit(lists, n_bootstrap=60,
                                                              n_permutations=60, seed=3)
    assert metrics == json.loads(json.dumps(_with_settings(result.to_dict(), metrics)))
    recs = pd.read_csv(first_run / "recommendations.csv", dtype={"user_id": str, "item_id": str})
    assert list(recs.columns) == ["user_id", "rank", "item_id", "score"]
    expected = lists.to_frame(split.train)
    assert recs["user_id"].tolist() == expected["user_id"].astype(str).tolist()
    assert recs["item_id"].tolist() == expected["item_id"].astype(str).tolist()
    assert recs.groupby("user_id")["rank"].apply(list).map(lambda r: r == [1, 2, 3, 4, 5]).all()
    test = pd.read_csv(first_run / "test.csv", dtype=str)
    assert list(test.columns) == ["user_id", "item_id"]
    frame = split.test.interactions
    pairs = set(zip(data.user_vocab.lookup(frame["user"].to_numpy()).astype(str),
                    data.item_vocab.lookup(frame["item"].to_numpy()).astype(str), strict=True))
    assert set(zip(test["user_id"], test["item_id"], strict=True)) == pairs


def _with_settings(d, written):
    d["settings"] = written["settings"]
    return d


def test_round_trip_through_exported_lists(first_run, tmp_path, capsys):
    code, _, err = run(capsys, "--recommendations", str(first_run / "recommendations.csv"),
                       "--test", str(first_run / "test.csv"), "--k", "5", "--seed", "3",
                       "--out", str(tmp_path), *FAST)
    assert code == 0, err
    a = json.loads((first_run / "metrics.json").read_text())
    b = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("overall", "groups", "gaps", "parity", "exposure", "popularity"):
        assert a[key] == b[key], key
    assert b["settings"]["model"] == "imported lists"


def test_fail_on_exits_3_when_exceeded(tmp_path, capsys):
    code, out, err = run(capsys, "--model", "popularity", "--out", str(tmp_path), *FAST,
                         "--fail-on", "gender:ndcg:difference>-1",
                         "--fail-on", "region:category:difference>2")
    assert code == 3
    assert "fail-on: gender:ndcg:difference>-1" in err
    verdicts = json.loads((tmp_path / "metrics.json").read_text())["fail_on"]
    assert [v["failed"] for v in verdicts] == [True, False]
    gap = json.loads((tmp_path / "metrics.json").read_text())["gaps"]["gender"]["ndcg@10"]
    assert verdicts[0]["value"] == pytest.approx(gap["difference"])
    code, _, _ = run(capsys, "--model", "popularity", "--out", str(tmp_path), *FAST, "--force",
                     "--fail-on", "gender:ndcg@10:ratio<0")
    assert code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nope"], "--model 'nope': unknown model; available: popularity"),
        (["--model", "ease", "--param", "l2=lots"], "parameter l2='lots': expected a number"),
        (["--model", "ease", "--param", "depth=3"], "unknown parameter 'depth'"),
        (["--model", "popularity", "--groups", "gender,income"],
         "unknown user attribute 'income'"),
        (["--model", "popularity", "--fail-on", "gender:ndcg"], "--fail-on 'gender:ndcg': expected"),
        (["--model", "popularity", "--fail-on", "income:ndcg:difference>0.1"],
         "'income' is not audited"),
        (["--model", "popularity", "--fail-on", "gender:speed:difference>0.1"],
         "unknown metric 'speed'"),
        (["--model", "popularity", "--rerank", "magic:lambda=1"], "unknown re-ranker 'magic'"),
        (["--recommendations", "recs.csv"], "--recommendations needs --test"),
        (["--load", "/nonexistent/model"], "params.json is missing"),
        (["--model", "popularity", "--k", "0"], "--k must be at least 1"),
        (["--model", "popularity", "--fail-on", "gender & region:category:difference>0.1"],
         "parity is computed for single attributes, not intersections"),
        (["--model", "popularity", "--fail-on", "gender:category:p_value<0.1"],
         "parity has a difference and a ratio, no p-value"),
    ],
)
def test_errors_are_one_line(tmp_path, capsys, args, message):
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "out"), *FAST)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in err


def test_rerank_moves_its_target_and_keeps_the_candidates(tmp_path, capsys):
    base, tuned = tmp_path / "base", tmp_path / "tuned"
    common = ["--model", "popularity", "--seed", "4", *FAST]
    assert run(capsys, *common, "--out", str(base))[0] == 0
    code, _, err = run(capsys, *common, "--rerank", "calibrated:lambda=0.9",
                       "--candidates", "40", "--out", str(tuned))
    assert code == 0, err
    a = json.loads((base / "metrics.json").read_text())["overall"]["calibration_kl@10"]
    b = json.loads((tuned / "metrics.json").read_text())
    assert b["overall"]["calibration_kl@10"] < 0.8 * a
    assert b["settings"]["rerank"] == ["calibrated:lambda=0.9"]
    # every re-ranked item comes from the model's top 40
    data = load_dataset(SPEC)
    split = split_dataset(data, test_size=0.2, seed=4)
    model = MODELS["popularity"]().fit(split.train)
    users = np.flatnonzero(split.test.user_counts > 0)
    cand = top_n(model, users, 40).to_frame(split.train)
    recs = pd.read_csv(tuned / "recommendations.csv")
    allowed = set(zip(cand["user_id"].astype(str), cand["item_id"].astype(str), strict=True))
    got = set(zip(recs["user_id"].astype(str), recs["item_id"].astype(str), strict=True))
    assert got <= allowed and len(got) == len(recs)


def test_saved_model_gives_the_same_audit(tmp_path, capsys):
    data = load_dataset(SPEC)
    split = split_dataset(data, test_size=0.2, seed=42)
    model = MODELS["ease"](l2=50.0).fit(split.train)
    save_model(model, tmp_path / "ease", train=split.train)
    code, _, err = run(capsys, "--load", str(tmp_path / "ease"), "--out", str(tmp_path / "a"),
                       *FAST)
    assert code == 0, err
    code, _, _ = run(capsys, "--model", "ease", "--param", "l2=50", "--out",
                     str(tmp_path / "b"), *FAST)
    assert code == 0
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert a["overall"] == b["overall"] and a["gaps"] == b["gaps"]


def test_progress_goes_to_stderr(tmp_path, capsys):
    code = main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(tmp_path),
                 "--bootstrap", "10", "--permutations", "10"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "loading" in err and "auditing at k=10" in err and "wrote metrics.json" in err
    assert "ndcg@10" in out and "loading" not in out


# ---- --policy: the policy's gates, and scorecard.json / .md beside metrics.json ---------------
def _scorecard_of(folder, policy):
    from fairrec_core.scorecard import load_policy, scorecard

    metrics = json.loads((folder / "metrics.json").read_text())
    return scorecard(metrics, load_policy(policy))


def test_policy_fail_on_gates_and_the_scorecard_is_the_scorecard_commands(tmp_path, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text('fail_on = ["gender:ndcg:difference>-1", "region:ndcg:ratio<0"]\n')
    out = tmp_path / "out"
    code, _, err = run(capsys, "--model", "popularity", "--out", str(out), *FAST,
                       "--policy", str(policy))
    assert code == 3
    [line] = err.strip().splitlines()  # one line
    assert line.startswith("fail-on: gender:ndcg:difference>-1 (value ")
    assert "region" not in line
    metrics = json.loads((out / "metrics.json").read_text())
    assert [v["failed"] for v in metrics["fail_on"]] == [True, False]
    card = _scorecard_of(out, policy)
    assert json.loads((out / "scorecard.json").read_text()) == json.loads(
        json.dumps(card.to_dict()))
    assert [g["failed"] for g in card.gates] == [True, False] and card.failed
    # the same files as `scorecard --audit` writes from the audit's metrics.json
    written = {n: (out / n).read_text() for n in ("scorecard.json", "scorecard.md")}
    assert main(["scorecard", "--audit", str(out), "--policy", str(policy)]) == 3
    capsys.readouterr()
    assert written == {n: (out / n).read_text() for n in written}


@pytest.mark.parametrize("red_gates", [True, False])
def test_policy_fail_on_red_fails_exactly_when_a_verdict_is_red(tmp_path, capsys, red_gates):
    policy = tmp_path / "policy.toml"
    policy.write_text(f"fail_on_red = {str(red_gates).lower()}\n[metrics.ndcg]\nmax_gap = 0.0\n"
                      "[metrics.hit_rate]\nmax_gap = 0.0\n")
    out = tmp_path / "out"
    code, _, err = run(capsys, "--model", "popularity", "--out", str(out), *FAST,
                       "--policy", str(policy), "--seed", "3")
    card = _scorecard_of(out, policy)
    red = [c.attribute for c in card.cards if c.verdict == "red"]
    assert red  # a zero gap allowance makes some real gap red on this data
    assert code == (3 if red_gates else 0)
    if red_gates:
        [line] = err.strip().splitlines()
        assert line == f"fail-on: red verdict for {', '.join(red)} (fail_on_red in {policy})"
    else:
        assert err == ""
    assert (out / "scorecard.md").read_text() == card.to_markdown()


def test_policy_errors_are_one_line_before_any_work(tmp_path, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text('attributes = ["income"]\n')
    code, _, err = run(capsys, "--model", "popularity", "--out", str(tmp_path / "o"), *FAST,
                       "--policy", str(policy))
    assert code == 2 and err.strip() == (
        f"error: {policy}: attributes: 'income' is not audited; audited: gender, age_group, "
        "region, gender & age_group, gender & region, age_group & region (see --groups)")
    policy.write_text("significance = 2\n")
    code, _, err = run(capsys, "--model", "popularity", "--out", str(tmp_path / "o"), *FAST,
                       "--policy", str(policy))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "significance" in err
    assert not (tmp_path / "o").exists()
