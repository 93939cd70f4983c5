"""The ``openai`` backend against a real HTTP server on 127.0.0.1, started inside the test.

The server answers from a script of canned behaviours (``ok``, ``500``, ``429``, ``hang`` ...)
and records every request it got, so each test can check what the client sent.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.errors import ConfigError, HarnessError
from harness.records import Article
from harness.summarizers import build
from harness.summarizers.openai import OpenAISummarizer, _retry_after
from http_helpers import send_json


class FakeServer:
    """A chat-completions server: ``script`` is consumed one behaviour per request."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer.lock:
                    outer.requests.append({"path": self.path, "body": body,
                                           "auth": self.headers.get("Authorization"),
                                           "time": time.monotonic()})
                    action = outer.script.pop(0) if outer.script else "ok"
                if action == "hang":
                    time.sleep(1.5)
                    return self._send(200, completion("late"))
                if action == "500":
                    return self._send(500, {"error": {"message": "overloaded"}})
                if action == "429":
                    return self._send(429, {"error": {"message": "slow down"}}, {"Retry-After": "0.3"})
                if action == "401":
                    return self._send(401, {"error": {"message": "bad key"}})
                if action == "400":
                    return self._send(400, {"error": {"message": "context length exceeded"}})
                user = body["messages"][-1]["content"]
                return self._send(200, completion("Summary of: " + user[-20:]))

            def _send(self, code, data, headers=None):
                send_json(self, code, data, headers)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(text):
    return {"id": "x", "model": "served-model", "system_fingerprint": "fp_test123",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}}


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


def arts(n=3):
    return [Article(id=f"a{i}", text="page", title=f"T{i}", body=f"Body number {i} of the article.")
            for i in range(n)]


def client(server, **kw):
    kw.setdefault("backoff", 0.01)
    return OpenAISummarizer(name="srv", model="m1", base_url=server.url, **kw)


def test_canned_answers_in_order_with_meta(server, monkeypatch):
    monkeypatch.setenv("TEST_KEY_VAR", "sk-secret-123")
    summ = client(server, api_key_env="TEST_KEY_VAR", concurrency=3, seed=7)
    out = summ.summarize(arts(5))
    assert [s.article_id for s in out] == ["a0", "a1", "a2", "a3", "a4"]
    assert out[2].text == "Summary of: er 2 of the article."
    m = out[0].meta
    assert m["system_fingerprint"] == "fp_test123" and m["prompt_tokens"] == 42
    assert m["new_tokens"] == 7 and m["truncated_tokens"] == 0 and m["attempts"] == 1
    assert m["input_chars_seen"] == len("Body number 0 of the article.")
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-secret-123"
    assert req["body"]["temperature"] == 0.0 and req["body"]["seed"] == 7
    assert req["body"]["model"] == "m1"
    # The key is read at request time and appears nowhere in the identity.
    assert "sk-secret-123" not in json.dumps(summ.identity()) and "sk-secret" not in repr(vars(summ))


def test_500_then_success_is_retried(server):
    server.script = ["500", "500"]
    out = client(server, concurrency=1).summarize(arts(1))
    assert out[0].text.startswith("Summary of") and out[0].meta["attempts"] == 3
    assert "error" not in out[0].meta


def test_429_honours_retry_after(server):
    server.script = ["429"]
    out = client(server, concurrency=1, backoff=0.0).summarize(arts(1))
    assert out[0].meta["attempts"] == 2
    gap = server.requests[1]["time"] - server.requests[0]["time"]
    assert gap >= 0.28  # Retry-After: 0.3 (not the 0-second backoff)


def test_hang_past_timeout_then_give_up(server):
    server.script = ["hang", "hang"]
    t = time.monotonic()
    out = client(server, concurrency=1, timeout=0.3, max_retries=1).summarize(arts(1))
    assert out[0].text == "" and "timed out" in out[0].meta["error"]
    assert out[0].meta["attempts"] == 2 and time.monotonic() - t < 1.4


def test_hang_then_success(server):
    server.script = ["hang"]
    out = client(server, concurrency=1, timeout=0.3, max_retries=2).summarize(arts(1))
    assert out[0].text and out[0].meta["attempts"] == 2


def test_bad_key_raises_at_once(server):
    server.script = ["401"]
    with pytest.raises(HarnessError, match="HTTP 401"):
        client(server, concurrency=1).summarize(arts(1))
    assert len(server.requests) == 1


def test_other_4xx_is_an_item_error_not_retried(server):
    server.script = ["400"]
    out = client(server, concurrency=1).summarize(arts(2))
    assert out[0].text == "" and "context length" in out[0].meta["error"]
    assert out[1].text and len(server.requests) == 2


def test_connection_refused_is_an_item_error():
    summ = OpenAISummarizer(name="x", model="m", base_url="http://127.0.0.1:9/v1", max_retries=1,
                            backoff=0.0, timeout=1)
    out = summ.summarize(arts(1))
    assert "connection failed" in out[0].meta["error"]


def test_max_input_chars_and_identity(server):
    summ = client(server, max_input_chars=10)
    out = summ.summarize(arts(1))
    assert out[0].meta["input_chars_seen"] == 10 and out[0].meta["truncated_chars"] == 19
    assert server.requests[0]["body"]["messages"][-1]["content"].endswith("Body numbe")
    assert summ.identity() != client(server, temperature=0.5).identity()


def test_config_checks():
    with pytest.raises(ConfigError, match="NAME"):
        OpenAISummarizer(name="x", model="m", api_key_env="sk-abc.def/123")
    with pytest.raises(ConfigError, match="unknown key"):
        build({"backend": "openai", "name": "x", "model": "m", "api_key": "sk-123"})
    assert _retry_after("2") == 2.0 and _retry_after(None) is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_secrets_refused_in_extra():
    with pytest.raises(ConfigError, match="secrets"):
        OpenAISummarizer(name="x", model="m", extra={"api_key": "sk-1"})
    assert OpenAISummarizer(name="x", model="m", extra={"top_p": 0.9}).identity()["extra"] == {"top_p": 0.9}
