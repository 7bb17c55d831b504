"""webmail.render.download: download headers that never let an attachment render, names kept."""

from __future__ import annotations

import pytest

from webmail.render.download import (
    download_headers,
    inline_image_headers,
    safe_content_type,
    safe_filename,
)


@pytest.mark.parametrize(
    "content_type, name",
    [
        ("text/html; charset=utf-8", "invoice.html"),
        ("image/svg+xml", "chart.svg"),
        ("application/xhtml+xml", "page.xhtml"),
        ("text/xml", "data.xml"),
        ("application/javascript", "x.js"),
    ],
)
def test_renderable_attachment_downloads_as_octet_stream(content_type: str, name: str) -> None:
    headers = download_headers(name, content_type, 120)
    assert headers == {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
        "Content-Length": "120",
    }


def test_safe_declared_type_passes_through_without_parameters() -> None:
    assert safe_content_type("application/PDF; charset=utf-7") == "application/pdf"
    assert safe_content_type(None) == "application/octet-stream"


@pytest.mark.parametrize(
    "name, ascii_name, encoded",
    [
        ("Счёт №5.pdf", "No5.pdf", "%D0%A1%D1%87%D1%91%D1%82%20%E2%84%965.pdf"),
        (
            "日本語の文書.pdf",
            "attachment.pdf",
            "%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E6%96%87%E6%9B%B8.pdf",
        ),
        ("تقرير.docx", "attachment.docx", "%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.docx"),
        ("party 🎉.png", "party.png", "party%20%F0%9F%8E%89.png"),
        ("café.txt", "cafe.txt", "caf%C3%A9.txt"),
    ],
)
def test_non_ascii_name_is_preserved_in_filename_star(
    name: str, ascii_name: str, encoded: str
) -> None:
    assert download_headers(name, "application/pdf")["Content-Disposition"] == (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
    )


def test_right_to_left_override_is_removed() -> None:
    assert safe_filename("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert download_headers("invoice\u202egpj.exe", "image/jpeg")["Content-Disposition"] == (
        'attachment; filename="invoicegpj.exe"'
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("lpt1.doc", "_lpt1.doc"),
        ("console.txt", "console.txt"),
    ],
)
def test_windows_device_names_are_defused(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/", "attachment.bin"),
        ("...hidden", "hidden"),
        ('a"b<c>d|e?.txt', "a_b_c_d_e_.txt"),
        ("line\r\nbreak.txt", "line break.txt"),
    ],
)
def test_path_separators_and_reserved_characters_are_removed(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_missing_name_falls_back_by_type() -> None:
    assert safe_filename(None, "text/html") == "attachment.html"
    assert (
        download_headers("", "message/rfc822")["Content-Disposition"]
        == 'attachment; filename="attachment.eml"'
    )


def test_ascii_fallback_cannot_break_out_of_the_header() -> None:
    disposition = download_headers('x";\r\nSet-Cookie: a=b.txt', "text/plain")[
        "Content-Disposition"
    ]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition == 'attachment; filename="x_; Set-Cookie_ a=b.txt"'


def test_long_name_is_capped_keeping_its_extension() -> None:
    name = safe_filename("a" * 500 + ".pdf")
    assert len(name) == 180 and name.endswith("aaa.pdf")


def test_only_raster_images_are_served_inline() -> None:
    assert inline_image_headers("image/png", 10) == {
        "Content-Type": "image/png",
        "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
        "Content-Length": "10",
    }
    assert [inline_image_headers(t) for t in ("image/svg+xml", "text/html", None)] == [
        None,
        None,
        None,
    ]
