"""The reader's settings: time zone (detected by the browser or chosen), list order, and the
senders whose remote content always loads (added from the read view, removed here)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from webmail.sessions.prefs import MAX_ADDRESS_CHARS, SORT_MODES, valid_zone, zone_names
from webmail.sessions.security import safe_next
from webmail.views.access import current_user, login_required, preferences

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("/")
@login_required
def show() -> str:
    return render_template(
        "settings/index.html", zones=zone_names(), saved=request.args.get("saved") == "1"
    )


@bp.post("/")
@login_required
def save() -> Response | tuple[str, int]:
    zone = request.form.get("timezone", "")
    auto = request.form.get("timezone_auto") == "1"
    if not valid_zone(zone):
        return render_template(
            "settings/index.html",
            zones=zone_names(),
            saved=False,
            error=f"Unknown time zone: {zone[:64]}",
        ), 400
    changes: dict[str, object] = {"timezone": zone, "timezone_auto": auto}
    if "display_name" in request.form:  # the name on the reader's own mail (From)
        changes["display_name"] = request.form.get("display_name", "")
    preferences().update(_user(), **changes)
    return redirect(url_for("settings.show", saved=1))


@bp.post("/timezone/detected")
@login_required
def detected() -> Response:
    """The browser reports its zone (app.js); kept only while the reader has not chosen one."""
    zone = request.form.get("timezone", "")
    if not valid_zone(zone):
        return jsonify(ok=False, error="unknown time zone"), 400  # type: ignore[return-value]
    prefs = preferences().get(_user())
    changed = prefs.timezone_auto and prefs.timezone != zone
    if changed:
        preferences().update(_user(), timezone=zone)
    return jsonify(ok=True, changed=changed)


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


def _user() -> str:
    user = current_user()
    assert user is not None  # login_required ran
    return user
