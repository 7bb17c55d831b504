"""What the read view fetches of a large message (``webmail.mailbox.skeleton``), on
BODYSTRUCTUREs as imapclient parses them; no server needed."""

from __future__ import annotations

import base64

from webmail.mailbox import skeleton
from webmail.message.parse import parse_message

MB = 1024 * 1024


def text(subtype: bytes, size: int, encoding: bytes = b"7bit") -> tuple[object, ...]:
    return (b"text", subtype, (b"charset", b"utf-8"), None, None, encoding, size, 1,
            None, None, None, None)


def attachment(size: int, name: bytes = b"photos.zip") -> tuple[object, ...]:
    return (b"application", b"zip", (b"name", name), None, None, b"base64", size, None,
            (b"attachment", (b"filename", name)), None, None)


def image(size: int) -> tuple[object, ...]:
    return (b"image", b"png", None, b"<logo@example.net>", None, b"base64", size, None,
            None, None, None)


def multipart(subtype: bytes, *parts: object) -> tuple[object, ...]:
    return (list(parts), subtype, (b"boundary", subtype), None, None, None)


def test_a_big_attachment_is_left_out_with_its_decoded_size() -> None:
    encoded = base64.encodebytes(b"x" * 30_000_000).replace(b"\n", b"\r\n")
    root = skeleton.tree_of(multipart(b"mixed", text(b"plain", 40), attachment(len(encoded))))
    items, left_out = skeleton.plan(root)
    assert items == ["BODY.PEEK[1.MIME]", "BODY.PEEK[2.MIME]", "BODY.PEEK[1]"]
    assert left_out == {"2": 30_000_000}


def test_inline_images_come_and_a_small_attached_message_comes_whole() -> None:
    message = (b"message", b"rfc822", None, None, None, b"7bit", 500, (), (), 10,
               None, None, None, None)
    big_message = (b"message", b"rfc822", None, None, None, b"7bit", 9 * MB, (), (), 10,
                   None, None, None, None)
    root = skeleton.tree_of(multipart(
        b"mixed", multipart(b"related", text(b"html", 100), image(3000)), message, big_message
    ))
    items, left_out = skeleton.plan(root)
    bodies = [i for i in items if not i.endswith(".MIME]")]
    assert bodies == [
        "BODY.PEEK[1.1]", "BODY.PEEK[1.2]", "BODY.PEEK[2]", "BODY.PEEK[3.HEADER]"
    ]
    assert left_out == {"3": 9 * MB}


def test_a_huge_text_body_comes_cut_at_a_line_with_a_warning() -> None:
    root = skeleton.tree_of(text(b"plain", 5 * MB))
    items, left_out = skeleton.plan(root)
    assert items == [f"BODY.PEEK[1]<0.{skeleton.TEXT_BYTES}>"]
    assert left_out == {"1": 5 * MB}
    header = b"From: a@example.net\r\nSubject: long\r\nContent-Type: text/plain\r\n\r\n"
    start = b"line one\r\nline two\r\nline thr"
    raw = skeleton.assemble(root, header, {"1": start}, left_out)
    parsed = parse_message(raw).with_left_out(left_out)
    assert parsed.text is not None and parsed.text.text == "line one\r\nline two\r\n"
    assert parsed.warnings[-1] == (
        "The message text is too long to show here whole; only its beginning is shown."
    )


def test_the_assembled_message_parses_to_the_same_parts_with_the_sizes_put_back() -> None:
    root = skeleton.tree_of(multipart(b"mixed", text(b"html", 20), attachment(4 * MB)))
    items, left_out = skeleton.plan(root)
    fetched = {
        "1.MIME": b"Content-Type: text/html; charset=utf-8\r\n\r\n",
        "1": b"<p>Hello <b>you</b></p>",
        "2.MIME": b'Content-Type: application/zip; name="photos.zip"\r\n'
        b'Content-Disposition: attachment; filename="photos.zip"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n",
    }
    header = (
        b"Subject: hi\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    )
    parsed = parse_message(skeleton.assemble(root, header, fetched, left_out))
    parsed = parsed.with_left_out(left_out)
    assert parsed.html is not None and parsed.html.text == "<p>Hello <b>you</b></p>"
    assert [(p.section, p.filename, p.size) for p in parsed.attachments] == [
        ("2", "photos.zip", left_out["2"])
    ]
    assert parsed.warnings == ()


def test_a_structure_it_cannot_read_is_refused() -> None:
    for junk in (None, (), (b"text",), ([], None), "text/plain"):
        try:
            skeleton.tree_of(junk)
        except ValueError:
            continue
        raise AssertionError(f"{junk!r} was accepted")
