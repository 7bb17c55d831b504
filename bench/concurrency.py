"""16 concurrent readers on the list page under gunicorn: ``python3 -m bench.concurrency``.

Starts a Dovecot like the test fixture with one user holding a 10,000-message INBOX written by
:mod:`bench.maildir`, then gunicorn (``--workers``, default 3) on a free 127.0.0.1 port with
the webmail pointed at it (``--backend sqlite``: SQLite index and sessions in a temp instance
folder; ``--backend redis``: both in a redis-server started for the run). It signs in
``--readers`` sessions, opens the folder until the first sync is done (not timed), then, in
the same run:

- **baseline**: every reader GETs ``/static/style.css`` (the app's cheapest request);
- **list**: every reader GETs ``/folder/INBOX`` (sync check + one page from the index);

each reader ``--requests`` times back to back (bounded by ``--seconds``), and prints requests
per second, p50 and p99 latency, and list/baseline ratios. Loopback only; every process it
starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Session:
    """One browser: its own cookie jar; follows redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as r:
            return str(r.read().decode("utf-8", "replace"))

    def login(self, user: str, password: str) -> None:
        token = CSRF.search(self.get("/login"))
        assert token, "no CSRF token on /login"
        form = urllib.parse.urlencode(
            {"username": user, "password": password, "csrf_token": token.group(1)}
        ).encode()
        with self.opener.open(self.base + "/login", data=form, timeout=60) as r:
            assert r.status == 200 and "/login" not in r.url, f"login failed: {r.url}"


def wait_http(base: str, proc: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(base + "/login", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def hammer(sessions: list[Session], path: str, per_reader: int, seconds: float
           ) -> tuple[float, list[float], int]:
    """Every session GETs ``path`` ``per_reader`` times (until ``seconds`` pass); returns
    (wall seconds, latencies in ms, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(len(sessions) + 1)

    def reader(s: Session) -> None:
        start.wait()
        mine = []
        for _ in range(per_reader):
            if time.monotonic() > stop_at:
                break
            t0 = time.perf_counter()
            try:
                s.get(path)
            except OSError:
                with lock:
                    errors[0] += 1
                continue
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=reader, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, errors[0]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.concurrency")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=25, help="per reader and phase")
    parser.add_argument("--seconds", type=float, default=60.0, help="cap per phase")
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    args = parser.parse_args(argv)

    import grp
    import pwd

    from bench.maildir import generate
    from tests.support.imapserver import Dovecot, free_port

    work = Path(tempfile.mkdtemp(prefix="webmail-bench-conc-"))
    # No rescan of cur/ by every new session for ~2 s after a flag change.
    server = Dovecot(users=1, extra_config="maildir_very_dirty_syncs = yes")
    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    redis_server = None
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        g = generate(server.maildir("user1"), args.size, uid=uid, gid=gid)
        print(f"wrote {args.size} messages ({g.late} late) in {g.seconds:.1f} s", flush=True)
        server.start()
        port = free_port()
        env = {
            **os.environ,
            "WEBMAIL_IMAP_HOST": "127.0.0.1",
            "WEBMAIL_IMAP_PORT": str(server.port),
            "WEBMAIL_IMAP_SECURITY": "plain",
            "WEBMAIL_SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "WEBMAIL_INSTANCE_PATH": str(work / "instance"),
            "WEBMAIL_IMAP_TIMEOUT": "120",
        }
        if args.backend == "redis":
            from tests.support.redisserver import RedisServer

            redis_server = RedisServer()
            env.update(WEBMAIL_INDEX="redis", WEBMAIL_SESSION_BACKEND="redis",
                       WEBMAIL_REDIS_URL=redis_server.url)
        log = (work / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
             f"127.0.0.1:{port}", "--timeout", "120", "app:app"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(base, gunicorn)
        sessions = [Session(base) for _ in range(args.readers)]
        for s in sessions:
            s.login("user1", "secret-1")
        t0 = time.perf_counter()
        deadline = time.monotonic() + 300
        while "Indexing" in sessions[0].get("/folder/INBOX"):
            if time.monotonic() > deadline:
                raise RuntimeError("the first sync did not finish in 300 s")
            time.sleep(0.5)
        took = time.perf_counter() - t0
        print(f"first sync done (background, started at the logins) after: {took:.1f} s")
        for s in sessions:  # every session's worker connections open and synced once
            for _ in range(args.workers):
                assert "Indexing" not in s.get("/folder/INBOX")
        print(f"\ncpus={os.cpu_count()} workers={args.workers} readers={args.readers} "
              f"backend={args.backend} size={args.size}\n")
        print(f"{'request':>22} | {'n':>5} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | err")
        results = {}
        for name, path in (("baseline static GET", "/static/style.css"),
                           ("list /folder/INBOX", "/folder/INBOX")):
            wall, lat, errors = hammer(sessions, path, args.requests, args.seconds)
            results[name] = (len(lat) / wall, pct(lat, 50), pct(lat, 99))
            rps, p50, p99 = results[name]
            print(
                f"{name:>22} | {len(lat):>5} | {rps:>7.1f} | {p50:>7.1f} | {p99:>7.1f} | {errors}"
            )
        (b_rps, b50, b99), (l_rps, l50, l99) = results.values()
        print(f"\nratio list/baseline: req/s {l_rps / b_rps:.2f}x, p50 {l50 / b50:.1f}x, "
              f"p99 {l99 / b99:.1f}x")
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
                gunicorn.wait(5)
        if redis_server is not None:
            redis_server.stop()
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
