"""Sign in and sign out. Both are POST forms with a CSRF token; sign-in is rate-limited
(:mod:`webmail.sessions.limits`: each attempt counted before it is tried)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from webmail.i18n import N_, gettext
from webmail.mailbox import AuthError, MailboxError
from webmail.services import services
from webmail.sessions import PASSWORD_KEY, ServerSession
from webmail.sessions.limits import DEVICE_COOKIE, DEVICE_SECONDS
from webmail.sessions.security import rotate_csrf_token, safe_next
from webmail.views.access import POOL_KEY, USERNAME_KEY, current_user, forget_reader, settings
from webmail.views.words import english_page

bp = Blueprint("auth", __name__)

MAX_FIELD = 320
TOO_MANY = N_("Too many failed sign-ins. Please wait a few minutes and try again.")
TOO_MANY_SECONDS = N_("Too many failed sign-ins. Please wait %(seconds)s seconds and try again.")


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be used, or ``None``; address-shaped names must be valid."""
    if not username:
        return gettext("Please enter your username.")
    if len(username) > MAX_FIELD or any(c.isspace() for c in username):
        return gettext("A username cannot contain spaces.")
    if "@" in username:
        try:
            validate_email(username, check_deliverability=False)
        except EmailNotValidError as exc:
            if not english_page():  # email-validator says why in English only
                return gettext("That email address looks mistyped.")
            return gettext("That email address looks mistyped: %(reason)s", reason=str(exc))
    return None


def render_login(
    error: str | None = None, username: str = "", status: int = 200
) -> tuple[str, int]:
    """The login page with an optional message (also used by the AuthError handler)."""
    demo = settings().demo
    if demo and not username and error is None:
        username = "demo"
    return render_template(
        "auth/login.html",
        error=error,
        username=username,
        demo=demo,
        next=request.values.get("next", ""),
    ), status


@bp.get("/login")
def login() -> Response | tuple[str, int]:
    if current_user():
        return redirect(url_for("mail.index"))
    return render_login()


@bp.post("/login")
def login_post() -> Response | tuple[str, int] | tuple[str, int, Mapping[str, str]]:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    problem = username_problem(username)
    if problem:
        return render_login(problem, username[:MAX_FIELD], 400)
    if not password or len(password) > 1024:
        return render_login(gettext("Please enter your password."), username, 400)
    limiter = services().limiter
    ip = request.remote_addr or "unknown"
    account = settings().account_name(username)
    device = limiter.device_of(request.cookies.get(DEVICE_COOKIE), account)
    attempt = limiter.attempt(account, ip, device)  # counted now, before it is tried
    if not attempt.allowed:
        wait = attempt.retry_seconds
        text = gettext(TOO_MANY) if wait >= 60 else gettext(TOO_MANY_SECONDS, seconds=wait)
        page, status = render_login(text, username, 429)
        return page, status, {"Retry-After": str(wait)}

    from webmail.mailbox.pool import open_mailbox

    try:
        mbox = open_mailbox(settings(), username, password, client_address=ip)
    except AuthError:
        raise  # counted already; views/errors.py shows the login page with the message
    except MailboxError:
        limiter.not_judged(attempt)  # the server never judged the password
        raise
    mbox.close()
    limiter.succeeded(attempt)
    store = services().sessions
    store.purge(settings().session_idle_minutes * 60)  # forget sessions nobody came back to

    assert isinstance(session, ServerSession)
    old_key = session.get(POOL_KEY)
    if isinstance(old_key, str):  # signing in again over a live session: drop its connection
        services().pool.discard(old_key)
    session.clear()
    session.regenerate()
    rotate_csrf_token()
    session[USERNAME_KEY] = username
    session[PASSWORD_KEY] = store.encrypt(password)
    session[POOL_KEY] = secrets.token_hex(16)
    response = redirect(safe_next(request.form.get("next"), url_for("mail.index")))
    response.set_cookie(  # this browser is a known client of the account from now on
        DEVICE_COOKIE, limiter.device_cookie(account, device), max_age=DEVICE_SECONDS,
        httponly=True, secure=settings().secure_cookies, samesite="Lax",
    )
    return response


@bp.post("/logout")
def logout() -> Response:
    key = session.get(POOL_KEY)
    forget_reader()  # the messages it opened, kept for a moment (mailbox/recent.py)
    if isinstance(key, str):
        services().pool.discard(key)
    assert isinstance(session, ServerSession)
    session.destroy()
    return redirect(url_for("auth.login"))
