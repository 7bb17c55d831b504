"""Security headers on every response, and CSRF on every POST (the sign-in limits are in
:mod:`webmail.sessions.limits`).

Content-Security-Policy allows only this app's own script and style files: no inline
script, no inline style, no framing of our pages, no form posting elsewhere. The one frame
a page may hold is a message body from this app (``frame-src 'self'``); that body document gets
its own, stricter policy from :func:`frame_headers`.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request, session

CSRF_KEY = "csrf_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


#: Strict-Transport-Security when the app is served over HTTPS: one year, this host only (the
#: webmail may share its domain with sites that are not on HTTPS).
HSTS = "max-age=31536000"


#: The sandbox of the message frame, repeated in its CSP so that opening the body URL directly
#: (outside our iframe) is just as inert. No allow-scripts: nothing in the mail runs.
#: allow-same-origin (without allow-scripts) only so that app.js in the page can measure the
#: body's height; with no script in the frame, the frame itself can reach nothing of ours
#: (see templates/mail/read.html for why each flag is there). The CSP's sandbox must carry it
#: too: a CSP sandbox without it would make the document opaque whatever the iframe says.
FRAME_SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox"


def frame_policy(allow_remote: bool) -> str:
    """The Content-Security-Policy of a message body document.

    No script (``script-src 'none'``, and the sandbox has no allow-scripts), no fetch, no
    forms, no plugins, no nested frames, no ``<base>``; images only
    from this app (``cid:`` parts) and ``data:``, plus ``https:`` when the reader chose to show
    remote content; inline ``<style>`` because real newsletters lay out with it (its content
    went through the CSS sanitiser). Only this app may frame it.
    """
    images = "'self' data: https:" if allow_remote else "'self' data:"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'none'",
            f"img-src {images}",
            "style-src 'unsafe-inline'",
            "frame-ancestors 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            f"sandbox {FRAME_SANDBOX}",
        )
    )


def frame_headers(allow_remote: bool) -> dict[str, str]:
    """Headers of a message body document: its own CSP, framable by this app only
    (replacing the app-wide ``frame-ancestors 'none'`` / ``X-Frame-Options: DENY``), no
    referrer, no sniffing, never cached."""
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": frame_policy(allow_remote),
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


class CSRFError(Exception):
    """A state-changing request came without the session's CSRF token."""


def csrf_token() -> str:
    """This session's CSRF token, made on first use (it starts a server-side session)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def rotate_csrf_token() -> None:
    """Forget the token so a new one is made (on login)."""
    session.pop(CSRF_KEY, None)


def check_csrf() -> None:
    """Refuse (400) a state-changing request whose form field or header lacks the token.

    A request no route takes (an unknown URL, or ``PUT`` where only ``GET`` is served) is left
    to the routing error it already has: 404 or 405, not 400.
    """
    if request.method not in UNSAFE_METHODS or request.routing_exception is not None:
        return
    expected = session.get(CSRF_KEY)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CSRFError()


def add_headers(response: Response) -> Response:
    """Set the security headers; pages that show mail are never cached. With secure cookies
    (``WEBMAIL_SECURE_COOKIES``, the app is served over HTTPS) browsers are told to use HTTPS
    only (:data:`HSTS`)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (no open redirect).

    A control character (a raw newline, a tab, NUL ...) makes any target the fallback: it
    cannot go into a ``Location`` header, and browsers drop tabs and newlines from URLs, so
    ``/<TAB>/evil.example`` would leave the site.
    """
    if not target or not target.isprintable():
        return fallback
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return fallback
    return target


def init_app(app: Flask) -> None:
    """Install CSRF checking, the headers and the ``csrf_token`` template global."""
    app.before_request(check_csrf)
    app.after_request(add_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
