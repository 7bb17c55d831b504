"""What the last change tells the next page: the notice (once) and what "Undo" puts back.

A change (a flag change, a move, a delete, a folder made or renamed) ends in a redirect; its
sentence waits in the session for the next page (``mail/_notice.html`` calls
:func:`take_notice`), with the record of a move, by the UIDs the server gave the moved mail
(COPYUID), that ``POST /undo`` (``views/organise.undo``) takes back once. The sentences are
written here, in the page's language.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import session
from werkzeug.wrappers import Response

from webmail.i18n import N_, gettext, ngettext
from webmail.mailbox import Moved
from webmail.views.timefmt import number

NOTICE_KEY = "organise_notice"
UNDO_KEY = "organise_undo"

#: Where "delete" moves mail, as the notices name it ("3 messages moved to Trash.").
TRASH_WORD = N_("Trash")


def notice(text: str, undo: list[Moved] | None = None) -> None:
    """Tell the next page what was done; with ``undo``, keep what "Undo" puts back."""
    session[NOTICE_KEY] = text
    moves = [[m.target, m.source, sorted(m.uids.values())] for m in undo or () if m.uids]
    if moves:
        session[UNDO_KEY] = {"id": secrets.token_urlsafe(12), "moves": moves}
    else:
        session.pop(UNDO_KEY, None)


def see_other(target: str) -> Response:
    """The 303 that follows a change: the browser GETs ``target``, which shows the notice."""
    response = Response(status=303)
    response.headers["Location"] = target
    return response


def take_notice() -> dict[str, Any] | None:
    """The notice of the last change (once), with its undo id when it can be undone."""
    text = session.pop(NOTICE_KEY, None) if NOTICE_KEY in session else None
    if not isinstance(text, str):
        return None
    undo = session.get(UNDO_KEY)
    return {"text": text, "undo": undo.get("id") if isinstance(undo, dict) else None}


def take_undo(token: str | None) -> list[tuple[str, str, list[int]]] | None:
    """The moves the notice's Undo ``token`` puts back, as (moved to, came from, UIDs there),
    taken once; ``None`` when there is nothing to undo under that token any more."""
    record = session.get(UNDO_KEY)
    if not isinstance(record, dict) or record.get("id") != token:
        return None
    session.pop(UNDO_KEY, None)
    return [
        (str(moved_to), str(came_from), [int(u) for u in uids])
        for moved_to, came_from, uids in record.get("moves", [])
    ]


def flagged_text(action: str, count: int) -> str:
    """``3 messages marked read.`` (the notice of a flag change), in the page's language."""
    n = number(count)
    if action == "read":
        return ngettext("%(num)s message marked read.", "%(num)s messages marked read.", count,
                        num=n)
    if action == "unread":
        return ngettext("%(num)s message marked unread.", "%(num)s messages marked unread.",
                        count, num=n)
    if action == "flag":
        return ngettext("%(num)s message flagged.", "%(num)s messages flagged.", count, num=n)
    return ngettext("%(num)s message unflagged.", "%(num)s messages unflagged.", count, num=n)


def moved_text(done: list[Moved], kept: int, target: str) -> str:
    """What a move to the folder labelled ``target`` did, in the page's language."""
    count = sum(m.count for m in done)
    if not count:
        return gettext("Nothing was moved: those messages are not there any more.")
    parts = [ngettext(
        "%(num)s message moved to %(folder)s.", "%(num)s messages moved to %(folder)s.", count,
        num=number(count), folder=target,
    )]
    known = sum(len(m.uids) for m in done)
    if not known:
        parts.append(gettext(
            "Undo is not available: this server did not say where they went, and they could"
            " not be found there by their Message-ID."
        ))
    elif known < count:
        parts.append(ngettext(
            "Undo can put back %(num)s of them: the server did not say where the others"
            " went, and they could not be found there by their Message-ID.",
            "Undo can put back %(num)s of them: the server did not say where the others"
            " went, and they could not be found there by their Message-ID.",
            known, num=number(known),
        ))
    if kept:
        parts.append(ngettext(
            "%(num)s message also stayed here marked as deleted: this server cannot remove"
            " one message without the others marked so.",
            "%(num)s messages also stayed here marked as deleted: this server cannot remove"
            " one message without the others marked so.",
            kept, num=number(kept),
        ))
    return " ".join(parts)


def destroyed_text(gone: int, asked: int) -> str:
    """What deleting ``asked`` messages for good did, ``gone`` of them removed."""
    text = ngettext("%(num)s message deleted for good.", "%(num)s messages deleted for good.",
                    gone, num=number(gone))
    if asked > gone:
        text += " " + ngettext(
            "%(num)s message could not be removed (already gone, or marked as deleted).",
            "%(num)s messages could not be removed (already gone, or marked as deleted).",
            asked - gone, num=number(asked - gone),
        )
    return text


def put_back_text(count: int) -> str:
    """What an Undo did."""
    return ngettext(
        "%(num)s message put back.", "%(num)s messages put back.", count, num=number(count)
    )
