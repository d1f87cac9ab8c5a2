"""The budget ledger: spending adds up, a release beyond the budget is refused before any noise,
the file names its dataset and keeps its budget; and the command line's private audit."""

from __future__ import annotations

import json

import pytest

from fairrec_core.cli import main
from fairrec_core.privacy import BudgetLedger, PrivacyError, private_release

SPEC = "synthetic:users=300,items=120,interactions=6000,seed=1"


def test_ledger_adds_up_and_refuses_beyond_the_budget(tmp_path, shop_ctx, shop_lists):
    path = tmp_path / "ledger.json"
    ledger = BudgetLedger(path, dataset="shop", epsilon=2.5)
    private_release(shop_ctx, shop_lists, epsilon=1.0, seed=0, ledger=ledger)
    private_release(shop_ctx, shop_lists, epsilon=1.0, seed=1, ledger=ledger)
    state = json.loads(path.read_text())
    assert [r["epsilon"] for r in state["releases"]] == pytest.approx([1.0, 1.0])
    assert state["spent"]["epsilon"] == pytest.approx(2.0)
    assert state["remaining"]["epsilon"] == pytest.approx(0.5)
    assert state["releases"][0]["what"] == "audit"
    assert state["releases"][0]["released"] == ("ndcg@10, recall@10, precision@10, hit_rate@10 "
                                                "by gender, age_group, region")
    before = path.read_text()
    reopened = BudgetLedger(path, dataset="shop")
    with pytest.raises(PrivacyError, match=r"epsilon 1 is beyond what remains \(epsilon 0.5 "
                                           r"of 2.5\); nothing was released"):
        private_release(shop_ctx, shop_lists, epsilon=1.0, seed=2, ledger=reopened)
    assert path.read_text() == before  # nothing charged
    private_release(shop_ctx, shop_lists, epsilon=0.5, seed=2, ledger=reopened)  # exactly the rest
    assert BudgetLedger(path, dataset="shop").remaining[0] == pytest.approx(0.0, abs=1e-9)


def test_ledger_belongs_to_one_dataset_and_keeps_its_budget(tmp_path):
    path = tmp_path / "ledger.json"
    BudgetLedger(path, dataset="shop", epsilon=3).charge(1.0, what="a")
    with pytest.raises(PrivacyError, match="ledger of 'shop', not of 'other'"):
        BudgetLedger(path, dataset="other")
    with pytest.raises(PrivacyError, match="cannot be changed"):
        BudgetLedger(path, dataset="shop", epsilon=30)
    with pytest.raises(PrivacyError, match="needs a budget"):
        BudgetLedger(tmp_path / "new.json", dataset="shop")
    memory = BudgetLedger(dataset="shop", epsilon=1, delta=1e-6)
    memory.charge(0.5, 5e-7, what="b", mechanism="gaussian")
    with pytest.raises(PrivacyError, match="delta"):
        memory.check(0.1, 1e-6)
    assert memory.to_dict()["remaining"] == pytest.approx({"epsilon": 0.5, "delta": 5e-7})


def test_cli_private_audit_writes_only_private_files(tmp_path, capsys):
    ledger = tmp_path / "ledger.json"
    args = ["audit", "--data", SPEC, "--model", "popularity", "--no-intersections", "--quiet",
            "--dp-epsilon", "1", "--dp-seed", "4", "--dp-metrics", "ndcg,recall"]
    out = tmp_path / "a"
    assert main([*args, "--out", str(out), "--dp-budget", "1.5", "--dp-ledger", str(ledger)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["groups.csv", "metrics.json"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["differentially_private"] is True
    assert set(metrics["overall"]) == {"ndcg@10", "recall@10"}
    assert metrics["privacy"]["ledger"]["remaining"]["epsilon"] == pytest.approx(0.5)
    # the same seed: the same figures as a second run into another folder (after the ledger)
    second = tmp_path / "b"
    capsys.readouterr()
    assert main([*args, "--out", str(second), "--dp-ledger", str(ledger)]) == 2
    err = capsys.readouterr().err
    assert "beyond what remains (epsilon 0.5 of 1.5); nothing was released" in err
    assert not second.exists()
    assert main([*args, "--out", str(second)]) == 0
    again = json.loads((second / "metrics.json").read_text())
    assert again["groups"] == metrics["groups"] and again["gaps"] == metrics["gaps"]


@pytest.mark.parametrize("extra,message", [
    (["--report"], "--report needs the non-private audit"),
    (["--dp-budget", "3"], "--dp-budget goes with --dp-ledger"),
])
def test_cli_refuses_what_a_private_audit_cannot_do(tmp_path, capsys, extra, message):
    code = main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(tmp_path / "o"),
                 "--dp-epsilon", "1", *extra])
    assert code == 2 and message in capsys.readouterr().err


def test_cli_dp_options_need_an_epsilon(tmp_path, capsys):
    code = main(["audit", "--data", SPEC, "--model", "popularity", "--out", str(tmp_path / "o"),
                 "--dp-ledger", str(tmp_path / "l.json")])
    assert code == 2 and "--dp-ledger goes with --dp-epsilon" in capsys.readouterr().err
