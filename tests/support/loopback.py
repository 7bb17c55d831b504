"""The part every loopback proxy of the tests shares: a listener on a free 127.0.0.1 port that
connects each client to the real server and hands the pair of sockets on.

:class:`LoopbackProxy` accepts (polling, so :meth:`LoopbackProxy.close` is noticed: ``accept()``
is not woken by closing the listener), connects to ``(host, port)`` (a client whose server
cannot be reached is closed at once), keeps both sockets for :meth:`LoopbackProxy.cut`, and
calls :meth:`LoopbackProxy.serve` with them on the accepting thread; ``serve`` starts what
forwards the bytes. ``tests/support/imapserver.py``'s ``TcpProxy`` (freeze, cut, drip) and
``tests/support/capproxy.py``'s ``CapabilityProxy`` (hidden extensions) are built on it.
"""

from __future__ import annotations

import contextlib
import socket
import threading

__all__ = ["LoopbackProxy"]


class LoopbackProxy:
    """A proxy on a free 127.0.0.1 port in front of ``(host, port)``.

    :ivar port: where clients connect.
    :ivar target: the server's ``(host, port)``.
    :cvar upstream_timeout: the timeout of the sockets to the server (``None``: none).
    """

    upstream_timeout: float | None = None

    def __init__(self, host: str, port: int, *, name: str = "loopback-proxy") -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # so close() is noticed: accept() is not woken by it
        self.port = int(self.listener.getsockname()[1])
        self._closing = threading.Event()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name=name, daemon=True)
        self._thread.start()

    def serve(self, client: socket.socket, upstream: socket.socket) -> None:
        """Start forwarding between ``client`` and ``upstream`` (a thread of its own: this runs
        on the accepting thread)."""
        raise NotImplementedError

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(self.upstream_timeout)
            with self._lock:
                self._conns += [client, upstream]
            self.serve(client, upstream)

    def cut(self) -> None:
        """Close every proxied connection now (new connections are still accepted)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def close(self) -> None:
        """Stop accepting and close every connection."""
        self._closing.set()
        self.listener.close()
        self.cut()
        self._thread.join(timeout=5)
