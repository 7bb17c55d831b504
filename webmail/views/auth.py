"""Sign in and sign out. Both are POST forms with a CSRF token; sign-in is rate-limited."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from webmail.mailbox import AuthError
from webmail.services import services
from webmail.sessions import PASSWORD_KEY, ServerSession
from webmail.sessions.security import rotate_csrf_token, safe_next
from webmail.views.access import POOL_KEY, USERNAME_KEY, current_user, settings

bp = Blueprint("auth", __name__)

MAX_FIELD = 320
TOO_MANY = "Too many failed sign-ins. Please wait a few minutes and try again."


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be used, or ``None``; address-shaped names must be valid."""
    if not username:
        return "Please enter your username."
    if len(username) > MAX_FIELD or any(c.isspace() for c in username):
        return "A username cannot contain spaces."
    if "@" in username:
        try:
            validate_email(username, check_deliverability=False)
        except EmailNotValidError as exc:
            return f"That email address looks mistyped: {exc}"
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
def login_post() -> Response | tuple[str, int]:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    problem = username_problem(username)
    if problem:
        return render_login(problem, username[:MAX_FIELD], 400)
    if not password or len(password) > 1024:
        return render_login("Please enter your password.", username, 400)
    limiter = services().limiter
    ip = request.remote_addr or "unknown"
    if limiter.blocked(ip, username):
        return render_login(TOO_MANY, username, 429)

    from webmail.mailbox.pool import open_mailbox

    try:
        mbox = open_mailbox(settings(), username, password)
    except AuthError:
        limiter.record_failure(ip, username)
        raise  # views/errors.py shows the login page with the message
    mbox.close()
    limiter.reset_user(username)
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
    return redirect(safe_next(request.form.get("next"), url_for("mail.index")))


@bp.post("/logout")
def logout() -> Response:
    key = session.get(POOL_KEY)
    if isinstance(key, str):
        services().pool.discard(key)
    assert isinstance(session, ServerSession)
    session.destroy()
    return redirect(url_for("auth.login"))
