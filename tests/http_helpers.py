"""Helpers for the local HTTP servers the tests start on 127.0.0.1."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any


def send_json(handler: BaseHTTPRequestHandler, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
    """Answer the request with ``data`` as JSON (status ``code``, extra ``headers``); a client
    that hung up first (a timeout test) is not an error."""
    raw = json.dumps(data).encode()
    handler.send_response(code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(raw)))
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    try:
        handler.wfile.write(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass
