"""Every failure becomes a calm page: mail-server errors, CSRF refusals, 404 and 500.

MailboxError is translated here and nowhere else. A wrong or outdated password shows the
login page with the message; no traceback ever reaches a reader.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, session
from werkzeug.exceptions import HTTPException

from webmail.i18n import gettext
from webmail.mailbox import AuthError, MailboxError, NotFound, ServerRefused
from webmail.services import services
from webmail.sessions import ServerSession
from webmail.sessions.security import CSRFError
from webmail.views.access import POOL_KEY, current_user
from webmail.views.words import known

bp = Blueprint("errors", __name__)


@bp.app_errorhandler(AuthError)
def auth_failed(error: AuthError) -> tuple[str, int]:
    from webmail.views.auth import render_login

    username = request.form.get("username", "") if request.endpoint == "auth.login_post" else ""
    if current_user() is not None:  # the stored password stopped working: sign out for good
        username = current_user() or ""
        key = session.get(POOL_KEY)
        if isinstance(key, str):
            services().pool.discard(key)
        assert isinstance(session, ServerSession)
        session.destroy()
    return render_login(known(error.user_message), username, error.status)


@bp.app_errorhandler(MailboxError)
def mailbox_failed(error: MailboxError) -> tuple[str, int]:
    current_app.logger.warning("mail server error on %s: %r", request.path, error)
    answered = isinstance(error, (NotFound, ServerRefused))  # the server said no: it is fine
    if current_user() is not None and not answered:
        key = session.get(POOL_KEY)
        if isinstance(key, str):  # a broken connection must not be reused
            services().pool.discard(key)  # (a message another client deleted breaks none)
    # A refusal is no outage: trying again gets the same answer, so the page offers no retry.
    # Nor is a missing folder or message: it is "not found", not a mail server problem.
    retry = not isinstance(error, (ServerRefused, NotFound))
    title = (
        gettext("Not found") if isinstance(error, NotFound)
        else gettext("The mail server refused this") if isinstance(error, ServerRefused)
        else gettext("Mail server problem")
    )
    return render_template(
        "errors/mailbox.html", message=known(error.user_message), retry=retry, title=title
    ), error.status


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> tuple[str, int]:
    return render_template(
        "errors/http.html",
        code=400,
        title=gettext("Form expired"),
        message=gettext(
            "This form was out of date or did not come from this site. "
            "Please go back, reload the page and try again."
        ),
    ), 400


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    titles = {
        404: gettext("Not found"),
        405: gettext("Not allowed"),
        400: gettext("Bad request"),
        413: gettext("Too large"),
    }
    messages = {
        404: gettext("There is nothing at this address."),
        405: gettext("That action is not available this way."),
        400: gettext("The request could not be understood."),
        413: gettext("That was more than this page accepts."),
    }
    return render_template(
        "errors/http.html",
        code=code,
        title=titles.get(code, gettext("Error %(code)s", code=code)),
        message=messages.get(code, gettext("The request could not be completed.")),
    ), code


@bp.app_errorhandler(Exception)
def unexpected(error: Exception) -> tuple[str, int]:
    current_app.logger.exception("unexpected error on %s", request.path)
    return render_template(
        "errors/http.html",
        code=500,
        title=gettext("Something went wrong"),
        message=gettext("Something went wrong on our side. Please try again."),
    ), 500
