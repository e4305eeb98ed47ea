"""A real HTTP receiver for tests of outgoing calls (outbox pushes, webhooks …).

It listens on 127.0.0.1 on a free port in a background thread and records every request.
It can be told to fail the next N requests with a status code, to check retries, and to
answer with a body of the test's choosing (``reply_json``, ``reply``).
Use it through the ``http_receiver`` fixture in tests/conftest.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class _Behaviour:
    fail_remaining: int = 0
    fail_status: int = 500
    status: int = 200
    body: bytes | None = None  # None: the default {"ok": true} / planned-failure body
    lock: threading.Lock = field(default_factory=threading.Lock)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._behaviour = _Behaviour()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._behaviour.lock:
                    receiver.requests.append(
                        ReceivedRequest(self.command, self.path, dict(self.headers), body)
                    )
                    if receiver._behaviour.fail_remaining > 0:
                        receiver._behaviour.fail_remaining -= 1
                        status = receiver._behaviour.fail_status
                        body_chosen = None
                    else:
                        status = receiver._behaviour.status
                        body_chosen = receiver._behaviour.body
                reply = b'{"ok": true}' if status < 400 else b'{"error": "planned failure"}'
                if body_chosen is not None:
                    reply = body_chosen
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_POST = _handle
            do_PUT = _handle
            do_GET = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval makes shutdown (once per test) take milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, count: int, *, status: int = 500) -> None:
        """Answer the next ``count`` requests with ``status``."""
        with self._behaviour.lock:
            self._behaviour.fail_remaining = count
            self._behaviour.fail_status = status

    def always(self, status: int) -> None:
        """Answer every request with ``status`` from now on."""
        with self._behaviour.lock:
            self._behaviour.fail_remaining = 0
            self._behaviour.status = status
            self._behaviour.body = None

    def reply(self, body: bytes, *, status: int = 200) -> None:
        """Answer every request with ``status`` and exactly ``body`` (may be invalid JSON)."""
        with self._behaviour.lock:
            self._behaviour.fail_remaining = 0
            self._behaviour.status = status
            self._behaviour.body = body

    def reply_json(self, data: Any, *, status: int = 200) -> None:
        """Answer every request with ``status`` and ``data`` as a JSON body."""
        self.reply(orjson.dumps(data), status=status)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
