"""Search: ``GET /folder/<folder>?q=…`` answered as that folder's list page, its rows the
matches (``views/mail.folder`` hands the request over when ``q`` holds something).

The query is read in the reader's zone (``after:``/``before:`` days start at their
midnight); one with problems is not run, and the page says what to change. The list's
state (``q``, ``page``, ``late``) travels with every link that leaves it
(:func:`list_state`), so a message opened from results leads back to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, request, url_for

from webmail.listing import Listing
from webmail.mailbox import Folder, Mailbox, NotFound, Order, Page
from webmail.message.query import parse_query
from webmail.views.access import (
    list_user_folder,
    lists_from_index,
    search_user_folder,
    user_folders,
    user_mailbox,
)
from webmail.views.listpage import list_page, list_state
from webmail.views.timefmt import reader_zone

bp = Blueprint("search", __name__)

#: Without an index, the read view finds its neighbours only in folders up to this size.
NEIGHBOURS_WITHOUT_INDEX = 2000

bp.add_app_template_global(list_state, "list_state")


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
        folders: list[Folder] = user_folders(mbox)
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
    return list_page(
        folders=folders,
        folder=folder,
        current=current,
        gone=gone,
        listed=listed,
        only_late=only_late,
        search=query,
    )


@dataclass(frozen=True)
class Around:
    """Where a message sits in the list it was opened from.

    :ivar newer: the read view of the row above it (the previous one), or ``None``.
    :ivar older: the read view of the row below it (the next one), or ``None``.
    :ivar back: the list page it was opened from (same folder, query, filter and page).
    """

    newer: str | None
    older: str | None
    back: str


def _list_page(
    mbox: Mailbox, folders: list[Folder], folder: str, number: int
) -> Page[Any] | None:
    """Page ``number`` of the list this request came from (its ``q`` and ``late``)."""
    only_late = request.args.get("late") == "1"
    order: Order = "arrival" if g.prefs.sort == "arrival" else "sent"
    text = request.args.get("q", "")
    current = next((f for f in folders if f.name == folder), None)
    try:
        if text.strip():
            query = parse_query(text, reader_zone())
            if not query.runnable:
                return None
            return search_user_folder(
                mbox, folders, folder, query, order=order, only_late=only_late, number=number
            ).page
        return list_user_folder(
            mbox, folder, current, order=order, only_late=only_late, number=number
        ).page
    except NotFound:
        return None


def around_message(folder: str, uid: int, folders: list[Folder]) -> Around:
    """The rows before and after message ``uid`` of ``folder`` in the list it was opened from
    (``list``, ``q``, ``late`` and ``page`` of the request, as :func:`list_state` passes them
    on), crossing to the next or previous page at its ends; their links carry the same list
    state. Neither when the message is not on that page (the list changed meanwhile)."""
    listed = request.args.get("list") or folder
    state: dict[str, Any] = dict(list_state())
    number = _page_number()
    back = url_for("mail.folder", folder=listed, **state)

    def link(row: Any, page: int) -> str:
        args: dict[str, Any] = dict(state, page=str(page))
        if page <= 1:
            args.pop("page", None)
        if row.folder != listed:
            args["list"] = listed
        return url_for("mail.message", folder=row.folder, uid=row.uid, **args)

    size = next((f.total or 0 for f in folders if f.name == listed), 0)
    with user_mailbox() as mbox:
        if not lists_from_index(mbox) and size > NEIGHBOURS_WITHOUT_INDEX:
            return Around(None, None, back)  # every row from IMAP again: not for one message
        page = _list_page(mbox, folders, listed, number)
        if page is None:
            return Around(None, None, back)
        keys = [(r.folder, r.uid) for r in page.rows]
        if (folder, uid) not in keys:
            return Around(None, None, back)
        at = keys.index((folder, uid))
        newer = older = None
        if at > 0:
            newer = link(page.rows[at - 1], page.number)
        elif page.has_prev:
            before = _list_page(mbox, folders, listed, page.number - 1)
            if before is not None and before.rows:
                newer = link(before.rows[-1], before.number)
        if at + 1 < len(page.rows):
            older = link(page.rows[at + 1], page.number)
        elif page.has_next:
            after = _list_page(mbox, folders, listed, page.number + 1)
            if after is not None and after.rows:
                older = link(after.rows[0], after.number)
    return Around(newer, older, back)
