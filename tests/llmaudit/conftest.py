"""The stub OpenAI-compatible server the client and command-line tests talk to: 127.0.0.1, a
random free port, a thread, shut down after each test. A fake clock counts the client's waits
(the server records the fake time each request arrives at), so nothing is timed."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FakeClock:
    """``clock()`` reads the time; ``sleep(s)`` records the wait and moves the time on."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Stub:
    """What the server does: ``script`` holds the status of each coming request (200 once it
    runs out); every request is recorded with the fake time it arrived at."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.script: list[int | tuple[int, dict]] = []
        self.calls: list[dict] = []
        self.lock = threading.Lock()


def _handler(stub: Stub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with stub.lock:
                stub.calls.append({"path": self.path, "body": body, "at": stub.clock(),
                                   "auth": self.headers.get("Authorization")})
                step = stub.script.pop(0) if stub.script else 200
            status, headers = step if isinstance(step, tuple) else (step, {})
            if status == 200:
                text = body["messages"][-1]["content"]
                payload = {"choices": [{"message": {"role": "assistant",
                                                    "content": f"1. echo {len(text)}"}}]}
            else:
                payload = {"error": {"message": "busy"}}
            data = json.dumps(payload).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def server():
    clock = FakeClock()
    stub = Stub(clock)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield stub
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
