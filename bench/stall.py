"""List pages while a big folder's first sync runs in the background: ``python3 -m bench.stall``.

Starts a Dovecot like the test fixture with one user holding a ``--size`` (default 100,000)
message INBOX and a small folder ``Small`` (``--small``, default 500), both written by
:mod:`bench.maildir`, then gunicorn (``--workers``, default 1: every page lands in the worker
that runs the sync, the worst case) on a free 127.0.0.1 port with the webmail pointed at it
(SQLite index and sessions in a temporary instance folder). It signs in, opens ``Small`` once
(its inline first sync, untimed), then opens INBOX, which starts the background first sync, and
from then on requests, one every ``--interval`` seconds, alternately

- ``GET /folder/INBOX`` (the rows already in their final place, and the progress banner), and
- ``GET /folder/Small`` (an up-to-date folder: its sync check and one page from the index),

until ``/api/indexing?folder=INBOX`` says the sync is done. Then the same two pages, the same
number of times at the same rate, after the sync (the baseline). Prints p50/p99 of each page
during and after, and the ratios (during / after), how long the background sync took, and the
peak RSS of the processes doing it (the fill process, ``webmail.mailbox.jobs``, and its
helpers; the gunicorn worker's threads only wait for it).
Loopback only; every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.concurrency import Session, pct, wait_http
from bench.index import ChildPeaks

REPO = Path(__file__).resolve().parents[1]


def _timed(session: Session, path: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    body = session.get(path)
    return (time.perf_counter() - t0) * 1000, body


def _indexing(session: Session) -> bool:
    return bool(json.loads(session.get("/api/indexing?folder=INBOX"))["indexing"])


def _paced(session: Session, count: int | None, interval: float,
           until_done: bool) -> tuple[dict[str, list[float]], float]:
    """Request the two pages alternately, one every ``interval`` s: ``count`` of each, or (with
    ``until_done``) until the INBOX's first sync has finished. Returns the latencies (ms) by page
    and the wall time."""
    pages = {"INBOX": "/folder/INBOX", "Small": "/folder/Small"}
    out: dict[str, list[float]] = {name: [] for name in pages}
    t_start = time.perf_counter()
    next_at = time.perf_counter()
    n = 0
    while True:
        for name, path in pages.items():
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            next_at = max(next_at + interval, time.perf_counter())
            ms, body = _timed(session, path)
            assert 'name="password"' not in body, "signed out"
            out[name].append(ms)
        n += 1
        if until_done:
            if n % 4 == 0 and not _indexing(session):
                break
        elif count is not None and n >= count:
            break
    return out, time.perf_counter() - t_start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.stall")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between requests")
    parser.add_argument("--app-env", action="append", default=[], metavar="NAME=VALUE",
                        help="more environment for the app (repeatable)")
    args = parser.parse_args(argv)

    import grp
    import pwd

    from bench.maildir import generate
    from tests.support.imapserver import Dovecot, free_port

    work = Path(tempfile.mkdtemp(prefix="webmail-bench-stall-"))
    server = Dovecot(users=1, extra_config="maildir_very_dirty_syncs = yes")
    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        g = generate(server.maildir("user1"), args.size, uid=uid, gid=gid)
        generate(server.maildir("user1", "Small"), args.small, uid=uid, gid=gid)
        print(f"wrote {args.size} + {args.small} messages in {g.seconds:.1f} s", flush=True)
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
        for pair in args.app_env:
            name, _, value = pair.partition("=")
            env[name] = value
        log = (work / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
             f"127.0.0.1:{port}", "--timeout", "300", "app:app"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(base, gunicorn)
        session = Session(base)
        session.login("user1", "secret-1")
        for _ in range(3):  # Small's inline first sync, and every worker's connection warm
            session.get("/folder/Small")
        peaks = ChildPeaks(interval=0.1, root=gunicorn.pid, deep=True)
        t_sync = time.perf_counter()
        first, body = _timed(session, "/folder/INBOX")
        assert "Indexing" in body, "the INBOX's first sync did not go to the background"
        during, wall = _paced(session, None, args.interval, until_done=True)
        sync_seconds = time.perf_counter() - t_sync
        peaks.stop()
        rounds = max(10, len(during["INBOX"]))
        after, _ = _paced(session, min(rounds, 100), args.interval, until_done=False)
        print(f"\ncpus={os.cpu_count()} workers={args.workers} size={args.size} "
              f"small={args.small} interval={args.interval}s")
        print(f"first INBOX page (starts the sync): {first:.1f} ms; background sync took "
              f"{sync_seconds:.1f} s\n")
        print(f"{'page':>14} | {'n during':>8} | {'p50 during':>10} | {'p99 during':>10} |"
              f" {'max during':>10} | {'p50 after':>9} | {'p99 after':>9} | {'p50 x':>6} |"
              f" {'p99 x':>6}")
        for name in ("INBOX", "Small"):
            d, a = during[name], after[name]
            d50, d99, a50, a99 = pct(d, 50), pct(d, 99), pct(a, 50), pct(a, 99)
            print(f"{'/folder/' + name:>14} | {len(d):>8} | {d50:>10.1f} | {d99:>10.1f} |"
                  f" {max(d):>10.1f} | {a50:>9.1f} | {a99:>9.1f} | {d50 / a50:>6.2f} |"
                  f" {d99 / a99:>6.2f}")
        both_d = during["INBOX"] + during["Small"]
        both_a = after["INBOX"] + after["Small"]
        print(f"{'both':>14} | {len(both_d):>8} | {pct(both_d, 50):>10.1f} |"
              f" {pct(both_d, 99):>10.1f} | {max(both_d):>10.1f} | {pct(both_a, 50):>9.1f} |"
              f" {pct(both_a, 99):>9.1f} | {pct(both_d, 50) / pct(both_a, 50):>6.2f} |"
              f" {pct(both_d, 99) / pct(both_a, 99):>6.2f}")
        print(f"\nmean during {statistics.mean(both_d):.1f} ms over {wall:.1f} s")
        fills = [mb for pid, mb in peaks.peaks.items() if "_fill_main" in peaks.names[pid]]
        helpers = [mb for pid, mb in peaks.peaks.items() if "analysis import" in peaks.names[pid]]
        print(f"peak RSS (MB, read every 0.1 s): fill process {' '.join(f'{m:.0f}' for m in fills)}"
              f" + helpers {' '.join(f'{m:.0f}' for m in helpers)}"
              f" = {sum(fills) + sum(helpers):.0f}")
    except BaseException:
        print((work / "gunicorn.log").read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
                gunicorn.wait(5)
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
