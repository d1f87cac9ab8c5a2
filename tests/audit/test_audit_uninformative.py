"""Groups whose label carries no information (the demo's "U", "Unknown", "unspecified") are shown
but left out of gaps and tests unless asked for; ratios against a reference group; the new
metrics.json keys beside every old one (issue 10)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fairrec_core.audit import UNINFORMATIVE, AuditContext
from fairrec_core.audit._groups import Grouping
from fairrec_core.cli import main
from fairrec_core.errors import DataError

#: Keys of gaps.<attr>.<metric> in metrics.json before issue 10: kept, with their meaning
#: (difference_ci95 is now the simultaneous interval, p_value the studentised test).
OLD_GAP_KEYS = {"difference", "difference_ci95", "ratio", "p_value", "flag", "max_group",
                "min_group", "n_groups", "vs_rest"}
NEW_GAP_KEYS = {"difference_ci95_simultaneous", "difference_ci95_percentile", "difference_se",
                "critical_value", "statistic", "p_value_studentised", "p_value_mc_se",
                "p_value_pair", "p_value_range", "min_detectable_gap", "excluded_groups",
                "pairwise", "reference"}


def frame(ctx, lists):
    users = ctx.user_metrics(lists)
    for attr in ("gender", "age_group"):
        users[attr] = ctx.train.user_groups(attr).to_numpy()[users["user"]]
    return users


def test_labels_that_carry_no_information():
    assert {"unknown", "unspecified", "u"} <= UNINFORMATIVE
    g = Grouping("gender", ("gender",), ("F", "M", "U", "Unknown", "unspecified"),
                 np.zeros(3, dtype=np.int64))
    assert g.uninformative.tolist() == [False, False, True, True, True]
    x = Grouping("gender & region", ("gender", "region"), ("F & North", "U & North",
                 "M & Unknown"), np.zeros(3, dtype=np.int64))
    assert x.uninformative.tolist() == [False, True, True]


@pytest.mark.parametrize("include", [False, True])
def test_summary_gap_leaves_out_or_includes_unspecified(shop_split, shop_lists, include):
    ctx = AuditContext(shop_split.train, shop_split.test, k=10, groups=["gender", "age_group"],
                       include_uninformative=include)
    users = frame(ctx, shop_lists)
    assert (users["gender"] == "U").sum() >= ctx.min_group_size  # U is large enough to compare
    s = ctx.summarize(shop_lists)
    kept = ["F", "M", "U"] if include else ["F", "M"]
    for metric in ("ndcg", "recall", "novelty"):
        means = users[users["gender"].isin(kept)].groupby("gender")[metric].mean()
        gap = s.gap("gender", f"{metric}@10")
        assert gap["difference"] == pytest.approx(means.max() - means.min())
        assert gap["n_groups"] == len(kept)
        assert {gap["max_group"], gap["min_group"]} <= set(kept)
    assert "U" in set(s.group_table("gender", "ndcg@10")["group"])  # always shown
    noted = any("gender=U" in n for n in s.notes)
    assert noted != include


def test_full_audit_leaves_out_unspecified_everywhere(shop_split, shop_lists):
    ctx = AuditContext(shop_split.train, shop_split.test, k=10, groups=["gender", "age_group"])
    result = ctx.audit(shop_lists, n_bootstrap=100, n_permutations=100, seed=1)
    pw = result.pairwise[result.pairwise["attribute"] == "gender"]
    assert set(pw["group_a"]) | set(pw["group_b"]) == {"F", "M"}
    x = result.pairwise[result.pairwise["attribute"] == "gender & age_group"]
    assert not any(g.startswith("U & ") for g in set(x["group_a"]) | set(x["group_b"]))
    rest = result.vs_rest[(result.vs_rest["attribute"] == "gender")]
    assert not rest.loc[rest["group"] == "U", "compared"].any()
    assert rest.loc[rest["group"] == "U", "p_value"].isna().all()
    entry = result.to_dict()["gaps"]["gender"]["ndcg@10"]
    assert entry["excluded_groups"] == {"U": "uninformative"}
    assert set(entry["vs_rest"]) == {"F", "M"}
    assert all("U" not in p["groups"] for p in entry["pairwise"])
    assert OLD_GAP_KEYS | NEW_GAP_KEYS <= set(entry)
    both = result.to_dict()["gaps"]["gender & age_group"]["ndcg@10"]
    assert all(reason in ("uninformative", "small") for reason in both["excluded_groups"].values())
    shown = result.groups[(result.groups["attribute"] == "gender & age_group")
                          & (result.groups["metric"] == "ndcg@10") & (result.groups["n_users"] > 0)]
    assert {g for g, r in both["excluded_groups"].items() if r == "uninformative"} == {
        g for g in shown["group"] if g.startswith("U & ")}
    # with the setting, U is compared like any group
    ctx_all = AuditContext(shop_split.train, shop_split.test, k=10, groups=["gender"],
                           include_uninformative=True)
    full = ctx_all.audit(shop_lists, n_bootstrap=0, n_permutations=100, seed=1)
    pw = full.pairwise[full.pairwise["metric"] == "ndcg@10"]
    assert len(pw) == 3 and "U" in set(pw["group_a"]) | set(pw["group_b"])


def test_reference_group_ratios_against_pandas(shop_split, shop_lists):
    ctx = AuditContext(shop_split.train, shop_split.test, k=10, groups=["gender", "age_group"],
                       intersections=False)
    users = frame(ctx, shop_lists)
    result = ctx.audit(shop_lists, n_bootstrap=0, n_permutations=0)
    compared = users[users["gender"] != "U"]["gender"].value_counts()
    default = compared.index[0]  # the largest compared group
    for chosen, reference in ((None, default), ({"gender": "F"}, "F")):
        if chosen:
            c = AuditContext(shop_split.train, shop_split.test, k=10,
                             groups=["gender", "age_group"], intersections=False,
                             reference=chosen)
            result = c.audit(shop_lists, n_bootstrap=0, n_permutations=0)
        for metric in ("ndcg", "novelty"):
            means = users.groupby("gender")[metric].mean()
            table = result.reference[(result.reference["attribute"] == "gender")
                                     & (result.reference["metric"] == f"{metric}@10")]
            assert set(table["reference"]) == {reference}
            expected = means / means[reference]
            got = table.set_index("group")["ratio"]
            pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(),
                                           check_names=False)
            flags = table.set_index("group")["flag"]
            for g in ("F", "M"):
                assert flags[g] == bool(expected[g] < 0.8 or expected[g] > 1.25)
            entry = result.to_dict()["gaps"]["gender"][f"{metric}@10"]["reference"]
            assert entry["group"] == reference
            assert entry["ratios"] == pytest.approx(expected.to_dict())
            assert set(entry["flags"]) == {"F", "M"}  # U: shown, not flagged
            assert result.gap("gender", f"{metric}@10")["reference_group"] == reference
    age = result.reference[result.reference["attribute"] == "age_group"]
    assert set(age["reference"]) == {users["age_group"].value_counts().index[0]}
    with pytest.raises(DataError, match="no such group"):
        AuditContext(shop_split.train, shop_split.test, reference={"gender": "X"})
    with pytest.raises(DataError, match="not audited"):
        AuditContext(shop_split.train, shop_split.test, groups=["gender"],
                     reference={"region": "North"})


def test_cli_flags(tmp_path, capsys):
    spec = "synthetic:users=400,items=120,interactions=8000,seed=2"
    fast = ["--bootstrap", "50", "--permutations", "50", "--quiet", "--no-intersections",
            "--model", "popularity", "--groups", "gender"]
    assert main(["audit", "--data", spec, *fast, "--out", str(tmp_path / "a"),
                 "--reference", "gender=F"]) == 0
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())["gaps"]["gender"]["ndcg@10"]
    assert a["reference"]["group"] == "F" and a["excluded_groups"] == {"U": "uninformative"}
    assert main(["audit", "--data", spec, *fast, "--out", str(tmp_path / "b"),
                 "--include-unspecified"]) == 0
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())["gaps"]["gender"]["ndcg@10"]
    assert b["excluded_groups"] == {} and b["n_groups"] == 3
    capsys.readouterr()
    assert main(["audit", "--data", spec, *fast, "--out", str(tmp_path / "c"),
                 "--reference", "gender"]) == 2
    assert "expected ATTR=GROUP" in capsys.readouterr().err
