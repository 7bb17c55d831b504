"""Search: ``GET /folder/<folder>?q=…`` answered as that folder's list page, its rows the
matches (``views/mail.folder`` hands the request over when ``q`` holds something).

The query is read in the reader's zone (``after:``/``before:`` days start at their
midnight); one with problems is not run, and the page says what to change. The list's
state (``q``, ``page``, ``late``) travels with every link that leaves it
(:func:`list_state`), so a message opened from results leads back to them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from webmail.listing import Listing
from webmail.mailbox import Folder, NotFound, Page
from webmail.message.query import parse_query
from webmail.views.access import search_user_folder, user_mailbox
from webmail.views.timefmt import reader_zone

bp = Blueprint("search", __name__)

#: The request arguments that make up a list's state, in the order links carry them.
LIST_ARGS = ("q", "late", "page")


@bp.app_template_global()
def list_state() -> dict[str, str]:
    """The state of the list this request belongs to (``q``, ``late``, ``page`` as given,
    empty ones left out): for links that must lead back to the same page of the same list."""
    out = {}
    for name in LIST_ARGS:
        value = request.args.get(name, "")
        if value.strip():
            out[name] = value
    return out


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def search_page(folder: str, text: str) -> tuple[str, int]:
    """The list page of ``folder`` showing the matches of ``text`` (see the module
    docstring); a folder LIST does not show is a 404 page that says so."""
    only_late = request.args.get("late") == "1"
    query = parse_query(text, reader_zone())
    gone: str | None = None
    listed: Listing | None = None
    with user_mailbox() as mbox:
        folders: list[Folder] = mbox.folders()
        current = next((f for f in folders if f.name == folder), None)
        if query.runnable:
            try:
                listed = search_user_folder(
                    mbox, folders, folder, query,
                    order="arrival" if g.prefs.sort == "arrival" else "sent",
                    only_late=only_late, number=_page_number(),
                )
            except NotFound as missing:
                gone, current = missing.user_message, None
    page: Page[Any] = listed.page if listed is not None else Page([], 1, 1, 0, 0, 0)
    return render_template(
        "mail/list.html",
        folders=folders,
        folder=folder,
        current=current,
        gone=gone,
        page=page,
        late_count=page.late_count,
        indexing=listed.indexing if listed is not None else None,
        only_late=only_late,
        sort=g.prefs.sort,
        news=None,
        news_text="",
        q=query.text,
        search=query,
    ), 404 if gone else 200
