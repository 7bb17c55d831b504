"""Folders, the message list and the read view; flag changes and delete as POST forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from webmail.listing import Listing
from webmail.mailbox import FLAGGED, SEEN, Folder, Mailbox, NotFound
from webmail.render.download import INLINE_IMAGE_TYPES
from webmail.render.pathline import path_line
from webmail.render.reading import format_addresses
from webmail.sessions.security import safe_next
from webmail.views.access import (
    REMOTE_PARAM,
    folder_visit,
    forget_opened,
    list_user_folder,
    login_required,
    open_message,
    read_user_mailbox,
    reading_of,
    user_folders,
    user_late_news,
    user_mailbox,
)
from webmail.views.listpage import list_page
from webmail.views.organise import delete_or_confirm
from webmail.views.search import around_message, search_page
from webmail.views.timefmt import reader_zone
from webmail.views.words import late_news_text

bp = Blueprint("mail", __name__)

INBOX = "INBOX"
# action name -> (flags to add, flags to remove)
FLAG_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "read": ((SEEN,), ()),
    "unread": ((), (SEEN,)),
    "flag": ((FLAGGED,), ()),
    "unflag": ((), (FLAGGED,)),
}


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(url_for("mail.folder", folder=INBOX))


@bp.get("/folder/<path:folder>")
@login_required
def folder(folder: str) -> tuple[str, int]:
    """One page of a folder. A folder another client deleted meanwhile is a list page that
    says so (404), not an error page; one it deleted and re-created is listed afresh."""
    text = request.args.get("q", "")
    if text.strip():  # a search: this page with the matches for rows (views/search.py)
        return search_page(folder, text)
    only_late = request.args.get("late") == "1"
    visit = folder_visit(folder)

    def read(mbox: Mailbox) -> tuple[list[Folder], Folder | None, Listing | str, Any]:
        folders = user_folders(mbox)
        current = next((f for f in folders if f.name == folder), None)
        try:
            listed = list_user_folder(
                mbox,
                folder,
                current,
                order="arrival" if g.prefs.sort == "arrival" else "sent",
                only_late=only_late,
                number=_page_number(),
            )
        except NotFound as gone:  # not on the server (any more)
            return folders, None, gone.user_message, None
        # The banner: late mail still unread that arrived since the previous visit.
        return folders, current, listed, user_late_news(mbox, folder, visit)

    folders, current, listed, news = read_user_mailbox(read)
    gone = listed if isinstance(listed, str) else None  # the folder is not on the server
    return list_page(
        folders=folders,
        folder=folder,
        current=current,
        gone=gone,
        listed=None if isinstance(listed, str) else listed,
        only_late=only_late,
        news=news,
        news_text="" if news is None else late_news_text(news, reader_zone()),
    )


@bp.get("/message/<path:folder>/<uid:uid>")
@login_required
def message(folder: str, uid: int) -> str:
    """The read view. A GET changes nothing: message() fetches with BODY.PEEK, and app.js marks
    the message read with a POST to :func:`mark_seen` once the page is open."""
    opened = open_message(folder, uid, fresh=True)
    full = opened.full
    with user_mailbox() as mbox:
        folders = user_folders(mbox)
    reading = reading_of(opened, folder, uid)
    parsed = reading.parsed
    headers = {
        "From": format_addresses(parsed.from_),
        "To": format_addresses(parsed.to),
        "Cc": format_addresses(parsed.cc),
        "Reply-To": format_addresses(parsed.reply_to),
        "Subject": parsed.subject,
    }
    return render_template(
        "mail/read.html",
        folders=folders,
        folder=folder,
        msg=full.summary,
        headers=headers,
        reading=reading,
        remote_param=REMOTE_PARAM,
        inline_types=INLINE_IMAGE_TYPES,
        analysis=full.summary.analysis,
        pathline=path_line(full.summary.analysis) if full.summary.late else None,
        around=around_message(folder, uid, folders),
    )


@bp.post("/message/<path:folder>/<uid:uid>/seen")
@login_required
def mark_seen(folder: str, uid: int) -> tuple[str, int]:
    """Mark one message read (app.js calls it when the read view opens); 204."""
    with user_mailbox() as mbox:
        mbox.set_flags(folder, uid, add=[SEEN])
    return "", 204


@bp.post("/message/<path:folder>/<uid:uid>/flags")
@login_required
def set_flags(folder: str, uid: int) -> Response:
    action = FLAG_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    with user_mailbox() as mbox:
        mbox.set_flags(folder, uid, add=action[0], remove=action[1])
    fallback = url_for("mail.folder", folder=folder)
    return redirect(safe_next(request.form.get("next"), fallback))


@bp.post("/message/<path:folder>/<uid:uid>/delete")
@login_required
def delete(folder: str, uid: int) -> Response | str:
    """Move one message to Trash, with an Undo on the next page; in Trash or Junk, the page
    that asks before deleting it for good (views/organise.py)."""
    fallback = url_for("mail.folder", folder=folder)
    target = safe_next(request.form.get("next"), fallback)
    # never return to the message that just left this folder
    if target.startswith(url_for("mail.message", folder=folder, uid=uid)):
        target = fallback
    with user_mailbox() as mbox:
        confirm = delete_or_confirm(mbox, mbox.folders(), {folder: [uid]}, target)
    if confirm is not None:
        return confirm
    forget_opened(folder, uid)
    return redirect(target)
