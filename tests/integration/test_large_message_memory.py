"""Reading a 40 MB message (a 30 MB attachment, base64) holds only what the read view shows:
the page and its frame together stay under 100 MB of extra memory, and still show the text,
the HTML body with its inline image, and the attachment with its name and size.

Measured in a child process as its peak RSS (``VmHWM``, reset just before: ``clear_refs``)
over its RSS just before it opens the message: what the app holds is what the reader's server
pays for. (Not ``ru_maxrss``: it keeps the peak of the process that forked the child.)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot, MailUser
from webmail.config import Settings
from webmail.mailbox import skeleton
from webmail.mailbox.imap import ImapMailbox
from webmail.message.parse import Body, ParsedMessage, parse_message
from webmail.views.timefmt import file_size

ATTACHMENT_BYTES = 30_000_000
EXTRA_RSS_LIMIT = 100 * 1024 * 1024
PNG = base64.b64decode(  # a 1x1 transparent PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

CHILD = r"""
import json, sys
from pathlib import Path
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings

port, name, password, instance = sys.argv[1:]
settings = Settings(
    imap_host="127.0.0.1", imap_port=int(port), imap_security="plain",
    imap_connect_timeout=5.0, imap_timeout=30.0, secret_key="test-secret",
)
reader = Reader(webmail_app(settings, Path(instance)).test_client())
assert reader.login(name, password).status_code == 302
reader.page("/folder/INBOX")

def status(name):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(name))
    return int(line.split()[1]) * 1024

Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from the RSS now
before = status("VmRSS:")
page = reader.client.get("/message/INBOX/1")
frame = reader.client.get("/message/INBOX/1/body")
peak = status("VmHWM:")
print(json.dumps({
    "extra": peak - before,
    "page": [page.status_code, page.get_data(as_text=True)],
    "frame": [frame.status_code, frame.get_data(as_text=True)],
}))
"""


def big_message() -> bytes:
    """Text and HTML alternatives with an inline image (multipart/related), then a 30 MB zip."""
    attachment = base64.encodebytes(os.urandom(ATTACHMENT_BYTES))
    return b"".join([
        b"From: Big Sender <big@example.net>\r\nTo: reader@example.com\r\n",
        b"Subject: the holiday photos\r\nDate: Wed, 04 Nov 2026 10:00:00 +0000\r\n",
        b"Message-ID: <big@example.net>\r\nMIME-Version: 1.0\r\n",
        b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n',
        b"This is a multi-part message in MIME format.\r\n",
        b'--outer\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n',
        b'--rel\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n',
        b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        b"Here are the photos (plain words).\r\n",
        b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
        b'<p>Here are the <b>photos</b>, with our logo <img src="cid:logo@example.net"></p>\r\n',
        b"--alt--\r\n",
        b"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.net>\r\n",
        b"Content-Transfer-Encoding: base64\r\n\r\n",
        base64.encodebytes(PNG),
        b"--rel--\r\n",
        b'--outer\r\nContent-Type: application/zip; name="photos.zip"\r\n',
        b'Content-Disposition: attachment; filename="photos.zip"\r\n',
        b"Content-Transfer-Encoding: base64\r\n\r\n",
        attachment,
        b"--outer--\r\n",
    ])


def test_a_40_mb_message_is_read_without_holding_it_in_memory(
    dovecot: Dovecot, mail_user: MailUser, tmp_path: Path
) -> None:
    raw = big_message()
    assert len(raw) > 40_000_000
    dovecot.deliver(mail_user.name, raw, datetime(2026, 11, 4, 10, 5, tzinfo=UTC))
    del raw
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(dovecot.port), mail_user.name, mail_user.password,
         str(tmp_path / "instance")],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, timeout=120,
    )
    assert child.returncode == 0, child.stderr.decode()[-3000:]
    seen = json.loads(child.stdout.decode().splitlines()[-1])
    (status, page), (frame_status, frame) = seen["page"], seen["frame"]
    assert (status, frame_status) == (200, 200), page[:2000]
    assert "the holiday photos" in page
    assert "photos.zip" in page
    assert f'<span class="size">{file_size(ATTACHMENT_BYTES)}</span>' in page
    assert "<b>photos</b>" in frame
    assert "data:image/png;base64," + base64.b64encode(PNG).decode() in frame
    extra_mb = seen["extra"] / 2**20
    assert seen["extra"] < EXTRA_RSS_LIMIT, f"reading the message took {extra_mb:.0f} MB more RSS"


EML = sorted((Path(__file__).resolve().parents[1] / "data").rglob("*.eml"))


def _body(body: Body | None) -> tuple[object, ...] | None:
    # Blank lines at a body's ends aside: where a part's MIME framing is broken (no blank line
    # after its header, no closing boundary: msg_47.eml, oracle_net_techblast.eml), Dovecot's
    # sections and the email package disagree on a line break there.
    return None if body is None else (body.kind, body.text.strip(), body.section, body.charset)


def _shown(parsed: ParsedMessage) -> tuple[object, ...]:
    """What the read view shows of a parse, but the sizes and warnings."""
    return (
        parsed.subject, parsed.from_, parsed.to, parsed.cc, parsed.date,
        _body(parsed.html), _body(parsed.text),
        sorted((cid, p.section, p.content_type, p.filename) for cid, p in parsed.inline.items()),
        [(p.section, p.content_type, p.filename, p.inline) for p in parsed.attachments],
    )


def test_every_test_message_read_part_by_part_shows_what_it_shows_whole(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The part-by-part read of a large message, forced on every message of tests/data: the
    same bodies, inline parts and attachment list as the whole message gives."""
    for n, path in enumerate(EML):
        arrival = datetime(2026, 1, 1, n // 60, n % 60, tzinfo=UTC)
        dovecot.deliver(mail_user.name, path.read_bytes(), arrival)
    mbox = ImapMailbox.connect(imap_settings(dovecot), mail_user.name, mail_user.password)
    try:
        wholes = {uid: mbox.message("INBOX", uid) for uid in range(1, len(EML) + 1)}
        monkeypatch.setattr(skeleton, "WHOLE_BYTES", 1)
        differ = []
        for uid, whole in wholes.items():
            assert whole.left_out == {}
            by_part = mbox.message("INBOX", uid)
            assert by_part.summary == whole.summary
            assert len(by_part.raw) <= len(whole.raw) + 1024
            expected = parse_message(whole.raw)
            got = parse_message(by_part.raw).with_left_out(by_part.left_out)
            if _shown(got) != _shown(expected):
                differ.append(EML[uid - 1].name)
        assert differ == []
    finally:
        mbox.close()
