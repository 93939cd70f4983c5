"""The ``openai`` backend: any OpenAI-compatible ``/v1/chat/completions`` server (vLLM, llama.cpp's
server, Ollama, TGI, hosted APIs), with the standard library only.

Config keys (= :class:`OpenAISummarizer` parameters)::

    {backend: openai, name: local-llama, base_url: "http://127.0.0.1:8080/v1", model: llama-3-8b,
     api_key_env: OPENAI_API_KEY, concurrency: 4, timeout: 60, max_retries: 4}

- The API key is read from the environment variable named by ``api_key_env`` when a request is
  sent; it is never stored on the object, in :meth:`OpenAISummarizer.identity` or in results.
- Retries: 408, 409, 429 and 5xx answers, timeouts and connection errors are retried up to
  ``max_retries`` times, waiting ``Retry-After`` when the server sends it (capped at
  ``max_backoff``), else ``backoff * 2**attempt`` seconds.
- Failures: a 401, 403 or 404 means the configuration is wrong (key, URL, model name) and raises
  :class:`~harness.errors.HarnessError` at once. Any other failure after the retries (and other 4xx,
  e.g. a context-length 400) gives that article an empty summary with ``meta["error"]`` (the
  pipeline marks it unscored, and the generation cache does not store it).
- ``meta``: ``prompt_tokens``, ``new_tokens`` (from the server's ``usage``), ``truncated_tokens``
  (None: unknown without the server's tokenizer; 0 when nothing was cut), ``input_chars_seen``
  (``max_input_chars`` cuts the body), ``seconds``, ``attempts``, ``finish_reason``,
  ``system_fingerprint`` and ``served_model``.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from ..errors import ConfigError, HarnessError
from ..records import Article, Summary
from .hf import CHAT_PROMPT

_RETRY_STATUS = {408, 409, 429}
_FATAL_STATUS = {401, 403, 404}


class EndpointError(HarnessError):
    """The server refused the configuration (bad key, URL or model name)."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class OpenAISummarizer:
    """Summaries from an OpenAI-compatible chat-completions endpoint."""

    def __init__(self, name: str, model: str, base_url: str = "http://127.0.0.1:8000/v1",
                 api_key_env: str | None = None, prompt: str = CHAT_PROMPT,
                 system_prompt: str | None = None, max_tokens: int = 256, temperature: float = 0.0,
                 seed: int | None = 0, max_input_chars: int | None = None, concurrency: int = 4,
                 timeout: float = 60.0, max_retries: int = 4, backoff: float = 1.0,
                 max_backoff: float = 60.0, extra: dict[str, Any] | None = None):
        """
        name: the model's name in the run. model: the server's model name. base_url: up to and
        including ``/v1``. api_key_env: name of the environment variable with the key (sent as a
        Bearer token; none when unset). prompt: user message template with ``{title}`` and
        ``{text}``. max_tokens, temperature (0: greedy), seed: sent with every request.
        max_input_chars: cut the body to this many characters (accounted in meta). concurrency:
        requests in flight. timeout: seconds per request. max_retries, backoff, max_backoff: the
        retry policy. extra: more request fields (e.g. ``top_p``), part of the identity.
        """
        if "{text}" not in prompt:
            raise ConfigError(f"models.{name}.prompt: the template must contain {{text}}")
        if int(concurrency) < 1:
            raise ConfigError(f"models.{name}.concurrency: must be >= 1")
        if api_key_env is not None and not str(api_key_env).replace("_", "").isalnum():
            raise ConfigError(f"models.{name}.api_key_env: give the NAME of an environment variable, "
                              "not the key itself")
        for key in extra or {}:
            if re.search(r"api[_-]?key|authori[sz]ation|secret|password", str(key), re.I):
                raise ConfigError(f"models.{name}.extra.{key}: secrets do not belong in the config "
                                  "(they would be written to results); use api_key_env")
        self.name = name
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self.prompt = prompt
        self.system_prompt = system_prompt
        self.max_tokens = int(max_tokens)
        self.temperature = float(temperature)
        self.seed = seed
        self.max_input_chars = max_input_chars
        self.concurrency = int(concurrency)
        self.batch_size = max(8, self.concurrency * 2)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.extra = dict(extra or {})

    def identity(self) -> dict[str, Any]:
        """Endpoint, model name, prompt and sampling settings (never the key)."""
        return {
            "backend": "openai", "base_url": self.base_url, "model": self.model,
            "prompt": self.prompt, "system_prompt": self.system_prompt,
            "max_tokens": self.max_tokens, "temperature": self.temperature, "seed": self.seed,
            "max_input_chars": self.max_input_chars, "extra": self.extra,
        }

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """Summaries in the order of ``articles``, ``concurrency`` requests at a time."""
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self._one, articles))

    # ------------------------------------------------------------ one article
    def _request_body(self, article: Article) -> tuple[dict[str, Any], int, int]:
        body = article.body if article.body is not None else article.text
        seen = len(body) if self.max_input_chars is None else min(len(body), int(self.max_input_chars))
        user = self.prompt.replace("{title}", article.title).replace("{text}", body[:seen])
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        messages.append({"role": "user", "content": user})
        payload: dict[str, Any] = {"model": self.model, "messages": messages,
                                   "max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.seed is not None:
            payload["seed"] = self.seed
        payload.update(self.extra)
        return payload, seen, len(body) - seen

    def _one(self, article: Article) -> Summary:
        payload, seen, cut_chars = self._request_body(article)
        start = time.perf_counter()
        attempts, last_error = 0, ""
        while True:
            attempts += 1
            try:
                data = self._post(payload)
                break
            except _Retryable as exc:
                last_error = str(exc)
                if attempts > self.max_retries:
                    meta = {"error": f"{last_error} (gave up after {attempts} attempts)",
                            "attempts": attempts, "seconds": round(time.perf_counter() - start, 4),
                            "input_chars_seen": seen}
                    return Summary(self.name, article.id, "", meta)
                wait = exc.retry_after if exc.retry_after is not None else self.backoff * 2 ** (attempts - 1)
                time.sleep(min(max(wait, 0.0), self.max_backoff))
            except _ItemError as exc:
                meta = {"error": str(exc), "attempts": attempts, "input_chars_seen": seen,
                        "seconds": round(time.perf_counter() - start, 4)}
                return Summary(self.name, article.id, "", meta)
        seconds = time.perf_counter() - start
        choice = (data.get("choices") or [{}])[0]
        text = ((choice.get("message") or {}).get("content") or "").strip()
        usage = data.get("usage") or {}
        meta: dict[str, Any] = {
            "prompt_tokens": usage.get("prompt_tokens"), "new_tokens": usage.get("completion_tokens"),
            "truncated_tokens": 0 if cut_chars == 0 else None, "truncated_chars": cut_chars,
            "input_chars_seen": seen, "seconds": round(seconds, 4), "attempts": attempts,
            "finish_reason": choice.get("finish_reason"),
            "system_fingerprint": data.get("system_fingerprint"), "served_model": data.get("model"),
        }
        if not text:
            meta["error"] = f"empty summary (finish_reason {choice.get('finish_reason')!r})"
        return Summary(self.name, article.id, text, meta)

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(f"{self.base_url}/chat/completions", method="POST",
                                     data=json.dumps(payload).encode("utf-8"), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if exc.code in _FATAL_STATUS:
                raise EndpointError(f"models.{self.name}: {self.base_url} answered HTTP {exc.code} "
                                    f"({detail}); check base_url, model and api_key_env") from None
            if exc.code in _RETRY_STATUS or exc.code >= 500:
                raise _Retryable(f"HTTP {exc.code}: {detail}",
                                 _retry_after(exc.headers.get("Retry-After"))) from None
            raise _ItemError(f"HTTP {exc.code}: {detail}") from None
        except (TimeoutError, socket.timeout) as exc:
            raise _Retryable(f"timed out after {self.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _Retryable(f"timed out after {self.timeout:g} s") from exc
            raise _Retryable(f"connection failed: {exc.reason}") from exc
        except (ConnectionError, OSError) as exc:
            raise _Retryable(f"connection failed: {exc}") from exc
        try:
            data = json.loads(raw)
        except ValueError:
            raise _ItemError(f"the server's answer is not JSON: {raw[:120]!r}") from None
        if not isinstance(data, dict):
            raise _ItemError("the server's answer is not a JSON object")
        return data


class _ItemError(Exception):
    """A failure of one article that retrying will not fix."""


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(2000).decode("utf-8", "replace")
        msg = json.loads(body).get("error", body)
        if isinstance(msg, dict):
            msg = msg.get("message", msg)
        return str(msg)[:300]
    except Exception:  # noqa: BLE001 - the detail is best effort
        return exc.reason if isinstance(exc.reason, str) else "no detail"


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None
