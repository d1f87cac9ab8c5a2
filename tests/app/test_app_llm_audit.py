"""The LLM audit page in AppTest on the demo shop: prompts made on the page equal
``build_prompts`` with the same settings; the simulated LLM's answers audited on the page equal
``llm_audit`` run here, the planted attribute is the one the verdicts name; uploaded answers
are audited the same; a bad answers file is one error box naming its line; answers fetched
from a stub OpenAI-compatible server on 127.0.0.1 are cached, and a second fetch asks
nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from fairrec_app import keys, llm_results, llm_views
from tests.app.conftest import assert_ok, open_page

PAGE = "pages/10_LLM_audit.py"
USERS, SAMPLES, SHUFFLES, SEED = 120, 3, 200, 42
ATTRIBUTES = ["gender", "age_group", "region"]


@pytest.fixture(scope="module")
def expected():
    from fairrec_core.data import load_dataset
    from fairrec_core.llmaudit import MockLLM, build_prompts, llm_audit, responses_from_records

    data = load_dataset("demo")
    prompts = build_prompts(data, attributes=ATTRIBUTES, users=USERS, k=10, seed=SEED)
    records = MockLLM(data, effect={"gender": "F"}, strength=2.0, seed=SEED).answer(
        prompts, samples=SAMPLES)
    answers = responses_from_records(list(enumerate(records, start=1)), prompts)
    result = llm_audit(data, prompts, answers, k=10, n_permutations=SHUFFLES, seed=SEED)
    return data, prompts, records, result


def _click(at, label):
    next(b for b in at.button if b.label == label).click().run()
    assert_ok(at)
    return at


def _prompts(at):
    at.number_input(key=keys.widget("llm", "users")).set_value(USERS)
    return _click(at, llm_views.MAKE)


def _audit(at):
    at.number_input(key=keys.widget("llm", "shuffles")).set_value(SHUFFLES)
    return _click(at, llm_views.AUDIT)


def _summary(at):
    return next(d.value for d in at.main.dataframe if "SNSR (max − min)" in d.value.columns)


def test_simulated_answers_audited_on_the_page_equal_the_core(expected):
    _, prompts, _, result = expected
    at = _prompts(open_page(PAGE))
    pd.testing.assert_frame_equal(at.session_state[llm_views.PROMPTS].table, prompts.table)
    at.number_input(key=keys.widget("llm", "mock_samples")).set_value(SAMPLES)
    _click(at, llm_views.SIMULATE)
    assert not at.error, [e.value for e in at.error]
    _audit(at)
    mine = at.session_state[llm_views.RESULT]
    pd.testing.assert_frame_equal(mine.summary, result.summary)
    shown = _summary(at)
    np.testing.assert_allclose(shown["SNSR (max − min)"], result.summary["snsr"], rtol=1e-12)
    np.testing.assert_allclose(shown["p (SNSR)"], result.summary["p_snsr"], rtol=1e-12)
    # the verdicts, one per attribute, are the core result's in words; on the category mix
    # (the planted shift) gender, and only gender, is named as changing the answers
    for metric in ("jaccard", "category_divergence"):
        at.selectbox(key=keys.widget("llm", "metric")).set_value(metric).run()
        verdicts = [m.value for m in at.markdown if "Naming the user's" in m.value
                    or "No detectable effect" in m.value]
        assert verdicts == [f"**{llm_results.verdict(result, a, metric)}**" for a in ATTRIBUTES]
    assert verdicts[0].startswith("**Naming the user's gender changes the recommendations")
    assert all("No detectable effect" in v for v in verdicts[1:])
    assert len(at.get("plotly_chart")) == 3
    grounding = next(d.value for d in at.main.dataframe if "Asked as" in d.value.columns)
    np.testing.assert_allclose(grounding["Found in the catalogue"],
                               result.grounding()["rate"], rtol=1e-12)


def test_uploaded_answers_are_audited_the_same_and_a_bad_line_is_one_error(expected):
    from fairrec_core.llmaudit._jsonl import dumps_jsonl

    _, _, records, result = expected
    at = _prompts(open_page(PAGE))
    at.radio(key=keys.widget("llm", "source")).set_value(llm_views.SOURCES[1]).run()
    uploader = next(u for u in at.get("file_uploader") if u.label.startswith("Answers"))
    bad = dumps_jsonl(records[:2]) + "{not json\n"
    uploader.set_value(("answers.jsonl", bad.encode(), "application/jsonl"))
    at.run()
    _click(at, llm_views.USE)
    [error] = [e.value for e in at.error]
    assert "answers.jsonl" in error and "line 3" in error
    assert llm_views.ANSWERS not in at.session_state
    uploader = next(u for u in at.get("file_uploader") if u.label.startswith("Answers"))
    uploader.set_value(("answers.jsonl", dumps_jsonl(records).encode(), "application/jsonl"))
    at.run()
    _click(at, llm_views.USE)
    assert not at.error, [e.value for e in at.error]
    _audit(at)
    pd.testing.assert_frame_equal(at.session_state[llm_views.RESULT].summary, result.summary)


class _Catalogue(BaseHTTPRequestHandler):
    """Answers every chat request with three demo titles chosen from the prompt's length."""

    titles: list[str] = []
    calls: list[str] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["messages"][-1]["content"]
        type(self).calls.append(text)
        start = len(text) % (len(self.titles) - 3)
        content = "\n".join(f"{i + 1}. {t}" for i, t in enumerate(self.titles[start:start + 3]))
        data = json.dumps({"choices": [{"message": {"role": "assistant",
                                                    "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def catalogue_server(expected):
    _Catalogue.titles = expected[0].items["title"].astype(str).tolist()
    _Catalogue.calls = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Catalogue)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_server_answers_are_fetched_cached_and_audited(catalogue_server, tmp_path,
                                                       monkeypatch):
    monkeypatch.setenv("FAIRREC_CACHE", str(tmp_path))
    at = open_page(PAGE)
    at.number_input(key=keys.widget("llm", "users")).set_value(10)
    _click(at, llm_views.MAKE)
    prompts = at.session_state[llm_views.PROMPTS]
    at.radio(key=keys.widget("llm", "source")).set_value(llm_views.SOURCES[2]).run()
    at.text_input(key=keys.widget("llm", "url")).set_value(catalogue_server)
    at.text_input(key=keys.widget("llm", "model")).set_value("stub")
    at.number_input(key=keys.widget("llm", "server_samples")).set_value(1)
    at.number_input(key=keys.widget("llm", "rate")).set_value(100.0)
    _click(at, llm_views.FETCH)
    assert not at.error, [e.value for e in at.error]
    assert len(_Catalogue.calls) == len(prompts)
    assert sorted(_Catalogue.calls) == sorted(prompts.table["text"])
    answers = at.session_state[llm_views.ANSWERS]
    assert len(answers) == len(prompts) and answers.model == "stub"
    cache = llm_views.cache_path(catalogue_server, "stub", prompts)
    assert cache.is_file() and len(cache.read_text().splitlines()) == len(prompts)
    _click(at, llm_views.FETCH)  # everything from the cache now
    assert len(_Catalogue.calls) == len(prompts)
    _audit(at)
    assert at.session_state[llm_views.RESULT].grounded.rate == 1.0


def test_a_server_without_a_model_name_is_one_error_box(expected):
    at = _prompts(open_page(PAGE))
    at.radio(key=keys.widget("llm", "source")).set_value(llm_views.SOURCES[2]).run()
    _click(at, llm_views.FETCH)
    [error] = [e.value for e in at.error]
    assert "Model name" in error
    assert llm_views.ANSWERS not in at.session_state
