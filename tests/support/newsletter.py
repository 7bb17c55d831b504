"""Generated test mail for the read view: a big HTML newsletter and a short text message.

:func:`newsletter` writes a ``multipart/related`` message of about ``size`` bytes: an HTML
body laid out as real newsletters are (nested tables, inline CSS on every cell, a ``<style>``
block, links, remote images by URL) with ``cid:`` images (small valid PNGs) it refers to, plus
a ``multipart/alternative`` plain-text version. Deterministic: the same arguments give the
same bytes. :func:`short_text` is a few lines of plain text.
"""

from __future__ import annotations

import random
import struct
import zlib
from email.message import EmailMessage

__all__ = ["newsletter", "png", "short_text"]


def png(width: int, height: int, seed: int = 0) -> bytes:
    """A valid RGB PNG of noise (compresses badly, so its size is about 3 x width x height)."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")
    )


_STYLE = """
body { margin: 0; background: #f4f4f4; }
.wrap { width: 100%; background-color: #f4f4f4; }
.card { background: #ffffff; border-radius: 4px; }
.btn a { color: #ffffff !important; text-decoration: none; }
@media only screen and (max-width: 600px) {
  .col { display: block !important; width: 100% !important; }
}
"""


def _story(n: int, rng: random.Random, cids: list[str]) -> str:
    words = " ".join(rng.choice(_WORDS) for _ in range(40))
    image = (
        f'<img src="cid:{cids[n % len(cids)]}" width="120" height="80" alt="Figure {n}" '
        'style="display:block;border:0;outline:none">'
        if cids and n % 25 == 0
        else f'<img src="https://cdn.example.com/news/{n}/thumb.jpg" width="120" height="80" '
        f'alt="Story {n}" style="display:block;border:0;outline:none;text-decoration:none">'
    )
    return (
        '<table role="presentation" class="card" width="100%" cellpadding="0" cellspacing="0" '
        'border="0" style="border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt;'
        'background-color:#ffffff;margin:0 0 12px 0">'
        f'<tr><td class="col" width="140" valign="top" style="padding:12px 8px 12px 16px;'
        f'font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:20px;color:#333333">'
        f'<a href="https://news.example.com/click?id={n}&amp;u=reader" '
        f'style="color:#1a73e8;text-decoration:none">{image}</a></td>'
        f'<td class="col" valign="top" style="padding:12px 16px 12px 8px;'
        f'font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:20px;color:#333333">'
        f'<h2 style="margin:0 0 6px 0;font-size:18px;line-height:24px;color:#111111;'
        f'font-weight:bold">Story {n}: {words[:48]}</h2>'
        f'<p style="margin:0 0 8px 0">{words}</p>'
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>'
        f'<td class="btn" bgcolor="#1a73e8" style="border-radius:3px;padding:6px 14px">'
        f'<a href="https://news.example.com/read/{n}?utm_source=mail&amp;utm_medium=email" '
        f'style="color:#ffffff;font-size:13px;font-weight:bold;text-decoration:none">'
        f'Read more &rarr;</a></td></tr></table></td></tr></table>\n'
    )


_WORDS = (
    "market report growth quarter city council weather storm travel rail delay update "
    "launch product review season festival music science study health research energy "
    "price climate local sport league final match team coach record result"
).split()


def newsletter(size: int = 2 * 1024 * 1024, cid_images: int = 2, seed: int = 7) -> bytes:
    """A newsletter of about ``size`` bytes (see the module docstring)."""
    rng = random.Random(seed)
    cids = [f"img{i}.{seed}@news.example.com" for i in range(cid_images)]
    images = [png(96, 64, seed + i) for i in range(cid_images)]
    head = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Weekly news</title>'
        f"<style>{_STYLE}</style></head><body>"
        '<table role="presentation" class="wrap" width="100%" cellpadding="0" cellspacing="0">'
        '<tr><td align="center" style="padding:16px"><table role="presentation" width="600" '
        'cellpadding="0" cellspacing="0" style="max-width:600px"><tr><td>'
        '<img src="https://cdn.example.com/news/logo.png" width="200" height="40" alt="News">'
    )
    tail = (
        '<p style="font-size:12px;color:#888888">You get this because you signed up. '
        '<a href="https://news.example.com/unsubscribe?u=reader">Unsubscribe</a></p>'
        "</td></tr></table></td></tr></table></body></html>"
    )
    budget = size - sum(len(i) * 4 // 3 for i in images) - 4000
    stories: list[str] = []
    used = len(head) + len(tail)
    n = 0
    while used < budget * 0.85:  # quoted-printable and the text part add the rest
        story = _story(n, rng, cids)
        stories.append(story)
        used += len(story)
        n += 1
    html = head + "".join(stories) + tail
    text = "\n\n".join(f"Story {i}: https://news.example.com/read/{i}" for i in range(n))

    msg = EmailMessage()
    msg["From"] = "Weekly News <news@news.example.com>"
    msg["To"] = "reader@example.org"
    msg["Subject"] = "This week: a big newsletter"
    msg["Date"] = "Mon, 2 Mar 2026 07:59:00 +0000"
    msg["Message-ID"] = f"<news.{seed}@news.example.com>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    html_part = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
    assert isinstance(html_part, EmailMessage)
    for cid, data in zip(cids, images, strict=True):
        html_part.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>")
    return msg.as_bytes()


def short_text(seed: int = 1) -> bytes:
    """A short plain-text message."""
    msg = EmailMessage()
    msg["From"] = "Ada <ada@example.org>"
    msg["To"] = "reader@example.org"
    msg["Subject"] = "Lunch on Thursday?"
    msg["Date"] = "Mon, 2 Mar 2026 07:58:00 +0000"
    msg["Message-ID"] = f"<lunch.{seed}@example.org>"
    msg.set_content("Hi,\n\nare we still on for lunch on Thursday at noon?\n\nAda\n")
    return msg.as_bytes()
