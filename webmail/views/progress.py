"""The list page's indexing progress as JSON (``GET /api/indexing?folder=INBOX``): app.js updates
the banner in place from it, in a polite live region, instead of reloading the page every few
seconds (issue 13, defect 13). Reads the index only: it never syncs or talks to IMAP."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from webmail.listing import index_account, indexing_progress
from webmail.services import services
from webmail.views.access import current_user, login_required

bp = Blueprint("progress", __name__)


@bp.get("/api/indexing")
@login_required
def indexing() -> Response:
    svc = services()
    user = current_user()
    assert user is not None  # login_required ran
    folder = request.args.get("folder", "INBOX")[:1000]
    progress = indexing_progress(svc.index, index_account(svc.settings, user), folder)
    if progress is None:
        return jsonify(indexing=False)
    return jsonify(indexing=True, done=progress.done, total=progress.total)
