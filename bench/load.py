"""A small HTTP load tool for loopback benchmarks: one thread per signed-in session.

Used by :mod:`bench.roundcube` for both webmails, so that both are measured with the same
client. Each :class:`Session` keeps its own cookies (every ``Set-Cookie`` of every response is
taken, as a browser would) and sends each request on a new TCP connection to 127.0.0.1 as
HTTP/1.0 with ``Connection: close`` (gunicorn's sync workers and ``php -S`` both close after a
response anyway), reading the whole answer before the clock stops. :func:`hammer` runs every
session back to back in its own thread, bounded by a count and a time, and records every
latency. Raw sockets rather than urllib: the client shares the machine's cores with the
servers, so it should cost as little as possible, and the same for both.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    ms: float

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _dechunk(body: bytes) -> bytes:
    out: list[bytes] = []
    pos = 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(body[end + 2:end + 2 + size])
        pos = end + 2 + size + 2


@dataclass
class Session:
    """One browser on ``host:port``: its cookie jar and any extra headers it sends."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Response:
        lines = [f"{method} {path} HTTP/1.0", f"Host: {self.host}:{self.port}",
                 "Connection: close", "User-Agent: bench-load/1"]
        for k, v in {**self.headers, **(headers or {})}.items():
            lines.append(f"{k}: {v}")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        t0 = time.perf_counter()
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
            s.sendall(raw)
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        ms = (time.perf_counter() - t0) * 1000
        data = b"".join(chunks)
        head, _, payload = data.partition(b"\r\n\r\n")
        head_lines = head.decode("latin-1").split("\r\n")
        status = int(head_lines[0].split()[1])
        parsed = []
        for line in head_lines[1:]:
            k, _, v = line.partition(":")
            parsed.append((k.strip().lower(), v.strip()))
        resp = Response(status, parsed, payload, ms)
        if (resp.header("transfer-encoding") or "").lower() == "chunked":
            resp.body = _dechunk(payload)
        for k, v in parsed:
            if k == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";")[0]
                if value in ("", "deleted") or "max-age=0" in v.lower():
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
        return resp

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None
             ) -> Response:
        return self.request("POST", path, form=form, headers=headers)


@dataclass
class Result:
    wall: float
    latencies: list[float]
    errors: int
    first_error: str = ""

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        return pct(self.latencies, p)


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank on the sorted values)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def hammer(sessions: list[Session], send: Callable[[Session], Response],
           ok: Callable[[Response], bool], per_session: int, seconds: float) -> Result:
    """Every session sends ``send(session)`` ``per_session`` times back to back, in its own
    thread, all starting together, until ``seconds`` have passed. A response that ``ok``
    refuses (or a socket error) counts as an error, not as a latency."""
    latencies: list[float] = []
    errors = [0]
    first: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions) + 1)
    stop_at = [0.0]

    def reader(s: Session) -> None:
        start.wait()
        mine = []
        bad = 0
        for _ in range(per_session):
            if time.monotonic() > stop_at[0]:
                break
            try:
                r = send(s)
            except OSError as e:
                bad += 1
                if not first:
                    first.append(repr(e))
                continue
            if ok(r):
                mine.append(r.ms)
            else:
                bad += 1
                if not first:
                    first.append(f"{r.status} {r.text[:300]!r}")
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=reader, args=(s,), daemon=True) for s in sessions]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(seconds + 130)
    return Result(time.perf_counter() - t0, latencies, errors[0], first[0] if first else "")
