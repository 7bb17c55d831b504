"""The reader's settings: time zone (detected by the browser or chosen), list order, and the
senders whose remote content always loads (added from the read view, removed here)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from webmail.i18n import LANGUAGE_COOKIE, LANGUAGES, gettext
from webmail.sessions.prefs import (
    MAX_ADDRESS_CHARS,
    SORT_MODES,
    canonical_zones,
    valid_zone,
    zone_groups,
)
from webmail.sessions.security import safe_next
from webmail.views.access import (
    BROWSER_ZONE_COOKIE,
    FOLLOW_COOKIE,
    current_user,
    login_required,
    preferences,
)

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("/")
@login_required
def show() -> str:
    saved = request.args.get("saved") == "1"
    return render_template("settings/index.html", saved=saved, **_zones())


@bp.post("/")
@login_required
def save() -> Response | tuple[str, int]:
    zone = request.form.get("timezone", "")
    if not valid_zone(zone):
        return render_template(
            "settings/index.html",
            saved=False,
            error=gettext("Unknown time zone: %(zone)s", zone=zone[:64]),
            **_zones(),
        ), 400
    # Choosing a zone other than the one shown turns following the browser off: otherwise
    # app.js would put the browser's zone back on the next page (issue 13, defect 2).
    shown = g.zone.key
    follow = request.form.get("timezone_auto") == "1" and zone == shown
    changes: dict[str, object] = {"timezone": zone, "timezone_auto": follow}
    if "display_name" in request.form:  # the name on the reader's own mail (From)
        changes["display_name"] = request.form.get("display_name", "")
    language = request.form.get("language")
    if language is not None and (language == "" or language in LANGUAGES):
        changes["language"] = language  # "" follows the browser (Accept-Language)
    preferences().update(_user(), **changes)
    response = redirect(url_for("settings.show", saved=1))
    _remember(response, FOLLOW_COOKIE, "1" if follow else "0")
    if language == "":
        response.delete_cookie(LANGUAGE_COOKIE)
    elif language in LANGUAGES:  # the sign-in page of this browser speaks it too
        _remember(response, LANGUAGE_COOKIE, language)
    return response


@bp.post("/timezone/detected")
@login_required
def detected() -> Response:
    """The browser reports its zone (app.js). It is kept in this browser's cookie, never in
    the account; ``changed`` tells the page to reload once, when it now shows other times."""
    zone = request.form.get("timezone", "")
    if not valid_zone(zone):
        return jsonify(ok=False, error="unknown time zone"), 400  # type: ignore[return-value]
    changed = bool(g.tz_follow) and g.zone.key != zone
    response = jsonify(ok=True, changed=changed)
    _remember(response, BROWSER_ZONE_COOKIE, zone)
    return response


def _remember(response: Response, name: str, value: str) -> None:
    """A cookie of this browser's own choice of time zone or language (a year, never sent
    cross-site)."""
    response.set_cookie(
        name, value, max_age=365 * 86400, httponly=True, samesite="Lax",
        secure=request.is_secure,
    )


@bp.post("/sort")
@login_required
def sort() -> Response:
    mode = request.form.get("sort", "")
    if mode not in SORT_MODES:
        abort(400)
    preferences().update(_user(), sort=mode)
    return redirect(safe_next(request.form.get("next"), url_for("mail.index")))


@bp.post("/remote-senders/remove")
@login_required
def forget_remote_sender() -> Response:
    """Stop loading remote content for one sender."""
    preferences().forget_remote(_user(), request.form.get("address", "")[:MAX_ADDRESS_CHARS])
    return redirect(url_for("settings.show", saved=1))


def _zones() -> dict[str, object]:
    """The zone picker's choices: canonical zones by region, with their offsets now."""
    return {"zone_groups": zone_groups(datetime.now(UTC)), "zone_keys": set(canonical_zones())}


def _user() -> str:
    user = current_user()
    assert user is not None  # login_required ran
    return user
