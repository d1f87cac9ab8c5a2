"""Asking an OpenAI-compatible chat server (``POST /v1/chat/completions``: a local server a
team runs, or a hosted one) for the answers, with the standard library only (``urllib``).

- Rate limit: at most ``requests_per_second`` request starts per second (retries included):
  each start waits until ``1 / requests_per_second`` after the previous one.
- Retries: HTTP 408, 409, 425, 429, 500, 502, 503, 504 and connection failures or timeouts are
  retried up to ``retries`` times, waiting ``backoff · 2^attempt`` seconds (at most
  ``max_backoff``), or the server's ``Retry-After`` seconds when it says so (within the same
  cap). Any other status fails at once. After the last retry: one :class:`LLMClientError` line
  naming the endpoint, the attempts and the last failure.
- Cache: with a :class:`~fairrec_core.llmaudit.ResponseCache` each answer is written as it
  arrives and a cached ``(prompt_id, model, sample)`` is never asked again, so a second run
  resumes where the first stopped.

``clock`` and ``sleep`` are injectable (tests pass a fake clock, so waits are counted, not
timed).
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from fairrec_core.data._values import clipped
from fairrec_core.errors import FairrecError

#: Statuses worth asking again (overload, rate limiting, server hiccups).
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
ENDPOINT = "/v1/chat/completions"

E_URL = "{url}: expected an http:// or https:// address of an OpenAI-compatible server"
E_GAVE_UP = "{url}: no answer after {attempts} attempts (last: {last})"
E_STATUS = "{url}: HTTP {status} ({reason}); not retried"
E_BODY = "{url}: the reply is not an OpenAI chat completion ({why})"


class LLMClientError(FairrecError, RuntimeError):
    """The server could not be asked, or gave no usable answer."""


def endpoint_of(url: str) -> str:
    """``http://host:8000`` -> ``http://host:8000/v1/chat/completions`` (a full endpoint, or a
    base ending in ``/v1``, is kept as it is meant)."""
    u = str(url).strip()
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LLMClientError(E_URL.format(url=clipped(u, 80)))
    if u.rstrip("/").endswith("/chat/completions"):
        return u.rstrip("/")
    if u.rstrip("/").endswith("/v1"):
        return u.rstrip("/") + "/chat/completions"
    return u.rstrip("/") + ENDPOINT


class ChatClient:
    """A client of one model at one server (see the module docstring)."""

    def __init__(self, url: str, *, model: str, api_key: str | None = None,
                 requests_per_second: float | None = None, retries: int = 5,
                 backoff: float = 1.0, max_backoff: float = 60.0, timeout: float = 60.0,
                 temperature: float | None = 1.0, max_tokens: int | None = None,
                 seed: int | None = None, system: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if requests_per_second is not None and requests_per_second <= 0:
            raise LLMClientError("requests per second must be > 0")
        if retries < 0 or backoff < 0 or timeout <= 0:
            raise LLMClientError("retries and backoff must be >= 0, timeout > 0")
        self.url = endpoint_of(url)
        self.model, self.api_key = str(model), api_key
        self.requests_per_second, self.retries = requests_per_second, int(retries)
        self.backoff, self.max_backoff, self.timeout = float(backoff), float(max_backoff), timeout
        self.temperature, self.max_tokens, self.seed, self.system = (
            temperature, max_tokens, seed, system)
        self.clock, self.sleep = clock, sleep
        # a server on this machine is asked directly, never through a proxy from the environment
        host = urlsplit(self.url).hostname or ""
        local = host in ("localhost", "::1") or host.startswith("127.")
        self._opener = urllib.request.build_opener(
            *([urllib.request.ProxyHandler({})] if local else []))
        self.requests = 0
        self._next = None

    def _wait_turn(self) -> None:
        if self.requests_per_second is None:
            return
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 1.0 / self.requests_per_second

    def _body(self, text: str, sample: int) -> bytes:
        messages = ([{"role": "system", "content": self.system}] if self.system else []) + [
            {"role": "user", "content": text}]
        body = {"model": self.model, "messages": messages}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.seed is not None:
            body["seed"] = self.seed + sample
        return json.dumps(body).encode("utf-8")

    def _post(self, data: bytes) -> bytes:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        with self._opener.open(request, timeout=self.timeout) as reply:
            return reply.read()

    def complete(self, text: str, *, sample: int = 0) -> str:
        """The model's answer to the user message ``text`` (sample ``sample``: the seed sent,
        when ``seed`` is set, is ``seed + sample``)."""
        data = self._body(text, sample)
        last = ""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.requests += 1
            wait = min(self.max_backoff, self.backoff * 2 ** attempt)
            try:
                raw = self._post(data)
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRY_STATUSES:
                    raise LLMClientError(E_STATUS.format(url=self.url, status=exc.code,
                                                         reason=clipped(exc.reason, 60))) from None
                last = f"HTTP {exc.code} {clipped(exc.reason, 40)}"
                after = exc.headers.get("Retry-After") if exc.headers else None
                if after and after.strip().isdigit():
                    wait = min(self.max_backoff, float(after))
            except (urllib.error.URLError, TimeoutError, ConnectionError,
                    http.client.HTTPException) as exc:
                last = clipped(getattr(exc, "reason", exc), 60)
            else:
                return self._content(raw)
            if attempt < self.retries:
                self.sleep(wait)
        raise LLMClientError(E_GAVE_UP.format(url=self.url, attempts=self.retries + 1,
                                              last=last))

    def _content(self, raw: bytes) -> str:
        try:
            body = json.loads(raw.decode("utf-8"))
            content = body["choices"][0]["message"]["content"]
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LLMClientError(E_BODY.format(url=self.url, why=clipped(exc, 50))) from None
        except (KeyError, IndexError, TypeError):
            raise LLMClientError(E_BODY.format(url=self.url,
                                               why="no choices[0].message.content")) from None
        if not isinstance(content, str):
            raise LLMClientError(E_BODY.format(url=self.url, why="content is not text"))
        return content

    def collect(self, prompts, *, samples: int = 1, cache=None,
                progress: Callable[[int, int], None] | None = None) -> list[dict]:
        """The answer records (``prompt_id, model, sample, response``) of every prompt of
        ``prompts`` ``samples`` times, in prompt order: from ``cache`` where it has them, else
        asked (and added to ``cache``). ``progress(done, total)`` after each."""
        if samples < 1:
            raise LLMClientError("samples must be >= 1")
        rows = list(prompts.table[["prompt_id", "text"]].itertuples(index=False))
        total = len(rows) * samples
        out = []
        for pid, text in rows:
            for s in range(samples):
                rec = cache.get(pid, self.model, s) if cache is not None else None
                if rec is None:
                    rec = {"prompt_id": pid, "model": self.model, "sample": s,
                           "response": self.complete(text, sample=s)}
                    if cache is not None:
                        cache.add(rec)
                out.append(rec)
                if progress is not None:
                    progress(len(out), total)
        return out
