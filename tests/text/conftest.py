"""Fixtures of the text tests: one thread, an embedding cache folder of the session, the real
encoder loaded once with the network blocked, and a fake encoder for the cache's bookkeeping."""

from __future__ import annotations

import hashlib
import socket

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def one_thread():
    from fairrec_core.models import limit_threads

    with limit_threads(1):
        yield


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory):
    from fairrec_core.text import CACHE_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("embeddings")))
        yield


class NetworkBlocked:
    """Makes every outgoing connection fail, and records that one was tried."""

    def __init__(self, mp: pytest.MonkeyPatch):
        self.attempts: list[str] = []

        def refuse(*args, **kwargs):
            self.attempts.append(repr(args[:2])[:80])
            raise OSError("network access is blocked in this test")

        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
            mp.delenv(key, raising=False)  # the encoder must set them itself


@pytest.fixture(scope="session")
def offline():
    """The real encoder, created and loaded with the network blocked: ``(encoder, attempts,
    environment seen after loading)``."""
    import os

    from fairrec_core.text import TextEncoder

    with pytest.MonkeyPatch.context() as mp:  # the block ends with the loading
        blocked = NetworkBlocked(mp)
        encoder = TextEncoder().load()
        env = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    return encoder, blocked.attempts, env


@pytest.fixture(scope="session")
def encoder(offline):
    return offline[0]


class FakeEncoder:
    """An encoder with the real one's interface: a deterministic unit vector per text (from its
    sha256), counting its calls."""

    dim = 8
    fingerprint = "fake-model"

    def __init__(self):
        self.calls: list[int] = []

    def encode(self, texts, *, progress=None):
        self.calls.append(len(texts))
        out = np.array([np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8)
                        for t in texts], dtype=np.float32).reshape(len(texts), 8) + 1.0
        if progress is not None:
            progress(len(texts), len(texts))
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def fake():
    return FakeEncoder()
