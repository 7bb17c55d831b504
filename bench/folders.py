"""The signed-in folders the page benchmarks share (``bench.search``, ``bench.delays``).

:func:`bench_folders` starts a Dovecot like the test fixture (``tests/support/imapserver.py``,
plus ``maildir_very_dirty_syncs`` as in :mod:`bench.index`), writes one user per size with
:mod:`bench.maildir`, starts a redis-server for ``backend="redis"``, and stops every process it
started on the way out. :meth:`BenchFolders.open` builds the app pointed at one user, signs in
through the forms and syncs the folder inline with the first list page (timed apart).
"""

from __future__ import annotations

import grp
import pwd
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.maildir import generate  # noqa: E402
from tests.support.imapserver import Dovecot  # noqa: E402
from tests.support.webmail_client import Reader, webmail_app  # noqa: E402
from webmail.config import Settings  # noqa: E402
from webmail.services import services  # noqa: E402


@dataclass
class Opened:
    """One signed-in session: its ``app``, the ``reader`` and the first sync's ``synced`` s."""

    app: Any
    reader: Reader
    synced: float

    def close(self) -> None:
        """Log the pooled IMAP connections out."""
        services(self.app).pool.close_all()


@dataclass
class BenchFolders:
    """The running servers and the users written (user ``i`` holds ``sizes[i - 1]`` messages,
    ``late[size]`` of them late)."""

    server: Dovecot
    work: Path
    sizes: list[int]
    settings: dict[str, object] = field(default_factory=dict)
    late: dict[int, int] = field(default_factory=dict)

    def open(self, i: int) -> Opened:
        """User ``i`` signed in, its INBOX synced into the index by the first list page."""
        size = self.sizes[i - 1]
        settings = Settings(
            imap_host="127.0.0.1", imap_port=self.server.port, imap_security="plain",
            imap_connect_timeout=5.0, imap_timeout=300.0, request_deadline=600,
            secret_key="bench-secret", **self.settings,  # type: ignore[arg-type]
        )  # fmt: skip
        app = webmail_app(settings, self.work / f"instance-{size}")
        services(app).inline_sync_limit = 10**9  # the first page syncs inline, untimed
        reader = Reader(app.test_client())
        assert reader.login(f"user{i}", f"secret-{i}").status_code == 302
        started = time.perf_counter()
        reader.page("/folder/INBOX")
        return Opened(app, reader, time.perf_counter() - started)


@contextmanager
def bench_folders(sizes: Sequence[int], backend: str, prefix: str) -> Iterator[BenchFolders]:
    """Dovecot with one user per size (and redis-server for ``backend="redis"``), written and
    started; everything stopped and removed afterwards. ``backend`` is ``WEBMAIL_INDEX``'s
    value (``sqlite``, ``redis`` or ``off``)."""
    server = Dovecot(users=len(sizes), extra_config="maildir_very_dirty_syncs = yes")
    redis_server = None
    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        folders = BenchFolders(server, work, list(sizes), {"index_backend": backend})
        for i, size in enumerate(sizes, 1):
            g = generate(server.maildir(f"user{i}"), size, uid=uid, gid=gid)
            folders.late[size] = g.late
            print(f"wrote {size:>7} messages ({g.late} late) in {g.seconds:5.1f} s", flush=True)
        server.start()
        if backend == "redis":
            from tests.support.redisserver import RedisServer

            redis_server = RedisServer()
            folders.settings["redis_url"] = redis_server.url
        yield folders
    finally:
        server.cleanup()
        if redis_server is not None:
            redis_server.stop()
        shutil.rmtree(work, ignore_errors=True)


__all__ = ["BenchFolders", "Opened", "bench_folders"]
