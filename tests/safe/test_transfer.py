"""Chunked transfer decoding equals decoding the whole part at once, wherever the slices split."""

from __future__ import annotations

import base64
import quopri

import pytest

from webmail.message.transfer import ChunkDecoder, part_info

DATA = bytes(range(256)) * 40 + "Grüße = café\r\nline two\r\n".encode()


def decode_in_slices(encoding: str, body: bytes, size: int) -> bytes:
    decoder = ChunkDecoder(encoding)
    out = b"".join(decoder.feed(body[i : i + size]) for i in range(0, len(body), size))
    return out + decoder.finish()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 76, 77, 1000, 100_000])
def test_base64_in_any_slices_equals_the_whole(size: int) -> None:
    body = base64.encodebytes(DATA).replace(b"\n", b"\r\n")
    assert decode_in_slices("base64", body, size) == DATA


@pytest.mark.parametrize("size", [1, 2, 3, 7, 75, 76, 1000, 100_000])
def test_quoted_printable_in_any_slices_equals_the_whole(size: int) -> None:
    text = "Grüße = café, a long line that needs a soft break " * 5 + "\nend"
    body = quopri.encodestring(text.encode())
    assert decode_in_slices("quoted-printable", body, size) == quopri.decodestring(body)


def test_base64_without_padding_or_with_junk_is_decoded_leniently() -> None:
    assert decode_in_slices("base64", b"SGVsbG8\r\n", 3) == b"Hello"
    assert decode_in_slices("base64", b"SGV*sbG8h!", 4) == b"Hello!"


def test_identity_encodings_pass_bytes_through() -> None:
    assert decode_in_slices("8bit", DATA, 7) == DATA
    assert decode_in_slices("binary", DATA, 7) == DATA


def test_part_info_reads_type_name_and_encoding_from_the_mime_header() -> None:
    header = (
        b"Content-Type: application/pdf;\r\n name*=UTF-8''%D0%A1%D1%87%D1%91%D1%82.pdf\r\n"
        b"Content-Transfer-Encoding: BASE64\r\nContent-Disposition: attachment\r\n"
    )
    info = part_info(header)
    assert (info.content_type, info.filename, info.encoding) == (
        "application/pdf",
        "Счёт.pdf",
        "base64",
    )
    assert (
        part_info(b"Content-Type: multipart/related; boundary=x\r\n").content_type
        == "multipart/related"
    )
    assert part_info(b"").encoding == "7bit"
