"""Serving one vendor's ASGI app on a loopback port, with request counting and wire faults.

`VendorHost` runs uvicorn in a background thread (port 0 = a free port chosen by the OS) and wraps
the app in `WireMiddleware`, which counts requests per path and injects the faults of
`sandbox.faults` that live on the wire (429, 500, slow, reset, malformed). The body of a 429/500
is the vendor's own error envelope, supplied by the vendor module as a `FaultResponder`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import simplejson
import uvicorn
from starlette.responses import Response

from sandbox.faults import Fault, FaultInjector

# (kind, fault) -> (status, JSON-ready body, extra headers)
FaultResponder = Callable[[str, Fault], tuple[int, Any, dict[str, str]]]

ASGIApp = Callable[..., Any]


class ResetConnection(Exception):
    """Raised after half a response so that uvicorn drops the connection (a `reset` fault)."""


class WireMiddleware:
    def __init__(self, app: ASGIApp, host: VendorHost) -> None:
        self.app = app
        self.host = host

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.host.count(method, path)
        fault = self.host.faults.pick(self.host.name, method, path)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "slow":
            await asyncio.sleep(fault.delay_seconds)
            await self.app(scope, receive, send)
        elif fault.kind == "reset":
            await _send_half_then_reset(send)
        elif fault.kind == "malformed":
            await _send(send, 200, b'{"data": [{"id": "trunc', {"content-type": "application/json"})
        else:
            status, body, headers = self.host.fault_response(fault.kind, fault)
            headers = {"content-type": "application/json", **headers}
            await _send(send, status, dumps(body), headers)


async def _send(send: Callable, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _send_half_then_reset(send: Callable) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"partial": ', "more_body": True})
    raise ResetConnection("sandbox fault: connection reset mid-response")


def dumps(body: Any) -> bytes:
    """JSON with `Decimal` written as an exact number literal (never through float)."""
    return simplejson.dumps(body, use_decimal=True, default=_default).encode()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status, headers=headers, media_type="application/json")


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__} to JSON")


class VendorHost:
    """One vendor app on 127.0.0.1, served from a daemon thread until `stop()`."""

    def __init__(
        self,
        name: str,
        app: ASGIApp,
        fault_response: FaultResponder,
        faults: FaultInjector | None = None,
        port: int = 0,
    ) -> None:
        self.name = name
        self.faults = faults or FaultInjector()
        self.fault_response = fault_response
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._socket = _bind(port)
        config = uvicorn.Config(
            WireMiddleware(app, self), log_level="critical", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, method: str, path: str) -> None:
        with self._lock:
            self.calls[f"{method} {path}"] += 1

    def requests(self, path: str, method: str | None = None) -> int:
        """How many requests reached `path` (any method unless `method` is given)."""
        with self._lock:
            return sum(
                n
                for key, n in self.calls.items()
                if key.split(" ", 1)[1] == path and method in (None, key.split(" ", 1)[0])
            )

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"sandbox {self.name} server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.request_stop()
        self.join()

    def request_stop(self) -> None:
        self._server.should_exit = True

    def join(self) -> None:
        self._thread.join(timeout=10)
        self._socket.close()


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    return sock
