"""A first sync of one big folder on each server of the compatibility matrix.

``python3 -m bench.servers [--count 5000] [--rounds 3] [--servers dovecot,courier,...]
[--compare OLD_CHECKOUT]``

Servers (those of ``tests/support/matrix.py``): ``dovecot`` (the test fixture's configuration),
``courier`` (Dovecot with Courier-IMAP's layout: ``INBOX.``, ``.``, no special-use flags),
``pymap`` (pymap from PyPI, maildir backend: no CONDSTORE, QRESYNC, ESEARCH, LIST-STATUS),
``cyrus-order`` (Dovecot behind the capability proxy, FETCH answers with FLAGS before UID as
Cyrus sends them), ``bare`` (Dovecot behind the proxy with every optional extension the
webmail may use hidden), ``proxy`` (the proxy hiding nothing: what it costs by itself).

All the servers run at once, each with the same ``count`` messages put in by APPEND
(``bench.maildir``'s generator: 2-5 Received headers, ~5 % late, 10 % with an attachment). One
untimed sync per server warms its caches; then ``rounds`` rounds, interleaved across servers
(and across checkouts with ``--compare``, e.g. a ``git worktree`` of an older commit), each a
first sync into an empty SQLite index in a fresh Python process over a connection just logged in
(login not timed): ``ImapMailbox.sync_folder``, what the list page's background job runs. The
machine's load then weighs on every server alike. Prints one JSON line per measurement and a
Markdown table of medians.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.maildir import START, STEP
from bench.maildir import message as generated_message

REPO = Path(__file__).resolve().parents[1]
SERVERS = ("dovecot", "courier", "pymap", "cyrus-order", "bare", "proxy")


@dataclass(frozen=True)
class Running:
    name: str
    host: str
    port: int  # where the webmail connects
    user: str
    password: str


@contextmanager
def server(name: str, count: int) -> Iterator[Running]:
    """The named server with one user holding ``count`` messages; stopped afterwards."""
    from imapclient import IMAPClient

    from tests.support.capproxy import EXTENSIONS, CapabilityProxy
    from tests.support.imapserver import COURIER_NAMESPACE, add_user, start_dovecot
    from tests.support.matrix import append_all
    from tests.support.pymapserver import start_pymap

    with ExitStack() as stack:
        if name == "pymap":
            pm = start_pymap()
            stack.callback(pm.cleanup)
            user, host, direct, port = pm.add_user(), pm.host, pm.port, pm.port
        else:
            options = {"namespace": COURIER_NAMESPACE} if name == "courier" else {}
            # as bench.index: no rescans of cur/ after flag changes
            dovecot = start_dovecot(users=5, extra_config="maildir_very_dirty_syncs = yes",
                                    **options)  # type: ignore[arg-type]
            stack.callback(dovecot.cleanup)
            user, host, direct, port = add_user(dovecot), dovecot.host, dovecot.port, dovecot.port
            if name in ("cyrus-order", "bare", "proxy"):
                proxy = CapabilityProxy(
                    host, direct, hide=EXTENSIONS if name == "bare" else (),
                    flags_first=name == "cyrus-order",
                )
                stack.callback(proxy.close)
                port = proxy.port
        other = IMAPClient(host, port=direct, ssl=False, timeout=300)
        other.login(user.name, user.password)
        append_all(other, "INBOX", mail(count))
        other.logout()
        yield Running(name, host, port, user.name, user.password)


def mail(count: int) -> list[tuple[bytes, datetime, tuple[str, ...]]]:
    rng = random.Random(5)
    out = []
    for n in range(count):
        arrival = START + n * STEP
        raw = generated_message(n, arrival, rng, rng.random() < 0.05, rng.random() < 0.1)
        flags = ("\\Seen",) if rng.random() < 0.7 else ()
        out.append((raw.replace(b"\n", b"\r\n"), datetime.fromtimestamp(arrival, UTC), flags))
    return out


def child(host: str, port: int, user: str, password: str, count: int) -> None:
    """One first sync in this fresh process (of whichever checkout it was started in)."""
    import time
    from datetime import timedelta

    from webmail.config import Settings
    from webmail.index.sqlite import Index
    from webmail.mailbox.imap import ImapMailbox

    work = Path(tempfile.mkdtemp(prefix="bench-servers-"))
    index = Index(work / "index.sqlite3", timedelta(hours=1))
    settings = Settings(imap_host=host, imap_port=port, imap_security="plain",
                        imap_timeout=600.0, secret_key="bench")
    mbox = ImapMailbox.connect(settings, user, password)
    try:
        started = time.perf_counter()
        result = mbox.sync_folder(index, "bench", "INBOX")
        seconds = time.perf_counter() - started
    finally:
        mbox.close()
        index.close()
        shutil.rmtree(work, ignore_errors=True)
    assert result.total == count, result
    print(json.dumps({"seconds": seconds}))


def run_child(tree: Path, s: Running, count: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-m", "bench.servers", "--child", s.host, str(s.port), s.user,
         s.password, str(count)],
        cwd=tree, env=env, capture_output=True, text=True, check=True,
    )
    seconds: float = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.servers", description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--compare", type=Path, help="another checkout, timed in the same rounds")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        host, port, user, password, count = args.child
        child(host, int(port), user, password, int(count))
        return 0
    trees = {"this": REPO, **({"compared": args.compare.resolve()} if args.compare else {})}
    names = args.servers.split(",")
    samples: dict[tuple[str, str], list[float]] = {(n, t): [] for n in names for t in trees}
    with ExitStack() as stack:
        running = [stack.enter_context(server(name, args.count)) for name in names]
        for s in running:
            run_child(REPO, s, args.count)  # untimed: warms the server's caches
        for r in range(args.rounds):
            for s in running:
                for label, tree in trees.items():
                    seconds = run_child(tree, s, args.count)
                    samples[(s.name, label)].append(seconds)
                    print(json.dumps({"round": r, "server": s.name, "code": label,
                                      "seconds": round(seconds, 3)}), flush=True)
    print(f"\n| server | code | first sync of {args.count:,}, median s [min-max] | per message |")
    print("|---|---|---:|---:|")
    for (name, label), got in samples.items():
        median = statistics.median(got)
        print(f"| {name} | {label} | {median:.2f} [{min(got):.2f}-{max(got):.2f}] "
              f"| {median / args.count * 1e6:,.0f} µs |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
