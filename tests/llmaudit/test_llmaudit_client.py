"""The OpenAI-compatible client against a stub server on 127.0.0.1 (a random free port, a
thread, shut down after each test; never the network). A fake clock counts the waits, so the
rate limit and the backoff are checked exactly, without timing anything."""

from __future__ import annotations

import json

import pytest

from fairrec_core.errors import DataError
from fairrec_core.llmaudit import (
    ChatClient,
    LLMClientError,
    PromptSet,
    ResponseCache,
    build_prompts,
    responses_from_records,
)


def _client(stub, **kw) -> ChatClient:
    kw = {"model": "stub-1", "timeout": 5.0, "clock": stub.clock, "sleep": stub.clock.sleep,
          **kw}
    return ChatClient(stub.url, **kw)


@pytest.fixture(scope="module")
def prompts(demo):
    return build_prompts(demo, attributes=["gender"], users=2, sample="none", holdout=0.0)


def test_retries_on_429_and_500_then_succeeds(server):
    """429, 500, then 200: three requests, waits of 1 s and 2 s (backoff doubling)."""
    server.script = [429, 500]
    client = _client(server, backoff=1.0)
    assert client.complete("hello") == "1. echo 5"
    assert len(server.calls) == 3 and client.requests == 3
    assert server.clock.sleeps == [1.0, 2.0]
    call = server.calls[0]
    assert call["path"] == "/v1/chat/completions" and call["body"]["model"] == "stub-1"
    assert call["body"]["messages"] == [{"role": "user", "content": "hello"}]


def test_retry_after_is_honoured_within_the_cap(server):
    server.script = [(429, {"Retry-After": "7"}), (503, {"Retry-After": "500"})]
    client = _client(server, backoff=0.5, max_backoff=30.0)
    assert client.complete("x") == "1. echo 1"
    assert server.clock.sleeps == [7.0, 30.0]


def test_rate_limit_spaces_the_requests(server, prompts):
    """2 requests per second: the 6 requests (3 prompts x 2 samples) start at 0, 0.5, ..., 2.5
    on the server's (fake) clock — never two within half a second."""
    client = _client(server, requests_per_second=2.0)
    records = client.collect(_subset(prompts, 3), samples=2)
    assert len(records) == 6 and len(server.calls) == 6
    assert [c["at"] for c in server.calls] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    assert [r["sample"] for r in records] == [0, 1] * 3


def test_the_cache_resumes_and_a_second_run_asks_nothing(server, prompts, tmp_path):
    """The 4th request fails (HTTP 400, not retried): the run stops with one error line and the
    cache keeps the 3 answers it got. The next run asks only for the 3 missing ones; a third
    run makes no call at all and returns the same records, which read as an answers file."""
    cache_path = tmp_path / "answers.cache.jsonl"
    server.script = [200, 200, 200, 400]
    with pytest.raises(LLMClientError, match=r"HTTP 400 .*not retried"):
        _client(server).collect(_subset(prompts, 3), samples=2,
                                cache=ResponseCache(cache_path))
    assert len(ResponseCache(cache_path)) == 3 and len(server.calls) == 4
    first = _client(server).collect(_subset(prompts, 3), samples=2,
                                    cache=ResponseCache(cache_path))
    assert len(server.calls) == 7
    again = _client(server).collect(_subset(prompts, 3), samples=2,
                                    cache=ResponseCache(cache_path))
    assert len(server.calls) == 7 and again == first
    answers = responses_from_records(list(enumerate(first, 1)), prompts)
    assert answers.model == "stub-1" and answers.samples == 2


def test_a_torn_last_cache_line_is_dropped_and_cut(tmp_path):
    path = tmp_path / "c.jsonl"
    good = {"prompt_id": "p", "model": "m", "sample": 0, "response": "1. A"}
    path.write_text(json.dumps(good) + "\n" + '{"prompt_id": "q", "mod')
    cache = ResponseCache(path)
    assert len(cache) == 1 and cache.get("p", "m", 0) == good
    cache.add({**good, "sample": 1})
    assert [json.loads(x)["sample"] for x in path.read_text().splitlines()] == [0, 1]
    path.write_text('{"prompt_id": "q", "mod\n' + json.dumps(good) + "\n")
    with pytest.raises(DataError, match="line 1: not valid JSON"):
        ResponseCache(path)


def test_gives_up_with_one_clear_line(server):
    server.script = [503] * 10
    client = _client(server, retries=3, backoff=0.25)
    with pytest.raises(LLMClientError) as err:
        client.complete("x")
    message = str(err.value)
    assert message == (f"{server.url}/v1/chat/completions: no answer after 4 attempts "
                       "(last: HTTP 503 Service Unavailable)")
    assert len(server.calls) == 4 and server.clock.sleeps == [0.25, 0.5, 1.0]


def test_unreachable_server_and_bad_urls(server):
    port = server.url.rsplit(":", 1)[1]
    closed = ChatClient("http://127.0.0.1:1", model="m", retries=1, backoff=0.0, timeout=2.0)
    with pytest.raises(LLMClientError, match="no answer after 2 attempts"):
        closed.complete("x")
    for bad in ("file:///etc/passwd", "ftp://host/x", "localhost:8000"):
        with pytest.raises(LLMClientError, match="expected an http:// or https:// address"):
            ChatClient(bad, model="m")
    assert ChatClient(f"http://127.0.0.1:{port}/v1", model="m").url.endswith(
        "/v1/chat/completions")


def test_key_seed_and_options_are_sent(server):
    client = _client(server, api_key="k-123", seed=10, temperature=0.7, max_tokens=50,
                     system="You recommend movies.")
    client.complete("x", sample=3)
    call = server.calls[0]
    assert call["auth"] == "Bearer k-123"
    assert call["body"]["seed"] == 13 and call["body"]["temperature"] == 0.7
    assert call["body"]["max_tokens"] == 50
    assert call["body"]["messages"][0] == {"role": "system", "content": "You recommend movies."}


def _subset(prompts, n: int):
    """The first ``n`` prompts as a prompt set."""
    return PromptSet(prompts.table.head(n).reset_index(drop=True), prompts.dataset,
                     prompts.holdout)
