"""``python -m fairrec_core llm-audit`` through ``main()``: the prompts -> mock -> ingest /
audit pipeline writes files whose numbers equal the library's on the same inputs, ``query``
collects from a stub server and resumes from its cache, and bad input is one line naming the
file, line or field, exit 2, with nothing written."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from fairrec_core.cli import _llmaudit, main
from fairrec_core.data import load_dataset
from fairrec_core.llmaudit import (
    ANCHORS,
    SAMPLES,
    MockLLM,
    ground_responses,
    llm_audit,
    read_prompts,
    read_responses,
)

SPEC = "synthetic:users=120,items=80,interactions=2400,seed=3"
PROMPTS = ["llm-audit", "prompts", "--data", SPEC, "--attributes", "gender,region",
           "--users", "30", "--sample", "top", "--sample-size", "3", "--seed", "2", "--quiet"]
MOCK = ["llm-audit", "mock", "--data", SPEC, "--effect", "gender=F", "--samples", "3",
        "--seed", "1", "--quiet"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("llm")
    p, a = root / "prompts.jsonl", root / "answers.jsonl"
    assert main([*PROMPTS, "--out", str(p)]) == 0
    assert main([*MOCK, "--prompts", str(p), "--out", str(a)]) == 0
    common = ["--data", SPEC, "--prompts", str(p), "--responses", str(a), "--quiet"]
    assert main(["llm-audit", "ingest", *common, "--out", str(root / "ingest")]) == 0
    assert main(["llm-audit", "audit", *common, "--permutations", "200", "--seed", "4",
                 "--out", str(root / "audit")]) == 0
    return root


def test_files_equal_the_library(run):
    data = load_dataset(SPEC)
    prompts = read_prompts(run / "prompts.jsonl", data=data)
    assert len(prompts) == 30 * 9 and prompts.values("gender") == ["F", "M"]
    mock = MockLLM(data, effect={"gender": "F"}, strength=2.0, misspelling=0.1,
                   hallucination=0.05, seed=1)
    records = mock.answer(prompts, samples=3)
    lines = [json.loads(x) for x in (run / "answers.jsonl").read_text().splitlines()]
    assert lines == records
    answers = read_responses(run / "answers.jsonl", prompts)
    direct = llm_audit(data, prompts, answers, n_permutations=200, seed=4)
    summary = pd.read_csv(run / "audit" / "llm_audit.csv")
    pd.testing.assert_frame_equal(summary, direct.summary, check_dtype=False)
    values = pd.read_csv(run / "audit" / "llm_audit_values.csv")
    pd.testing.assert_frame_equal(values, direct.values, check_dtype=False)
    saved = json.loads((run / "audit" / "llm_audit.json").read_text())
    assert saved == json.loads(direct.files()["llm_audit.json"])
    html = (run / "audit" / "report.html").read_text()
    assert 'id="llm-audit"' in html and "SNSR" in html and html.count("figure-") >= 6


def test_ingest_equals_the_library(run):
    data = load_dataset(SPEC)
    prompts = read_prompts(run / "prompts.jsonl")
    g = ground_responses(data, prompts, read_responses(run / "answers.jsonl", prompts))
    grounded = pd.read_csv(run / "ingest" / "grounded.csv", keep_default_na=False,
                           na_values=[""], dtype={"item_id": object})
    assert list(grounded.columns) == list(g.titles.columns) and len(grounded) == len(g.titles)
    assert (grounded["grounded"] == g.titles["grounded"]).all()
    assert grounded["item_id"].fillna("").tolist() == g.titles["item_id"].fillna("").tolist()
    summary = json.loads((run / "ingest" / "grounding.json").read_text())
    assert summary["rate"] == pytest.approx(g.rate) and 0.9 < g.rate < 1.0
    by = pd.read_csv(run / "ingest" / "grounding.csv")
    assert by["grounded"].tolist() == g.by_group()["grounded"].tolist()


def test_light_choices_equal_the_library():
    assert _llmaudit.SAMPLES == SAMPLES and _llmaudit.ANCHORS == ANCHORS


def _lines(path, edit):
    text = path.read_text().splitlines()
    return "\n".join(edit(text)) + "\n"


def _bad_json_line(lines):
    return [lines[0], "{not json", *lines[2:]]


def _unknown_prompt(lines):
    rec = json.loads(lines[2])
    rec["prompt_id"] = "user:nobody|neutral"
    return [*lines[:2], json.dumps(rec), *lines[3:]]


def _no_response(lines):
    rec = json.loads(lines[0])
    del rec["response"]
    return [json.dumps(rec), *lines[1:]]


@pytest.mark.parametrize(("edit", "message"), [
    (_bad_json_line, "answers.jsonl: line 2: not valid JSON"),
    (_unknown_prompt, "answers.jsonl: line 3: unknown prompt id 'user:nobody|neutral' (not in "),
    (_no_response, "answers.jsonl: line 1: missing field 'response'"),
])
@pytest.mark.parametrize("action", ["audit", "ingest"])
def test_bad_answers_exit_2_with_one_line_and_nothing_written(run, tmp_path, capsys, edit,
                                                              message, action):
    bad = tmp_path / "answers.jsonl"
    bad.write_text(_lines(run / "answers.jsonl", edit))
    out = tmp_path / "o"
    code = main(["llm-audit", action, "--data", SPEC, "--prompts", str(run / "prompts.jsonl"),
                 "--responses", str(bad), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: ") and "\n" not in err
    assert message in err and str(bad) in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["answers.jsonl"]


def test_other_bad_input(run, tmp_path, capsys):
    p = str(run / "prompts.jsonl")
    cases = [
        (["llm-audit", "audit", "--data", SPEC, "--prompts", str(tmp_path / "none.jsonl"),
          "--responses", p, "--out", str(tmp_path / "o")], "none.jsonl: cannot read the file"),
        (["llm-audit", "audit", "--data", "synthetic:users=60,items=40,interactions=900",
          "--prompts", p, "--responses", str(run / "answers.jsonl"),
          "--out", str(tmp_path / "o")], "the prompts were made from another dataset"),
        (["llm-audit", "audit", "--data", SPEC, "--prompts", p, "--responses",
          str(run / "answers.jsonl"), "--attributes", "occupation", "--out",
          str(tmp_path / "o")], "--attributes 'occupation': the prompts ask with gender, region"),
        ([*MOCK, "--prompts", p, "--effect", "gender", "--out", str(tmp_path / "o.jsonl")],
         "--effect 'gender': expected ATTR=VALUE"),
        ([*MOCK, "--prompts", p, "--effect", "shoe=9", "--out", str(tmp_path / "o.jsonl")],
         "mock: effect on unknown user attribute 'shoe'"),
        ([*PROMPTS, "--attributes", "shoe", "--out", str(tmp_path / "o.jsonl")],
         "unknown user attribute 'shoe'"),
        ([*PROMPTS, "--out", p], "exists; pass --force"),
    ]
    for args, message in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and message in err and "\n" not in err, (args, err)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_an_audit_without_force(run, capsys):
    before = (run / "audit" / "llm_audit.csv").read_bytes()
    args = ["llm-audit", "audit", "--data", SPEC, "--prompts", str(run / "prompts.jsonl"),
            "--responses", str(run / "answers.jsonl"), "--out", str(run / "audit"), "--quiet"]
    assert main(args) == 2 and "--force" in capsys.readouterr().err
    assert (run / "audit" / "llm_audit.csv").read_bytes() == before


def test_query_collects_and_resumes_from_its_cache(run, server, tmp_path, capsys):
    """query against the stub server: 12 prompts x 2 samples; the first run fails after 5
    answers (HTTP 400): exit 2, no answers file, a cache of 5; the second run asks only the 19
    missing ones and writes all 24, readable by the audit's reader."""
    prompts = read_prompts(run / "prompts.jsonl")
    small = tmp_path / "p.jsonl"
    small.write_text("".join(r + "\n" for r in prompts.to_jsonl().splitlines()[:12]))
    out = tmp_path / "a.jsonl"
    args = ["llm-audit", "query", "--prompts", str(small), "--url", server.url, "--model",
            "stub-1", "--samples", "2", "--backoff", "0", "--out", str(out), "--quiet"]
    server.script = [200] * 5 + [400]
    assert main(args) == 2
    assert "HTTP 400" in capsys.readouterr().err and not out.exists()
    cache = tmp_path / "a.jsonl.cache.jsonl"
    assert len(cache.read_text().splitlines()) == 5
    assert main(args) == 0 and len(server.calls) == 6 + 19
    answers = read_responses(out, read_prompts(small))
    assert len(answers) == 24 and answers.model == "stub-1"
    assert "5 from the cache" in capsys.readouterr().out
