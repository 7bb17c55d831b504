"""Response headers that make an attachment download, never render, whatever the sender declared.

Pure: no Flask, no I/O. The web layer passes :func:`download_headers` to its response (a
``Response(stream, headers=...)`` that streams the part from IMAP).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

__all__ = [
    "INLINE_IMAGE_TYPES",
    "download_headers",
    "inline_image_headers",
    "safe_content_type",
    "safe_filename",
]

#: Types passed through as declared. Nothing a browser runs script in or parses as a document
#: (text/html, image/svg+xml, XML, JavaScript, PDF-like viewers are downloaded anyway):
#: everything else becomes application/octet-stream.
_PASS_THROUGH = re.compile(
    r"(?:image/(?:png|jpeg|gif|webp|bmp|tiff|heic|heif|avif)|audio/[a-z0-9.+-]+|video/[a-z0-9.+-]+"
    r"|text/(?:plain|csv|calendar|vcard)|message/rfc822|application/(?:pdf|zip|gzip|x-tar|x-7z-compressed"
    r"|msword|rtf|vnd\.ms-[a-z0-9.+-]+|vnd\.openxmlformats-[a-z0-9.+-]+|vnd\.oasis\.opendocument\.[a-z0-9.+-]+"
    r"|pgp-signature|pgp-keys|pkcs7-signature|x-pkcs7-signature|ics))"
)
#: Raster images the sanitised body may show inline through cid: (never SVG: it can hold script).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})

_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
    "text/calendar": ".ics",
    "application/zip": ".zip",
}
# Path separators, Windows-reserved characters; control and format characters go by category.
_RESERVED = re.compile(r'[/\\:*?"<>|]')
_WINDOWS_DEVICES = re.compile(r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?", re.IGNORECASE)
MAX_FILENAME_CHARS = 180


def safe_content_type(content_type: str | None) -> str:
    """Return the bare declared type when it is on the pass-through list, else
    ``application/octet-stream``. Parameters are dropped (no charset tricks)."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    return bare if _PASS_THROUGH.fullmatch(bare) else "application/octet-stream"


def safe_filename(
    name: str | None, content_type: str | None = None, fallback: str = "attachment"
) -> str:
    """Return a file name safe to offer for saving; non-ASCII letters are kept.

    Removes path components and separators, control and Unicode format characters (U+202E
    RIGHT-TO-LEFT OVERRIDE turns ``gpj.exe`` into a fake ``exe.jpg``), Windows-reserved
    characters and device names, and leading dots; caps the length, keeping the extension.
    An empty result becomes ``fallback`` plus an extension for ``content_type``.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(
        " "
        if unicodedata.category(c) in ("Zl", "Zp") or c in "\t\r\n"
        else ""
        if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")
        else c
        for c in text
    )
    text = _RESERVED.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").rstrip(". ")
    if _WINDOWS_DEVICES.fullmatch(text):
        text = "_" + text
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 10 else ""
        text = text[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip(". ") + ("." + ext if ext else "")
    if not text:
        bare = (content_type or "").split(";", 1)[0].strip().lower()
        text = fallback + _EXTENSIONS.get(bare, ".bin")
    return text


def _ascii_fallback(name: str) -> str:
    """ASCII version for the legacy ``filename=`` parameter (RFC 6266 §4.3); the extension is
    kept, a stem with no ASCII left becomes ``attachment``."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""

    def ascii_only(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^A-Za-z0-9 !#$&'()+,.;=@\[\]^_`{}~-]", "_", text)

    stem = ascii_only(stem).strip(" .")
    ext = re.sub(r"[^A-Za-z0-9]", "", ascii_only(ext))[:10]
    if not stem.strip("_"):
        stem = "attachment"
    return stem + ("." + ext if ext else "")


def download_headers(
    filename: str | None, content_type: str | None, size: int | None = None
) -> dict[str, str]:
    """Return the headers for downloading one part.

    ``Content-Disposition: attachment`` with an ASCII ``filename`` and an RFC 5987/6266
    ``filename*=UTF-8''...`` carrying the real name; the :func:`safe_content_type`;
    ``X-Content-Type-Options: nosniff``; a CSP that sandboxes the response should any browser
    still render it; ``Content-Length`` when ``size`` is known.
    """
    name = safe_filename(filename, content_type)
    disposition = f'attachment; filename="{_ascii_fallback(name)}"'
    if not name.isascii() or _ascii_fallback(name) != name:
        disposition += "; filename*=UTF-8''" + quote(name, safe="!#$&+-.^_`|~")
    headers = {
        "Content-Type": safe_content_type(content_type),
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    if size is not None and size >= 0:
        headers["Content-Length"] = str(size)
    return headers


def inline_image_headers(
    content_type: str | None, size: int | None = None
) -> dict[str, str] | None:
    """Headers for serving a ``cid:`` part inside the message frame, or ``None`` when the part
    is not a raster image (the view then answers 404: SVG and HTML parts are never inline).
    Never cached, like the pages: after sign-out the browser must not still hold the mail."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    if bare not in INLINE_IMAGE_TYPES:
        return None
    headers = {
        "Content-Type": bare,
        "Content-Disposition": "inline",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    if size is not None and size >= 0:
        headers["Content-Length"] = str(size)
    return headers
