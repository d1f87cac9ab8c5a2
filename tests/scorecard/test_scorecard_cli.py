"""``python -m fairrec_core scorecard`` end to end on the demo shop: ``audit --out`` then
``scorecard``; the figures are metrics.json's, the Markdown shows the JSON's numbers, gates exit 3,
bad inputs are one line and exit 2."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from fairrec_core.cli import main
from fairrec_core.scorecard import who

FAST = ["--bootstrap", "100", "--permutations", "100", "--quiet"]


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sc") / "audit"
    assert main(["audit", "--data", "demo", "--model", "popularity", "--out", str(out),
                 *FAST]) == 0
    return out


@pytest.fixture(scope="module")
def default_run(audit_dir):
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["scorecard", "--audit", str(audit_dir)])
    return code, buf.getvalue(), json.loads((audit_dir / "scorecard.json").read_text()), \
        (audit_dir / "scorecard.md").read_text()


def _num(x, digits=3):
    return f"{x:.{digits}f}".replace("-", "\N{MINUS SIGN}")


def test_writes_json_and_markdown_and_prints_the_markdown(default_run):
    code, out, card, md = default_run
    assert code == 0  # the default policy does not gate
    assert out == md and md.startswith("# Fairness scorecard (k = 10)")
    assert [c["attribute"] for c in card["cards"]] == ["gender", "age_group", "region"]
    assert card["policy"]["source"] == "default policy"


def test_figures_are_those_of_metrics_json_and_the_verdict_follows_them(audit_dir, default_run):
    metrics = json.loads((audit_dir / "metrics.json").read_text())
    for c in default_run[2]["cards"]:
        (ch,) = c["checks"]
        g = metrics["gaps"][c["attribute"]]["ndcg@10"]
        assert ch["gap"] == g["difference"] and ch["gap_ci"] == g["difference_ci95"]
        assert ch["p_value_pair"] == g["p_value_pair"]
        assert ch["min_detectable_gap"] == g["min_detectable_gap"]
        lo, hi = g["difference_ci95"]
        real = g["p_value_pair"] < 0.05
        if real != (lo > 0 or hi < 0):
            expected = "amber"
        elif real:
            ratios = [min(r, 1 / r) for grp, r in g["reference"]["ratios"].items()
                      if grp in g["reference"]["flags"]]
            expected = "red" if g["difference"] > 0.02 or min(ratios) < 0.8 else "amber"
        else:
            expected = "green" if g["min_detectable_gap"] <= 0.02 and min(
                min(r, 1 / r) for grp, r in g["reference"]["ratios"].items()
                if grp in g["reference"]["flags"]) >= 0.8 else "amber"
        assert c["verdict"] == expected
        # the sentence: the gap relative to the better-served group's mean
        better = metrics["groups"][c["attribute"]][g["max_group"]]["ndcg@10"]
        pct = [round(100 * x / better) for x in (g["difference"], lo, hi)]
        worse, better_words = (who(c["attribute"], g[k]) for k in ("min_group", "max_group"))
        assert c["sentence"].startswith(
            f"{worse[:1].upper() + worse[1:]} get {pct[0]}% less accurate recommendations than "
            f"{better_words} [{_num(pct[1], 0)}%, {_num(pct[2], 0)}%]")


def test_markdown_shows_the_numbers_of_the_json(default_run):
    _, _, card, md = default_run
    rows = {r.split("|")[1].strip(): [x.strip() for x in r.split("|")[1:-1]]
            for r in md.splitlines() if r.startswith("| ") and "Attribute" not in r}
    for c in card["cards"]:
        (ch,) = c["checks"]
        row = rows[c["attribute"]]
        assert row[4] == f"{_num(ch['gap'])} [{_num(ch['gap_ci'][0])}, {_num(ch['gap_ci'][1])}]"
        p = ch["p_value_pair"]
        assert row[5] == ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")
        assert row[6] == _num(ch["min_detectable_gap"])
        assert row[7] == (f"{_num(ch['worst_ratio'], 2)} ({ch['worst_ratio_group']} vs "
                          f"{ch['reference_group']})")
        assert c["verdict"] in row[2]
        assert f"**{c['sentence']}**" in md and c["next_step"] in md


def test_policy_gates_exit_3_and_previous_audit_changes(audit_dir, tmp_path, capsys):
    policy = tmp_path / "p.toml"
    policy.write_text('fail_on = ["gender:ndcg:difference>0"]\n')
    assert main(["scorecard", "--audit", str(audit_dir), "--policy", str(policy)]) == 3
    card = json.loads((audit_dir / "scorecard.json").read_text())
    assert card["failed"] and card["fail_on"][0]["failed"]
    policy.write_text("fail_on_red = true\n[metrics.ndcg]\nmax_gap = 0.0\n")
    code = main(["scorecard", "--audit", str(audit_dir), "--policy", str(policy)])
    card = json.loads((audit_dir / "scorecard.json").read_text())
    assert code == (3 if any(c["verdict"] == "red" for c in card["cards"]) else 0)
    # previous: an older audit whose gender gap was 0.01 smaller
    old = tmp_path / "old"
    old.mkdir()
    metrics = json.loads((audit_dir / "metrics.json").read_text())
    now = metrics["gaps"]["gender"]["ndcg@10"]["difference"]
    metrics["gaps"]["gender"]["ndcg@10"]["difference"] = now - 0.01
    (old / "metrics.json").write_text(json.dumps(metrics))
    capsys.readouterr()
    assert main(["scorecard", "--audit", str(audit_dir), "--previous", str(old)]) == 0
    change = json.loads((audit_dir / "scorecard.json").read_text())["cards"][0]["changes"]
    assert change["ndcg@10"]["then"] == now - 0.01 and change["ndcg@10"]["now"] == now
    assert f"{_num(now - 0.01)} → {_num(now)} (+0.010)" in capsys.readouterr().out


def test_audit_force_may_replace_a_folder_holding_a_scorecard(audit_dir, tmp_path, default_run):
    copy = tmp_path / "copy"
    shutil.copytree(audit_dir, copy)
    assert (copy / "scorecard.json").exists()
    assert main(["audit", "--data", "demo", "--model", "popularity", "--out", str(copy),
                 "--force", "--bootstrap", "20", "--permutations", "20", "--quiet"]) == 0
    assert not (copy / "scorecard.json").exists()  # a new audit drops the stale scorecard


@pytest.mark.parametrize("case", ["no_folder", "no_metrics", "bad_json", "not_an_audit",
                                  "bad_policy"])
def test_bad_inputs_are_one_line_and_exit_2(tmp_path, audit_dir, capsys, case):
    folder = tmp_path / "a"
    args = ["scorecard", "--audit", str(folder)]
    expected = {"no_folder": "not a folder", "no_metrics": "no metrics.json",
                "bad_json": "not valid JSON", "not_an_audit": "with 'k' and 'gaps'",
                "bad_policy": "p.toml: metrics.ndcg.min_ratio: expected"}[case]
    if case != "no_folder":
        folder.mkdir()
    if case in ("bad_json", "not_an_audit"):
        (folder / "metrics.json").write_text("{" if case == "bad_json" else '{"k": 10}')
    if case == "bad_policy":
        shutil.copy(audit_dir / "metrics.json", folder / "metrics.json")
        (tmp_path / "p.toml").write_text("[metrics.ndcg]\nmin_ratio = 2\n")
        args += ["--policy", str(tmp_path / "p.toml")]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err
    assert re.search("Traceback", err) is None
    assert not (folder / "scorecard.json").exists()
