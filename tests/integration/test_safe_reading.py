"""Safe reading over a real Dovecot: the sandboxed body frame and its CSP, inline ``cid:``
images, attachment downloads (names in many scripts, HTML and SVG never rendered), a 20 MB
attachment streamed in bounded memory, and reading that never sets ``\\Seen`` by itself."""

from __future__ import annotations

import base64
import hashlib
import re
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

DATA = Path(__file__).resolve().parents[1] / "data"
ARRIVAL = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BIG_SIZE = 20 * 1024 * 1024
FRAME_CSP = (
    "default-src 'none'; script-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)


def big_attachment() -> bytes:
    """20 MB that compress badly and are cheap to make: a repeated 64 KiB block of hashes."""
    block = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(2048))
    return (block * (BIG_SIZE // len(block) + 1))[:BIG_SIZE]


def build_big_message(payload: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Archive <archive@example.org>"
    msg["To"] = "reader@example.org"
    msg["Subject"] = "Twenty megabytes"
    msg["Date"] = "Mon, 2 Mar 2026 07:59:00 +0000"
    msg.set_content("The backup is attached.\n")
    msg.add_attachment(
        payload, maintype="application", subtype="octet-stream", filename="backup.bin"
    )
    return msg.as_bytes()


SINGLE_PART_PDF = (
    b"From: Scanner <scan@example.org>\r\nTo: reader@example.org\r\nSubject: scan\r\n"
    b"Date: Mon, 2 Mar 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: application/pdf; name="solo.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    + base64.encodebytes(b"%PDF-1.4 solo\n")
)
FILES = {  # UID -> message, delivered in this order
    1: (DATA / "safe" / "newsletter-related-cid.eml").read_bytes(),
    2: (DATA / "safe" / "attachments-many-scripts.eml").read_bytes(),
    3: SINGLE_PART_PDF,
}


@pytest.fixture(scope="module")
def big() -> bytes:
    return big_attachment()


@pytest.fixture
def reader(
    dovecot: Dovecot, new_mail_user: Any, imap_settings: Any, tmp_path: Path, big: bytes
) -> Iterator[tuple[Reader, Any]]:
    user = new_mail_user()
    for uid, raw in [*FILES.items(), (4, build_big_message(big))]:
        dovecot.deliver(user.name, raw, ARRIVAL + timedelta(minutes=uid))
    settings: Settings = imap_settings(dovecot)
    app = webmail_app(settings, tmp_path / "instance")
    r = Reader(app.test_client())
    assert r.login(user.name, user.password).status_code == 302
    yield r, user
    services(app).pool.close_all()


def seen_uids(dovecot: Dovecot, user: Any) -> list[int]:
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        return sorted(client.search(["SEEN"]))
    finally:
        client.logout()


def test_html_mail_is_framed_in_a_sandbox_with_its_own_csp(reader: tuple[Reader, Any]) -> None:
    r, _ = reader
    page = r.page("/message/INBOX/1")
    assert (
        '<iframe class="mail-frame" title="Message body" sandbox="allow-same-origin '
        'allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" '
        'src="/message/INBOX/1/body"></iframe>'
    ) in page
    response = r.client.get("/message/INBOX/1/body")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == FRAME_CSP
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    document = response.get_data(as_text=True)
    assert ">Spring update</h1>" in document
    # The frame embeds its cid: images (it has no cookie to fetch them with).
    logo = re.search(r'<img src="(data:image/png;base64,[^"]+)" alt="Logo"', document)
    assert logo


def test_cid_image_is_served_from_the_message_part(reader: tuple[Reader, Any]) -> None:
    r, _ = reader
    response = r.client.get("/message/INBOX/1/inline/2.2")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(response.data) == 69


@pytest.mark.parametrize(
    ("section", "disposition", "content_type", "size"),
    [
        (
            "2",
            'attachment; filename="No5.pdf"; '
            "filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82%20%E2%84%965.pdf",
            "application/pdf",
            17,
        ),
        (
            "3",
            "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''"
            "%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E6%96%87%E6%9B%B8.pdf",
            "application/pdf",
            17,
        ),
        (
            "4",
            'attachment; filename="attachment.docx"; '
            "filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            9,
        ),
        (
            "5",
            "attachment; filename=\"party.png\"; filename*=UTF-8''party%20%F0%9F%8E%89.png",
            "image/png",
            10,
        ),
        ("6", 'attachment; filename="invoice.html"', "application/octet-stream", 120),
        ("7", 'attachment; filename="chart.svg"', "application/octet-stream", 143),
        (
            "8",
            "attachment; filename=\"cafe.txt\"; filename*=UTF-8''caf%C3%A9.txt",
            "text/plain",
            10,
        ),
    ],
)
def test_attachment_downloads_with_a_safe_name_and_type(
    reader: tuple[Reader, Any], section: str, disposition: str, content_type: str, size: int
) -> None:
    r, _ = reader
    response = r.client.get(f"/message/INBOX/2/part/{section}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == disposition
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert len(response.data) == size


def test_html_and_svg_attachments_are_never_served_inline(reader: tuple[Reader, Any]) -> None:
    r, _ = reader
    html = r.client.get("/message/INBOX/2/part/6")
    assert html.headers["Content-Type"] == "application/octet-stream"
    assert html.headers["Content-Disposition"].startswith("attachment;")
    assert b"<" in html.data  # the bytes are the sender's, only the headers are ours
    assert r.client.get("/message/INBOX/2/inline/6").status_code == 404
    assert r.client.get("/message/INBOX/2/inline/7").status_code == 404  # SVG


def test_attachment_list_links_every_part(reader: tuple[Reader, Any]) -> None:
    r, _ = reader
    page = r.page("/message/INBOX/2")
    links = re.findall(r'<a class="download" href="([^"]+)" download>([^<]+)</a>', page)
    assert links == [
        ("/message/INBOX/2/part/2", "Счёт №5.pdf"),
        ("/message/INBOX/2/part/3", "日本語の文書.pdf"),
        ("/message/INBOX/2/part/4", "تقرير.docx"),
        ("/message/INBOX/2/part/5", "party 🎉.png"),
        ("/message/INBOX/2/part/6", "invoice.html"),
        ("/message/INBOX/2/part/7", "chart.svg"),
        ("/message/INBOX/2/part/8", "café.txt"),
    ]


def test_single_part_message_body_downloads_as_section_one(reader: tuple[Reader, Any]) -> None:
    r, _ = reader
    response = r.client.get("/message/INBOX/3/part/1")
    assert response.headers["Content-Disposition"] == 'attachment; filename="solo.pdf"'
    assert response.data == b"%PDF-1.4 solo\n"


def test_unknown_or_multipart_section_is_404(reader: tuple[Reader, Any]) -> None:
    r, _ = reader
    assert r.client.get("/message/INBOX/1/part/2").status_code == 404  # multipart/related
    assert r.client.get("/message/INBOX/1/part/9").status_code == 404
    assert r.client.get("/message/INBOX/1/part/0.1").status_code == 404


def test_twenty_megabyte_attachment_streams_in_bounded_memory(
    reader: tuple[Reader, Any], big: bytes
) -> None:
    r, _ = reader
    r.page("/message/INBOX/4")  # warm the pooled connection outside the measurement
    digest = hashlib.sha256()
    received = 0
    tracemalloc.start()
    try:
        response = r.client.get("/message/INBOX/4/part/2", buffered=False)
        assert response.status_code == 200
        for chunk in response.response:
            digest.update(chunk)
            received += len(chunk)
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"20 MB download: peak traced allocation {peak / 1024 / 1024:.2f} MiB")
    assert received == BIG_SIZE
    assert digest.digest() == hashlib.sha256(big).digest()
    assert peak < 4 * 1024 * 1024  # a fifth of the attachment; one 256 KiB slice at a time


def test_reading_never_sets_seen_until_the_app_marks_it(
    reader: tuple[Reader, Any], dovecot: Dovecot
) -> None:
    r, user = reader
    for path in (
        "/message/INBOX/1",
        "/message/INBOX/1/body",
        "/message/INBOX/1/inline/2.2",
        "/message/INBOX/2",
        "/message/INBOX/2/part/2",
        "/message/INBOX/3/part/1",
    ):
        response = r.client.get(path)
        assert response.status_code == 200
        response.close()
    assert seen_uids(dovecot, user) == []
    response = r.client.post("/message/INBOX/1/seen", headers={"X-CSRF-Token": r.csrf()})
    assert response.status_code == 204
    assert seen_uids(dovecot, user) == [1]
