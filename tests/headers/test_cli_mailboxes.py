"""``python -m webmail.headers`` on whole mailboxes: mbox files and Maildir folders, one JSON
line per message, ``--incidents``, and bounded memory however big the mailbox."""

from __future__ import annotations

import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from webmail.headers.cli import main
from webmail.mailbox.demodata import HELD_HOST, OUTAGE, generate

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)  # the demo's reference (as in tests/web)
FRIDAY = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)


def message(sent: datetime, released: datetime, host: str, body: bytes = b"hello\n") -> bytes:
    """A message sent at ``sent``, stamped by ``host`` 10 s later, released at ``released``."""
    return (
        f"Received: from {host} by imap.example.com with LMTP; {format_datetime(released)}\n"
        f"Received: from smtp.example.org by {host} with ESMTPS;"
        f" {format_datetime(sent + timedelta(seconds=10))}\n"
        f"Date: {format_datetime(sent)}\nSubject: sent {sent:%a %H:%M}\n\n"
    ).encode() + body


def mbox(*messages: bytes) -> bytes:
    """An mbox (mboxrd) of ``messages``: a From line before each, body From lines quoted."""
    out = []
    for raw in messages:
        head, _, body = raw.partition(b"\n\n")
        body = b"\n".join(
            b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n")
        )
        out.append(b"From MAILER-DAEMON Fri Oct 30 18:00:00 2026\n" + head + b"\n\n" + body + b"\n")
    return b"".join(out)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(argv, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


LATE_MX2 = message(
    FRIDAY,
    FRIDAY + timedelta(days=2),
    "mx2.example.com",
    body=b"From the weekend:\nFrom here on, nothing arrived.\n",
)
ON_TIME = message(
    FRIDAY + timedelta(hours=1), FRIDAY + timedelta(hours=1, seconds=30), "mx1.example.com"
)
LATE_RELAY = message(FRIDAY + timedelta(hours=2), FRIDAY + timedelta(hours=9), "relay.example.net")


def test_each_message_of_an_mbox_is_its_own_json_line_with_its_index(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox(LATE_MX2, ON_TIME, LATE_RELAY))
    status, out, _ = run(["--json", str(path)])
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    assert [(r["path"], r["index"]) for r in records] == [
        (str(path), 0),
        (str(path), 1),
        (str(path), 2),
    ]
    assert [r["delayed"] for r in records] == [True, False, True]
    assert [r["held_at"] for r in records] == [
        "mx2.example.com",
        "mx1.example.com",
        "relay.example.net",
    ]
    assert records[0]["sent"] == "2026-10-30T18:00:00Z"
    assert list(records[0])[:3] == ["path", "index", "date_header"]


def test_the_timeline_names_the_mbox_message_by_its_index(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox(LATE_MX2, ON_TIME))
    _, out, _ = run([str(path)])
    assert out.startswith(f"{path}[0]\n  Date header  2026-10-30 18:00:00 +0000\n")
    assert f"\n{path}[1]\n" in out


def test_a_maildir_is_read_from_new_then_cur_and_nothing_else(tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for part in ("new", "cur", "tmp", ".Sent/cur", ".Sent/new"):
        (box / part).mkdir(parents=True)
    (box / "cur" / "1700000001.M1P1.host:2,S").write_bytes(ON_TIME)
    (box / "cur" / "1700000000.M1P1.host:2,").write_bytes(LATE_MX2)
    (box / "new" / "1700000002.M1P1.host").write_bytes(LATE_RELAY)
    (box / "tmp" / "1700000003.M1P1.host").write_bytes(b"half delivered")
    (box / "dovecot-uidlist").write_bytes(b"3 V1 N4\n")
    (box / ".Sent" / "cur" / "1700000004.M1P1.host:2,S").write_bytes(ON_TIME)
    status, out, _ = run(["--json", str(box)])
    paths = [json.loads(line)["path"] for line in out.splitlines()]
    assert status == 0
    assert paths == [
        str(box / "new" / "1700000002.M1P1.host"),
        str(box / "cur" / "1700000000.M1P1.host:2,"),
        str(box / "cur" / "1700000001.M1P1.host:2,S"),
        str(box / ".Sent" / "cur" / "1700000004.M1P1.host:2,S"),
    ]
    assert all("index" not in json.loads(line) for line in out.splitlines())


def test_incidents_of_an_mbox_as_text_and_json(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    second_mx2 = message(
        FRIDAY + timedelta(hours=5), FRIDAY + timedelta(days=2, hours=1), "mx2.example.com"
    )
    path.write_bytes(mbox(LATE_MX2, ON_TIME, LATE_RELAY, second_mx2))
    status, out, _ = run(["--incidents", "--json", str(path)])
    assert status == 0
    assert out.count("\n") == 1
    incidents = json.loads(out)
    assert [(i["host"], i["count"]) for i in incidents] == [
        ("relay.example.net", 1),
        ("mx2.example.com", 2),
    ]
    assert incidents[1] == {
        "host": "mx2.example.com",
        "start": "2026-10-30T18:00:10Z",
        "end": "2026-11-01T19:00:00Z",
        "count": 2,
        "max_delay_seconds": 2 * 86400,
        "median_delay_seconds": 2 * 86400 - 4 * 3600,
        "query": "held:mx2.example.com after:2026-10-30 before:2026-10-31 is:late",
    }
    _, text, _ = run(["--incidents", str(path)])
    assert text.splitlines() == [
        "2 incidents in 4 messages (3 late, limit 1 h)",
        "  relay.example.net  2026-10-30 20:00:10 UTC -> 2026-10-31 03:00:00 UTC  1 message"
        "  longest 7 h, median 7 h",
        "    search: held:relay.example.net after:2026-10-30 before:2026-10-31 is:late",
        "  mx2.example.com  2026-10-30 18:00:10 UTC -> 2026-11-01 19:00:00 UTC  2 messages"
        "  longest 2 d, median 1 d 20 h",
        "    search: held:mx2.example.com after:2026-10-30 before:2026-10-31 is:late",
    ]


def test_the_demo_outage_is_one_incident_at_the_held_mx(tmp_path: Path) -> None:
    inbox = [m for m in generate(NOW) if m.folder == "INBOX"]
    path = tmp_path / "demo.mbox"
    path.write_bytes(mbox(*(m.raw.replace(b"\r\n", b"\n") for m in inbox)))
    _, out, _ = run(["--incidents", "--json", str(path)])
    (incident,) = json.loads(out)
    outage = [m for m in inbox if m.kind == OUTAGE]
    assert incident["host"] == HELD_HOST
    assert incident["count"] == len(outage) == 18
    assert incident["end"] == max(m.arrival - timedelta(seconds=1) for m in outage).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_unreadable_files_are_reported_on_stderr_with_incidents(tmp_path: Path) -> None:
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox(LATE_MX2))
    status, out, err = run(["--incidents", "--json", str(tmp_path / "missing.mbox"), str(path)])
    assert status == 1
    assert err == f"{tmp_path / 'missing.mbox'}: cannot read file: No such file or directory\n"
    assert [i["count"] for i in json.loads(out)] == [1]


def test_a_big_mbox_streams_through_in_bounded_memory(tmp_path: Path) -> None:
    # 2,000 messages of 6 KB, one of them with a 2 MB body line: 14 MB of mbox. The run holds
    # one header block and one line piece at a time, plus one small hold per late message.
    body = b"".join(b"line %d of a long body, quoted From lines and all\n" % n for n in range(120))
    path = tmp_path / "big.mbox"
    with path.open("wb") as handle:
        for n in range(2000):
            sent = FRIDAY + timedelta(minutes=n)
            released = sent + (timedelta(hours=30) if n % 10 == 0 else timedelta(seconds=30))
            extra = b"x" * (2 * 1024 * 1024) + b"\n" if n == 1000 else b""
            handle.write(mbox(message(sent, released, "mx2.example.com", body + extra)))
    assert path.stat().st_size > 14_000_000
    tracemalloc.start()
    try:
        status, out, _ = run(["--incidents", "--json", str(path)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 0
    assert [i["count"] for i in json.loads(out)] == [200]
    assert peak < 1_500_000, peak
