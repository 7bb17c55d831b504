"""This webmail against Debian's Roundcube, side by side: ``python3 -m bench.roundcube``.

One Dovecot (started like the test fixture, ``tests/support/imapserver.py``, with
``maildir_very_dirty_syncs = yes`` as in ``bench/index.py``) holds one user per size
(``--sizes``, default 10,000 and 50,000 messages written by :mod:`bench.maildir`). Both
webmails read those same mailboxes at once:

- **ours**: gunicorn with ``--workers`` sync workers (default 4) on 127.0.0.1, SQLite index and
  sessions in a temp instance folder (as ``bench/concurrency.py``);
- **Roundcube**: Debian's package (installed with apt-get when missing: roundcube-core,
  roundcube-sqlite3, php-cli, php-sqlite3), served by ``php -S`` with
  ``PHP_CLI_SERVER_WORKERS=--workers`` and opcache on, its own ``config.inc.php`` in a temp
  folder (``ROUNDCUBE_CONFIG_DIR``) pointing at a SQLite database made from Roundcube's
  ``SQL/sqlite.initial.sql``, with ``imap_cache`` and ``messages_cache`` = ``'db'``; sessions in
  that database too (its default).

Both are driven by the same load tool, :mod:`bench.load` (one thread per signed-in session,
a new loopback connection per request, cookies kept per session). ``--sessions`` (16)
sessions sign in on each webmail for each size through the login forms; then each is warmed
(ours: until the first sync is done, then every session sends 6 requests per worker, so
that every worker has served every session; Roundcube: the same, its caches filled). Then,
for ``--rounds`` rounds, interleaving the two webmails and the sizes:

- **single**: one session's list request ``--single`` times in a row, nothing else running
  (median ms);
- **concurrent**: every session sends the list request back to back, ``--requests`` each
  (bounded by ``--seconds``): requests/s, p50 and p99 over every latency.

The list request is what a user's list view costs:

- ours: ``GET /folder/INBOX`` (the whole page: session, folder list with counts, the sync
  check, 50 rows, rendering);
- Roundcube: the AJAX request its page sends to fill the list when a folder is opened,
  ``GET ?_task=mail&_action=list&_refresh=1&_layout=widescreen&_mbox=INBOX&_page=&_remote=1``
  with the ``X-Roundcube-Request`` token header (50 rows as JSON commands, the count and the
  unread count). Its HTML shell (``?_task=mail``, the folder list) is a separate request that
  is not counted, so this favours Roundcube.

It prints both webmails' figures per size (medians over rounds) and the ratios
(ours/Roundcube requests/s; Roundcube/ours p50, p99 and single ms). Loopback only; every
process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Response, Session, hammer

REPO = Path(__file__).resolve().parents[1]
RC_ROOT = Path("/var/lib/roundcube")
RC_SHARE = Path("/usr/share/roundcube")
RC_PACKAGES = ["roundcube-core", "roundcube-sqlite3", "php-cli", "php-sqlite3",
               "php-mbstring", "php-intl", "php-xml"]

RC_TOKEN_FORM = re.compile(r'name="_token" value="([^"]+)"')
RC_TOKEN_ENV = re.compile(r'"request_token":"([^"]+)"')
OUR_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RC_LIST = ("/?_task=mail&_action=list&_refresh=1&_layout=widescreen&_mbox=INBOX&_page="
           "&_remote=1")
OUR_LIST = "/folder/INBOX"
#: The progress banner of a first sync that has not finished (templates/mail/list.html).
INDEXING = b'class="banner indexing"'


def ensure_roundcube() -> str:
    """Install Debian's Roundcube and PHP when missing; returns Roundcube's version."""
    if not (RC_ROOT / "public_html" / "index.php").exists() or shutil.which("php") is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        # No database set up by dbconfig-common: the benchmark makes its own.
        subprocess.run(["debconf-set-selections"], input=b"roundcube-core "
                       b"roundcube/dbconfig-install boolean false\n", check=True)
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                        *RC_PACKAGES], check=True, env=env)
    text = (RC_SHARE / "program" / "include" / "iniset.php").read_text()
    m = re.search(r"define\('RCMAIL_VERSION', '([^']+)'\)", text)
    return m.group(1) if m else "?"


def php_version() -> str:
    out = subprocess.run(["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True)
    return out.stdout.strip()


def wait_http(port: int, path: str, proc: subprocess.Popen[bytes], what: str,
              seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up")
        try:
            if Session("127.0.0.1", port, timeout=5).get(path).status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer in time")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a process group this benchmark started, SIGKILL after 15 s."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


class Roundcube:
    """Roundcube under ``php -S`` on a free loopback port, with its own config and database."""

    def __init__(self, work: Path, imap_port: int, workers: int) -> None:
        from tests.support.imapserver import free_port

        self.dir = work / "roundcube"
        for d in ("config", "temp", "logs"):
            (self.dir / d).mkdir(parents=True, exist_ok=True)
        config = self.dir / "config"
        for name in ("defaults.inc.php", "mimetypes.php"):
            (config / name).symlink_to(Path("/etc/roundcube") / name)
        db = self.dir / "roundcube.db"
        con = sqlite3.connect(db)
        con.executescript((RC_SHARE / "SQL" / "sqlite.initial.sql").read_text())
        con.close()
        (config / "config.inc.php").write_text(f"""<?php
$config = [];
$config['db_dsnw'] = 'sqlite:///{db}?mode=0646';
$config['imap_host'] = '127.0.0.1:{imap_port}';
$config['smtp_host'] = '';
$config['imap_cache'] = 'db';
$config['messages_cache'] = 'db';
$config['des_key'] = 'bench-roundcube-24-bytes';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['enable_spellcheck'] = false;
$config['temp_dir'] = '{self.dir / "temp"}/';
$config['log_dir'] = '{self.dir / "logs"}/';
$config['session_lifetime'] = 60;
$config['login_rate_limit'] = 0;
$config['support_url'] = '';
""")
        self.port = free_port()
        self.workers = workers
        self.log = self.dir / "php.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.imap_port = imap_port

    def start(self) -> None:
        env = {**os.environ, "ROUNDCUBE_CONFIG_DIR": str(self.dir / "config"),
               "PHP_CLI_SERVER_WORKERS": str(self.workers)}
        self.proc = subprocess.Popen(
            ["php", "-d", "opcache.enable=1", "-d", "opcache.enable_cli=1",
             "-d", "opcache.memory_consumption=128", "-d", "opcache.validate_timestamps=0",
             "-d", "memory_limit=256M", "-d", "display_errors=0", "-d", "log_errors=1",
             "-d", f"error_log={self.dir / 'logs' / 'php-errors.log'}",
             "-S", f"127.0.0.1:{self.port}", "-t", str(RC_ROOT / "public_html")],
            env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_http(self.port, "/?_task=login", self.proc, "php -S")

    def stop(self) -> None:
        stop(self.proc)

    def session(self, user: str, password: str) -> Session:
        """A signed-in session; its ``X-Roundcube-Request`` header set from the mail page."""
        s = Session("127.0.0.1", self.port)
        page = s.get("/?_task=login")
        token = RC_TOKEN_FORM.search(page.text)
        assert token, f"no _token on Roundcube's login page: {page.status}"
        r = s.post("/?_task=login", {
            "_token": token.group(1), "_task": "login", "_action": "login",
            "_timezone": "UTC", "_url": "", "_user": user, "_pass": password})
        assert r.status == 302 and "_task=mail" in (r.header("location") or ""), (
            f"Roundcube login failed: {r.status} {r.header('location')} "
            f"{self.errors()}")
        mail = s.get("/?_task=mail&_mbox=INBOX")
        env = RC_TOKEN_ENV.search(mail.text)
        assert mail.status == 200 and env, f"no request token on the mail page: {mail.status}"
        s.headers["X-Roundcube-Request"] = env.group(1)
        return s

    def errors(self) -> str:
        out = []
        for p in (self.dir / "logs").glob("*"):
            out.append(p.read_text(errors="replace")[-2000:])
        return "\n".join(out)


def rc_list(s: Session) -> Response:
    return s.get(RC_LIST)


def rc_ok(r: Response) -> bool:
    return r.status == 200 and b"add_message_row" in r.body


def our_list(s: Session) -> Response:
    return s.get(OUR_LIST)


def our_ok(r: Response) -> bool:
    return r.status == 200 and b'id="msg-' in r.body and INDEXING not in r.body


class Ours:
    """This webmail under gunicorn on a free loopback port (SQLite index and sessions)."""

    def __init__(self, work: Path, imap_port: int, workers: int, tree: Path = REPO) -> None:
        from tests.support.imapserver import free_port

        self.tree = tree
        self.dir = work / "ours"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.workers = workers
        self.imap_port = imap_port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "WEBMAIL_IMAP_HOST": "127.0.0.1",
            "WEBMAIL_IMAP_PORT": str(self.imap_port),
            "WEBMAIL_IMAP_SECURITY": "plain",
            "WEBMAIL_SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "WEBMAIL_INSTANCE_PATH": str(self.dir / "instance"),
            "WEBMAIL_IMAP_TIMEOUT": "120",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b",
             f"127.0.0.1:{self.port}", "--timeout", "120", "app:app"],
            cwd=self.tree, env=env, stdout=(self.dir / "gunicorn.log").open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_http(self.port, "/login", self.proc, "gunicorn")

    def stop(self) -> None:
        stop(self.proc)

    def session(self, user: str, password: str) -> Session:
        s = Session("127.0.0.1", self.port)
        token = OUR_CSRF.search(s.get("/login").text)
        assert token, "no CSRF token on /login"
        r = s.post("/login", {"username": user, "password": password,
                              "csrf_token": token.group(1)})
        assert r.status in (302, 303) and "/login" not in (r.header("location") or ""), (
            f"login failed: {r.status} {r.header('location')}")
        return s


@dataclass
class Figures:
    single: list[float]  # medians of each round, ms
    rps: list[float]
    p50: list[float]
    p99: list[float]
    errors: int = 0
    cpu: list[tuple[float, float, float]] = field(default_factory=list)  # app, imap, client

    def add(self, single: float, rps: float, p50: float, p99: float, errors: int) -> None:
        self.single.append(single)
        self.rps.append(rps)
        self.p50.append(p50)
        self.p99.append(p99)
        self.errors += errors

    def medians(self) -> tuple[float, float, float, float]:
        m = statistics.median
        return m(self.single), m(self.rps), m(self.p50), m(self.p99)


_TICK = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system, with reaped children) of every live process in the
    process group ``pgid``: the app's workers, or Dovecot's master and its imap processes
    (Roundcube's short-lived IMAP sessions are counted once Dovecot's master reaps them)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after the ")": state, ppid, pgrp, ..., utime at 11
            total += sum(int(v) for v in fields[11:15])
    return total / _TICK


def wait_first_sync(s: Session, seconds: float = 600) -> float:
    t0 = time.monotonic()
    while True:
        r = s.get(OUR_LIST)
        if r.status == 200 and INDEXING not in r.body:
            return time.monotonic() - t0
        if r.status != 200:
            raise RuntimeError(f"the list page failed: {r.status} {r.text[:300]}")
        if time.monotonic() - t0 > seconds:
            raise RuntimeError(f"the first sync did not finish in {seconds:.0f} s")
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.roundcube")
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4,
                        help="gunicorn workers and PHP_CLI_SERVER_WORKERS alike")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=15, help="requests in the single phase")
    parser.add_argument("--requests", type=int, default=20,
                        help="per session in the concurrent phase")
    parser.add_argument("--seconds", type=float, default=40.0,
                        help="cap on one concurrent phase")
    parser.add_argument("--tree", type=Path, default=REPO,
                        help="the checkout of this webmail that gunicorn serves (default: "
                        "this one; e.g. a `git archive HEAD` export)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    import grp
    import pwd

    from bench.maildir import generate
    from tests.support.imapserver import Dovecot

    rc_version = ensure_roundcube()
    work = Path(tempfile.mkdtemp(prefix="webmail-bench-rc-"))
    os.chmod(work, 0o711)
    server = Dovecot(users=len(sizes), extra_config="maildir_very_dirty_syncs = yes")
    uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    ours = rc = None
    try:
        for i, size in enumerate(sizes, 1):
            g = generate(server.maildir(f"user{i}"), size, uid=uid, gid=gid)
            print(f"user{i}: wrote {size} messages ({g.late} late) in {g.seconds:.1f} s",
                  flush=True)
        server.start()
        ours = Ours(work, server.port, args.workers, args.tree)
        rc = Roundcube(work, server.port, args.workers)
        ours.start()
        rc.start()
        print(f"cpus={os.cpu_count()} workers={args.workers} (gunicorn sync workers; "
              f"php -S workers) sessions={args.sessions} Roundcube {rc_version} "
              f"PHP {php_version()} Python {sys.version.split()[0]}", flush=True)
        sessions: dict[tuple[str, int], list[Session]] = {}
        for i, size in enumerate(sizes, 1):
            user, password = f"user{i}", f"secret-{i}"
            sessions["ours", size] = [ours.session(user, password)
                                      for _ in range(args.sessions)]
            took = wait_first_sync(sessions["ours", size][0])
            print(f"ours {size}: first sync done {took:.1f} s after the logins", flush=True)
            t0 = time.monotonic()
            sessions["rc", size] = [rc.session(user, password) for _ in range(args.sessions)]
            first = rc_list(sessions["rc", size][0])
            assert rc_ok(first), first.text[:500]
            print(f"Roundcube {size}: {args.sessions} logins and a first list "
                  f"{time.monotonic() - t0:.1f} s", flush=True)
        send = {"ours": (our_list, our_ok), "rc": (rc_list, rc_ok)}
        # Warm: every session on every worker. Ours keeps a connection per session in each
        # worker, made (login, SELECT, first check) by the first request the worker takes for
        # it; which worker takes a request is the kernel's choice, so each session sends 6 per
        # worker (a pair missed with odds (1 - 1/w)^(6w) < e^-6: none of 64 expected). The same
        # count for Roundcube.
        for (name, size), group in sessions.items():
            result = hammer(group, *send[name], 6 * max(1, args.workers), 240)
            assert result.errors == 0, (name, size, result.first_error)
        figures = {key: Figures([], [], [], []) for key in sessions}
        print(f"\n{'round':>5} {'webmail':>9} {'size':>7} | {'single ms':>9} | {'n':>4} | "
              f"{'req/s':>6} | {'p50 ms':>7} | {'p99 ms':>7} | "
              f"{'CPU ms per request: app':>23} {'imap':>7} {'client':>6} | err", flush=True)
        for rnd in range(args.rounds):
            for size in sizes:
                order = ("ours", "rc") if rnd % 2 == 0 else ("rc", "ours")
                for name in order:
                    group = sessions[name, size]
                    fn, ok = send[name]
                    single = []
                    for _ in range(args.single):
                        r = fn(group[0])
                        assert ok(r), (name, size, r.status, r.text[:300])
                        single.append(r.ms)
                    app_proc = (ours if name == "ours" else rc).proc
                    assert app_proc is not None and server.proc is not None
                    app_pgid, imap_pgid = app_proc.pid, server.proc.pid
                    cpu0 = (group_cpu(app_pgid), group_cpu(imap_pgid), time.process_time())
                    res = hammer(group, fn, ok, args.requests, args.seconds)
                    cpu1 = (group_cpu(app_pgid), group_cpu(imap_pgid), time.process_time())
                    n = max(1, len(res.latencies) + res.errors)
                    app_ms, imap_ms, client_ms = (
                        (b - a) * 1000 / n for a, b in zip(cpu0, cpu1, strict=True))
                    one = statistics.median(single)
                    figures[name, size].add(one, res.rps, res.pct(50), res.pct(99), res.errors)
                    figures[name, size].cpu.append((app_ms, imap_ms, client_ms))
                    label = "ours" if name == "ours" else "Roundcube"
                    print(f"{rnd + 1:>5} {label:>9} {size:>7} | {one:>9.1f} | "
                          f"{len(res.latencies):>4} | {res.rps:>6.1f} | {res.pct(50):>7.1f} | "
                          f"{res.pct(99):>7.1f} | {app_ms:>7.1f} {imap_ms:>7.1f} "
                          f"{client_ms:>6.1f} | {res.errors}"
                          + (f" first: {res.first_error[:200]}" if res.errors else ""),
                          flush=True)
        print(f"\nmedians over {args.rounds} rounds\n")
        print(f"{'size':>7} {'webmail':>9} | {'single ms':>9} | {'req/s':>6} | {'p50 ms':>7} | "
              f"{'p99 ms':>7} | CPU ms per request: app, imap, client")
        verdicts = []
        for size in sizes:
            o = figures["ours", size].medians()
            c = figures["rc", size].medians()
            for label, key in (("ours", "ours"), ("Roundcube", "rc")):
                m = figures[key, size].medians()
                cpu = [statistics.median(c) for c in zip(*figures[key, size].cpu, strict=True)]
                print(f"{size:>7} {label:>9} | {m[0]:>9.1f} | {m[1]:>6.1f} | {m[2]:>7.1f} | "
                      f"{m[3]:>7.1f} | " + ", ".join(f"{v:.1f}" for v in cpu))
            ratio_rps, ratio_p99, ratio_single = o[1] / c[1], o[3] / c[3], o[0] / c[0]
            print(f"{size:>7} {'ratio':>9} | {ratio_single:>8.2f}x | {ratio_rps:>5.2f}x | "
                  f"{o[2] / c[2]:>6.2f}x | {ratio_p99:>6.2f}x   (ours / Roundcube)")
            verdicts.append(
                f"{size}: req/s {ratio_rps:.2f}x (goal >= 2: "
                f"{'met' if ratio_rps >= 2 else 'missed'}), p99 {ratio_p99:.2f}x (goal <= 0.5: "
                f"{'met' if ratio_p99 <= 0.5 else 'missed'}), single {ratio_single:.2f}x "
                f"(goal <= 0.5: {'met' if ratio_single <= 0.5 else 'missed'})")
        print("\n" + "\n".join(verdicts))
        errors = sum(f.errors for f in figures.values())
        if errors:
            print(f"\n{errors} failed requests (not counted in the latencies)")
    finally:
        if ours is not None:
            ours.stop()
        if rc is not None:
            rc.stop()
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
