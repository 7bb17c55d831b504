"""Benchmarks of the list index: ``python3 -m bench.index [--sizes 1000,10000,100000]``.

Starts a Dovecot like the test fixture (``tests/support/imapserver.py``, plus
``maildir_very_dirty_syncs``), writes one user per size with :mod:`bench.maildir`, and prints:

1. the first (cold index) sync of each folder next to a bare imapclient ``fetch`` of the
   same fields in chunks of 1000 UIDs, in the same run, each in a fresh Python process
   (median of rounds, interleaved; Dovecot's own cache warmed first for both: its first
   full header fetch of a cold ``dovecot.index.cache`` takes over twice as long);
2. the first page of the synced folder: the page query alone, and "open the folder" =
   sync check on a logged-in connection + page (log in excluded);
3. the page after one new message arrives (APPEND from another client): sync + page, on
   the kept connection and on a new one (login excluded; a session's first header FETCH
   costs tens of ms at 100k, the same FETCH again about 1 ms);
4. the peak RSS (VmHWM) of the syncing process, of its largest helper process (a fill of
   5,000 messages or more builds its rows in ``webmail.mailbox.sync.ANALYSIS_WORKERS`` helpers,
   see ``webmail.mailbox.analysis``), and of all of them together (the sum of their peaks, the
   helpers' read from ``/proc`` while they live: an upper bound of what the sync holds at once).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _vmhwm_mb(pid: int | str = "self") -> float:
    """The peak RSS (VmHWM) of process ``pid`` in MB; NaN once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int | str = "self") -> list[int]:
    """The child processes of ``pid``."""
    pids: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return pids
    for task in tasks:
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return pids


class ChildPeaks:
    """The peak RSS of every child of ``root`` (this process: the sync's helpers), with
    ``deep`` of every descendant, read from ``/proc/<pid>/status`` every ``interval`` seconds
    by a thread while they live: the last reading before a process ends is its peak, its VmHWM
    never goes down."""

    def __init__(
        self, interval: float = 0.05, root: int | str = "self", deep: bool = False
    ) -> None:
        import threading

        self.peaks: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self._root, self._deep = root, deep
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _children(self) -> list[int]:
        found, todo = [], children(self._root)
        while todo:
            pid = todo.pop()
            found.append(pid)
            if self._deep:
                todo += children(pid)
        return found

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def sample(self) -> None:
        for pid in self._children():
            mb = _vmhwm_mb(pid)
            if mb == mb:  # not NaN: still there
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)
                if pid not in self.names:
                    try:
                        self.names[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().decode(
                            errors="replace"
                        )
                    except OSError:
                        self.names[pid] = ""

    def stop(self) -> dict[int, float]:
        self._stop.set()
        self._thread.join()
        return self.peaks


def child(mode: str, port: int, user: str, password: str, index_path: str) -> None:
    """One measurement in this fresh process; prints a JSON line."""
    from imapclient import IMAPClient

    from webmail.mailbox.sync import CHUNK_SIZE
    from webmail.mailbox.wire import fetch_items

    c = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=120)
    c.normalise_times = False
    c.login(user, password)
    peaks = ChildPeaks()
    t0 = time.perf_counter()
    if mode == "baseline":
        c.select_folder("INBOX", readonly=True)
        uids = c.search("ALL")
        items = fetch_items()[1:-1].split(
            " ", 5
        )  # UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[...]
        n = 0
        for i in range(0, len(uids), CHUNK_SIZE):
            n += len(c.fetch(uids[i : i + CHUNK_SIZE], items))
    else:
        from webmail.index import account_key
        from webmail.index.sqlite import Index
        from webmail.mailbox.sync import sync_folder

        index = Index(index_path)
        _, wanted, chunk = (mode.split(":") + ["", ""])[:3]
        workers = None if wanted in ("", "auto") else int(wanted)
        n = sync_folder(
            c, index, account_key(f"127.0.0.1:{port}", user), "INBOX", workers=workers,
            chunk_size=int(chunk) if chunk else None,
        ).added
    seconds = time.perf_counter() - t0
    helpers: list[float] = list(peaks.stop().values())
    c.logout()
    # Not getrusage(RUSAGE_CHILDREN).ru_maxrss: a helper is started by vfork + exec, and the
    # kernel counts the peak of the memory it had before exec, this process's own.
    own = _vmhwm_mb()
    print(json.dumps({"seconds": seconds, "messages": n, "rss_mb": own,
                      "helper_rss_mb": max(helpers, default=0.0), "helpers": len(helpers),
                      "total_rss_mb": own + sum(helpers)}))


def run_child(mode: str, port: int, user: str, password: str, index_path: str) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.index",
            "--child",
            mode,
            str(port),
            user,
            password,
            index_path,
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.index")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--rounds", type=int, default=3, help="sync rounds per size (100k: at most 2)"
    )
    parser.add_argument(
        "--workers", default="auto",
        help="helper processes of the sync: auto (sync_folder's choice) or a comma list such as"
        " auto,0,1,2, each measured in the same rounds (the table shows the first); W:N for W"
        " helpers and FETCH chunks of N UIDs (default: sync_folder's)",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, port, user, password, path = args.child
        child(mode, int(port), user, password, path)
        return 0

    import grp
    import pwd
    import random

    from bench.maildir import START, STEP, generate, message
    from tests.support.imapserver import Dovecot
    from webmail.index import account_key
    from webmail.index.sqlite import Index
    from webmail.mailbox.sync import sync_folder

    sizes = [int(s) for s in args.sizes.split(",")]
    # No rescan of cur/ by every new session for ~2 s after a flag change.
    server = Dovecot(users=len(sizes), extra_config="maildir_very_dirty_syncs = yes")
    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    work = Path(tempfile.mkdtemp(prefix="webmail-bench-"))
    try:
        for i, size in enumerate(sizes, 1):
            g = generate(server.maildir(f"user{i}"), size, uid=uid, gid=gid)
            print(f"wrote {size:>7} messages ({g.late} late) in {g.seconds:5.1f} s", flush=True)
        server.start()
        print(f"\ncpus={os.cpu_count()}  python={sys.version.split()[0]}  (times in ms, median)\n")
        print(
            f"{'size':>7} | {'bare fetch':>10} | {'sync':>8} | {'ratio':>5} | {'sync RSS MB':>11} |"
            f" {'helper RSS MB':>13} | {'total RSS MB':>12} | {'page q':>7} | {'open+page':>9} |"
            f" {'new msg':>8} |"
            f" {'new msg, new conn':>17}"
        )
        for i, size in enumerate(sizes, 1):
            user, password = f"user{i}", f"secret-{i}"
            path = str(work / f"index-{size}.sqlite3")
            run_child("baseline", server.port, user, password, path)  # warm Dovecot's cache
            rounds = min(args.rounds, 2) if size >= 100_000 else args.rounds
            base, rss, helper_rss, total_rss = [], [], [], []
            variants = args.workers.split(",")
            syncs: dict[str, list[float]] = {w: [] for w in variants}
            peaks: dict[str, list[tuple[float, float, float]]] = {w: [] for w in variants}
            for _ in range(rounds):
                base.append(run_child("baseline", server.port, user, password, path)["seconds"])
                for w in variants:
                    for suffix in ("", "-wal", "-shm"):
                        Path(path + suffix).unlink(missing_ok=True)
                    r = run_child(f"sync:{w}", server.port, user, password, path)
                    assert r["messages"] == size, r
                    syncs[w].append(r["seconds"])
                    peaks[w].append((r["rss_mb"], r["helper_rss_mb"], r["total_rss_mb"]))
                    if w == variants[0]:
                        rss.append(r["rss_mb"])
                        helper_rss.append(r["helper_rss_mb"])
                        total_rss.append(r["total_rss_mb"])
            sync = syncs[variants[0]]
            ratio = statistics.median(sync) / statistics.median(base)

            index = Index(path)
            account = account_key(f"127.0.0.1:{server.port}", user)
            query = []
            for _ in range(20):
                t = time.perf_counter()
                index.page(account, "INBOX", limit=50)
                index.counts(account, "INBOX")
                query.append(time.perf_counter() - t)
            c = server.client(user, password)
            other = server.client(user, password)
            opened = []
            for _ in range(10):
                t = time.perf_counter()
                sync_folder(c, index, account, "INBOX")
                index.page(account, "INBOX", limit=50)
                opened.append(time.perf_counter() - t)
            fresh, kept = [], []
            for n in range(6):
                arrival = START + (size + n) * STEP
                raw = message(size + n, arrival, random.Random(n), False, False)
                other.append("INBOX", raw, msg_time=datetime.fromtimestamp(arrival, UTC))
                conn = c
                if n % 2:
                    conn = server.client(user, password)  # login not timed
                t = time.perf_counter()
                assert sync_folder(conn, index, account, "INBOX").added == 1
                rows = index.page(account, "INBOX", limit=50)
                (fresh if n % 2 else kept).append(time.perf_counter() - t)
                assert any(r.subject.startswith(f"Report {size + n}:") for r in rows)
                if conn is not c:
                    conn.logout()
            c.logout()
            other.logout()
            index.close()
            print(
                f"{size:>7} | {_ms(base):>10} | {_ms(sync)} | {ratio:5.2f} | {max(rss):11.0f} |"
                f" {max(helper_rss):13.0f} | {max(total_rss):12.0f} |"
                f" {_ms(query):>7} | {_ms(opened):>9} | {_ms(kept)} | {_ms(fresh):>17}",
                flush=True,
            )
            for w in variants[1:]:
                own, helper, together = (max(p[i] for p in peaks[w]) for i in range(3))
                print(f"{'':>7}   sync with workers={w}: {_ms(syncs[w]).strip()} ms, ratio"
                      f" {statistics.median(syncs[w]) / statistics.median(base):.2f}, RSS MB"
                      f" {own:.0f} + helpers (largest {helper:.0f}) = {together:.0f}", flush=True)
    finally:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
