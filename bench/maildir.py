"""Write a synthetic Maildir fast: ``python -m bench.maildir DIR COUNT``.

Each message is a real RFC 5322 message with Date, From, To, Subject, Message-ID,
Content-Type and 2-5 Received headers (newest on top), about 1 KB of header, 3.4 Received
lines per message on average, like the mailboxes Dovecot's timings were first measured on. A
fixed share is late (held for hours at one relay), some carry an attachment, some are read or
flagged. Files go straight into ``cur/`` named ``<ts>.<n>.bench,S=<size>,W=<vsize>:2,<flags>``
with ``W`` = bytes + LFs (Dovecot trusts ``S``/``W`` for sizes without opening the file) and
the mtime set to the arrival (Dovecot reads INTERNALDATE from the mtime once, at its first
sync), so Dovecot neither opens nor renames them when it first sees them. New files get UIDs
in the order of the timestamp at the start of their names: arrival order.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

START = 1_700_000_000  # 2023-11-14 22:13:20 UTC: the first arrival
STEP = 37  # seconds between arrivals
RELAYS = (
    "mx1.example.net",
    "relay.example.org",
    "gw.example.com",
    "smtp.example.io",
    "edge.example.de",
)


@dataclass(frozen=True)
class Generated:
    """What was written: ``count`` files, ``late`` of them held > 1 h, ``attachments`` multipart."""

    count: int
    late: int
    attachments: int
    seconds: float


def _received(by: str, frm: str, when: int, n: int) -> bytes:
    stamp = format_datetime(datetime.fromtimestamp(when, UTC))
    return (
        f"Received: from {frm} ({frm} [192.0.2.{n % 250 + 1}])\n"
        f"\tby {by} (Postfix) with ESMTPS id {n:08X}{when % 9973:04X}\n"
        f"\tfor <reader@example.com>; {stamp}\n"
    ).encode()


def message(n: int, arrival: int, rng: random.Random, late: bool, attachment: bool) -> bytes:
    """Message number ``n`` arriving at ``arrival`` (epoch seconds), as LF-terminated bytes."""
    hops = rng.randint(2, 5)
    held = rng.randint(2 * 3600, 3 * 86400) if late else 0
    sent = arrival - held - rng.randint(2, 30) * hops
    times = [sent + 1 + i for i in range(hops)]  # oldest first
    if late:
        times[-1] = arrival - 1  # the last relay held it
    lines = []
    for i in range(hops - 1, -1, -1):  # newest (top) first
        by = "mail.example.com" if i == hops - 1 else RELAYS[i % len(RELAYS)]
        frm = RELAYS[(i - 1) % len(RELAYS)] if i else "client.example.net"
        lines.append(_received(by, frm, times[i], n))
    date = format_datetime(datetime.fromtimestamp(sent, UTC))
    office = rng.choice(("north", "south", "east", "west"))
    subject = f"Report {n}: quarterly figures for the {office} office"
    head = (
        b"".join(lines)
        + (
            f"Date: {date}\n"
            f"From: Sender {n % 997} <sender{n % 997}@example.net>\n"
            f"To: Reader <reader@example.com>\n"
            f"Subject: {subject}\n"
            f"Message-ID: <{n}.{sent}@example.net>\n"
            "MIME-Version: 1.0\n"
        ).encode()
    )
    if not attachment:
        return (
            head
            + b"Content-Type: text/plain; charset=utf-8\n\n"
            + b"Hello,\n\nthe figures are attached in spirit.\n"
        )
    return head + (
        b'Content-Type: multipart/mixed; boundary="b1"\n\n'
        b"--b1\nContent-Type: text/plain; charset=utf-8\n\nSee the attachment.\n"
        b'--b1\nContent-Type: application/pdf; name="report.pdf"\n'
        b'Content-Disposition: attachment; filename="report.pdf"\n'
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b1--\n"
    )


def generate(
    folder: Path,
    count: int,
    *,
    seed: int = 5,
    late_share: float = 0.05,
    attachment_share: float = 0.1,
    first_number: int = 0,
    start: int = START,
    uid: int = -1,
    gid: int = -1,
) -> Generated:
    """Write ``count`` messages into ``folder/cur`` (created if missing); returns what was written.

    ``uid``/``gid`` (when not -1) own every file and dir, as Dovecot's mail user must.
    """
    t0 = time.perf_counter()
    rng = random.Random(seed)
    cur = folder / "cur"
    for part in (folder, cur, folder / "new", folder / "tmp"):
        part.mkdir(parents=True, exist_ok=True)
        if uid != -1:
            os.chown(part, uid, gid)
    late_total = attach_total = 0
    for i in range(count):
        n = first_number + i
        arrival = start + n * STEP
        late = rng.random() < late_share
        attachment = rng.random() < attachment_share
        late_total += late
        attach_total += attachment
        data = message(n, arrival, rng, late, attachment)
        roll = rng.random()
        flags = "FS" if roll < 0.05 else "S" if roll < 0.7 else ""
        name = f"{arrival}.{n}.bench,S={len(data)},W={len(data) + data.count(10)}:2,{flags}"
        fd = os.open(cur / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            if uid != -1:
                os.fchown(fd, uid, gid)
        finally:
            os.close(fd)
        os.utime(cur / name, (arrival, arrival))
    return Generated(count, late_total, attach_total, time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.maildir", description=__doc__.splitlines()[0]
    )
    parser.add_argument("folder", type=Path, help="the Maildir folder (cur/ new/ tmp/ are created)")
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    result = generate(args.folder, args.count, seed=args.seed)
    print(
        f"{result.count} messages ({result.late} late, {result.attachments} with an attachment) "
        f"in {result.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
