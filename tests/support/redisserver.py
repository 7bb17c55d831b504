"""A real ``redis-server`` (Debian's package) on a free 127.0.0.1 port, for tests and benchmarks.

Started with ``--save '' --appendonly no`` in a directory of its own, so it writes nothing
anywhere; :meth:`RedisServer.stop` ends exactly the process it started.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

STARTUP_SECONDS = 10.0


class RedisError(RuntimeError):
    """redis-server is missing or did not start."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server process; ``url`` is ``redis://127.0.0.1:<port>/0``."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
        )
        if binary is None:
            raise RedisError(
                "redis-server is not installed: apt-get install redis-server "
                "(scripts/test.sh installs it)"
            )
        self.dir = Path(tempfile.mkdtemp(prefix="webmail-redis-"))
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log = (self.dir / "redis.log").open("wb")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "yes"],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.proc.poll() is not None:
                self.stop()
                raise RedisError(f"redis-server exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RedisError(f"redis-server did not answer within {STARTUP_SECONDS} s")
            time.sleep(0.05)

    def log(self) -> str:
        return (self.dir / "redis.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        """Terminate the server (kill after 5 s) and remove its directory."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
