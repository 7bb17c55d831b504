"""Opening a big HTML newsletter against a short text message: ``python3 -m bench.open``.

Starts a Dovecot like the test fixture (``tests/support/imapserver.py``), delivers two
messages to one user: a ~2 MB HTML newsletter (``tests/support/newsletter.py``: ~1,100
tables with inline CSS on every cell, a ``<style>`` block, links, remote images by URL and
two ``cid:`` images, with a plain-text alternative) and a short text message; builds the app
pointed at it (SQLite index) and signs in through the forms. Then, rounds interleaved
(newsletter, text, newsletter, ...), medians of ``--rounds``, it opens each message as a
browser does: the read page (``GET /message/INBOX/<uid>``) and, for the HTML mail, the body
frame the page names (``GET …/body``; its ``cid:`` images are embedded in it, so they cost no
request); the text message has no frame. Two ways:

- **first**: the app's kept messages dropped before each opening (``mailbox/recent.py``): the
  body is fetched, parsed and sanitised (connection, Dovecot and templates warm);
- **warm**: opened again, as the reader does going back to a message: the kept message is
  checked against the server (UIDVALIDITY and flags) and shown with no body fetch.

It prints the milliseconds and the ratio newsletter / text of each (the goal of issue 14:
warm < 3x), the same for this process's CPU time (the app's work without Dovecot's, steadier
on a shared machine), and the IMAP commands of one opening of each, counted by a proxy
(``tests/support/capproxy.py``) in front of the same server for one extra, untimed opening.
In-process through Flask's test client (HTTP parsing and the network left out of both
alike). ``--checkout DIR`` measures another checkout of the app (e.g. ``git archive`` of an
older commit) with this script's data and rules. Every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FRAME = re.compile(r'class="mail-frame"[^>]*?src="([^"]+)"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.open")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size", type=int, default=2 * 1024 * 1024)
    parser.add_argument("--checkout", type=Path, default=REPO, help="the app to measure")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.checkout.resolve()))
    sys.path.insert(1, str(REPO))

    import importlib.util

    from tests.support.capproxy import CapabilityProxy
    from tests.support.imapserver import Dovecot

    # This script's messages, whichever checkout is measured.
    spec = importlib.util.spec_from_file_location(
        "bench_newsletter", REPO / "tests" / "support" / "newsletter.py"
    )
    assert spec is not None and spec.loader is not None
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    newsletter, short_text = generated.newsletter, generated.short_text
    from tests.support.webmail_client import Reader, webmail_app
    from webmail.config import Settings
    from webmail.services import services

    big = newsletter(args.size)
    server = Dovecot(users=1)
    arrival = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    server.deliver("user1", big, arrival)
    server.deliver("user1", short_text(), arrival + timedelta(minutes=1))
    server.start()
    proxy = CapabilityProxy(server.host, server.port)
    work = Path(tempfile.mkdtemp(prefix="webmail-bench-open-"))
    try:
        readers = {}
        for name, port in (("direct", server.port), ("counted", proxy.port)):
            settings = Settings(
                imap_host="127.0.0.1", imap_port=port, imap_security="plain",
                imap_connect_timeout=5.0, imap_timeout=60.0, secret_key="bench-secret",
            )  # fmt: skip
            app = webmail_app(settings, work / f"instance-{name}")
            reader = Reader(app.test_client())
            assert reader.login("user1", "secret-1").status_code == 302
            reader.page("/folder/INBOX")
            readers[name] = (app, reader)
        app, reader = readers["direct"]

        def drop_kept() -> None:
            kept = services(app).opened
            with kept._lock:  # noqa: SLF001 - the bench empties the cache between rounds
                kept._entries.clear()  # noqa: SLF001
                if hasattr(kept, "bytes"):
                    kept.bytes = 0

        def open_one(r: Reader, uid: int) -> None:
            page = r.page(f"/message/INBOX/{uid}")
            frame = FRAME.search(page)
            if frame:
                r.page(frame.group(1).replace("&amp;", "&"))

        messages = {"newsletter": 1, "text": 2}
        for uid in messages.values():  # templates compiled, Dovecot's cache filled
            open_one(reader, uid)
            open_one(reader, uid)
        times: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for how in ("first", "warm"):
                for name, uid in messages.items():
                    if how == "first":
                        drop_kept()
                    else:
                        open_one(reader, uid)  # kept (untimed), as after a first opening
                    t, c = time.perf_counter(), time.process_time()
                    open_one(reader, uid)
                    times.setdefault((how, name), []).append(time.perf_counter() - t)
                    cpu.setdefault((how, name), []).append(time.process_time() - c)
        ms = {k: statistics.median(v) * 1000 for k, v in times.items()}
        cpu_ms = {k: statistics.median(v) * 1000 for k, v in cpu.items()}

        counted_app, counted = readers["counted"]
        commands: dict[str, list[str]] = {}
        for how in ("first", "warm"):
            for name, uid in messages.items():
                proxy.commands.clear()
                open_one(counted, uid)
                commands[f"{name}, {how} opening"] = [
                    c.decode(errors="replace").split(" ", 1)[1] for c in proxy.commands
                ]

        print(f"python={sys.version.split()[0]}  app={args.checkout}")
        print(f"newsletter: {len(big):,} bytes; median of {args.rounds} rounds (ms)\n")
        print(f"{'opening':<8} {'newsletter':>11} {'text':>8} {'ratio':>7}   "
              f"{'app CPU: newsletter':>19} {'text':>6} {'ratio':>7}")
        for how in ("first", "warm"):
            big_ms, small_ms = ms[(how, "newsletter")], ms[(how, "text")]
            big_cpu, small_cpu = cpu_ms[(how, "newsletter")], cpu_ms[(how, "text")]
            print(f"{how:<8} {big_ms:>11.1f} {small_ms:>8.1f} {big_ms / small_ms:>6.2f}x   "
                  f"{big_cpu:>19.1f} {small_cpu:>6.1f} {big_cpu / small_cpu:>6.2f}x")
        for name, lines in commands.items():
            bodies = [c for c in lines if "FETCH" in c and "BODY" in c.upper()]
            print(f"\n{name} (page + frame): {len(lines)} IMAP commands, "
                  f"{len(bodies)} body FETCH")
            for line in lines:
                print(f"    {line[:110]}")
        for a in (app, counted_app):
            services(a).pool.close_all()
    finally:
        proxy.close()
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
