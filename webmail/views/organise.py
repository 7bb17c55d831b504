"""Organising mail: bulk actions from the list (and the read view), moves, deletes with a
confirmation where they are for good, Empty Trash, Undo, and new mail without a reload.

Every change is a POST with the CSRF token (``sessions.security`` checks it before any view)
and works without JavaScript: the list's checkboxes belong to the bulk form (``form="bulk"``),
and what the buttons act on is chosen with ``scope``: the ticked rows, every row of the page,
or every message the list or search matches (at most :data:`webmail.search.BULK_LIMIT`).

- ``POST /bulk/<folder>``: ``uid`` values (``7``, or ``7:Archive`` for a row of another
  folder in ``in:all`` results) and ``action``: ``read``, ``unread``, ``flag``, ``unflag``,
  ``move`` (to ``target``), ``spam`` (to Junk), ``notspam`` (to the Inbox) or ``delete`` (to
  Trash; in Trash or Junk a confirmation page first, then ``POST /destroy/<folder>``; a
  selection from both, in ``in:all`` results, one page asking about both, then
  ``POST /destroy``).
- ``POST /empty/<folder>``: the confirmation page for emptying Trash or Junk.
- ``POST /undo``: puts back what the last move or delete moved (by the UIDs the server gave
  them, COPYUID; without UIDPLUS, found again in the target by Message-ID among the messages
  newer than its UIDNEXT before the move); the list page after a move offers it, and says
  so plainly when it cannot.
- ``GET /api/news/<folder>``: the folder's message count and every folder's unread count,
  for the list page to offer new mail without a reload (``static/app.js`` polls it).

What a change tells the next page, and what Undo puts back, are kept by
:mod:`webmail.views.notices`; the message as it came (view source, .eml) is
:mod:`webmail.views.original`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
    jsonify,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from webmail.i18n import gettext
from webmail.mailbox import FLAGGED, SEEN, Folder, Mailbox, Moved, NotFound
from webmail.message.query import Query, parse_query
from webmail.search import BULK_LIMIT
from webmail.sessions.security import safe_next
from webmail.views.access import (
    forget_opened,
    login_required,
    user_mailbox,
    user_matching_uids,
)
from webmail.views.notices import (
    NOTICE_KEY,
    TRASH_WORD,
    destroyed_text,
    flagged_text,
    moved_text,
    notice,
    put_back_text,
    see_other,
    take_notice,
    take_undo,
)
from webmail.views.timefmt import reader_zone
from webmail.views.words import folder_label_of

__all__ = ["NOTICE_KEY", "bp", "confirm_destroy", "confirm_mixed", "delete_or_confirm"]

bp = Blueprint("organise", __name__)
bp.add_app_template_global(take_notice)

FLAG_CHANGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "read": ((SEEN,), ()),
    "unread": ((), (SEEN,)),
    "flag": ((FLAGGED,), ()),
    "unflag": ((), (FLAGGED,)),
}
MOVES = ("move", "spam", "notspam", "delete")
#: Folders where "delete" is for good (after a confirmation).
FOR_GOOD = ("trash", "junk")


def _back(folder: str) -> str:
    return safe_next(request.form.get("next"), url_for("mail.folder", folder=folder))


def _role(folders: Iterable[Folder], name: str) -> str | None:
    return next((f.role for f in folders if f.name == name), None)


def _parse_uid(value: str, folder: str) -> tuple[str, int] | None:
    """``7`` -> (folder, 7); ``7:Archive`` -> ("Archive", 7); anything else None."""
    number, _, other = value.partition(":")
    if not number.isdigit() or len(number) > 10 or not 0 < int(number) < 2**32:
        return None
    return (other or folder), int(number)


def _uid_set(text: str) -> list[int]:
    """The UIDs of an ``a:b,c`` set written by :func:`_set_text` (bad parts left out)."""
    out: list[int] = []
    for part in text.split(",")[:BULK_LIMIT]:
        low, _, high = part.partition(":")
        if low.isdigit() and (high.isdigit() or not high):
            a, b = int(low), int(high or low)
            if 0 < a <= b < 2**32 and b - a < BULK_LIMIT:
                out.extend(range(a, b + 1))
        if len(out) >= BULK_LIMIT:
            break
    return out[:BULK_LIMIT]


def _set_text(uids: Iterable[int]) -> str:
    """Sorted UIDs in the short ``a:b,c`` form."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def _chosen(mbox: Mailbox, folders: list[Folder], folder: str) -> dict[str, list[int]]:
    """What the bulk form acts on, by folder: the ticked ``uid`` values, every ``page_uid``
    of the page (``scope=page``), or every match of the list's query and late filter
    (``scope=all``). Folders LIST does not show are left out."""
    scope = request.form.get("scope", "selected")
    names = {f.name for f in folders}
    out: dict[str, list[int]] = {}
    if scope == "all":
        text = request.form.get("q", "")
        query = parse_query(text, reader_zone()) if text.strip() else Query(folder)
        if query.problems:
            return {}
        found = user_matching_uids(
            mbox, folders, folder, query, only_late=request.form.get("late") == "1"
        )
        return {f: uids for f, uids in found.items() if f in names}
    field = "page_uid" if scope == "page" else "uid"
    for value in request.form.getlist(field)[:BULK_LIMIT]:
        parsed = _parse_uid(value, folder)
        if parsed is not None and parsed[0] in names:
            out.setdefault(parsed[0], []).append(parsed[1])
    return out


def _move_all(
    mbox: Mailbox, chosen: Mapping[str, list[int]], target: str
) -> tuple[list[Moved], int]:
    """Move every chosen message to ``target``; (the moves, how many stayed behind)."""
    done: list[Moved] = []
    for name, uids in chosen.items():
        if name == target:
            continue
        moved = mbox.move_messages(name, uids, target)
        for uid in uids:
            forget_opened(name, uid)
        done.append(moved)
    return done, sum(len(m.kept) for m in done)


def confirm_destroy(folder: str, uids: Iterable[int], back: str, *, emptying: bool = False
                    ) -> str:
    """The page that asks before deleting ``uids`` of ``folder`` for good."""
    chosen = sorted(set(uids))
    return render_template(
        "organise/confirm.html", folder=folder, count=len(chosen), uids=_set_text(chosen),
        back=back, emptying=emptying,
    )


def _label(folders: Iterable[Folder], name: str) -> str:
    return folder_label_of(list(folders), name)


def confirm_mixed(
    folders: list[Folder], final: Mapping[str, list[int]], rest: Mapping[str, list[int]],
    back: str,
) -> str:
    """The page that asks before a delete of messages from Trash or Junk (``final``: deleted
    for good) and from other folders (``rest``: moved to Trash) in one selection, naming how
    many in which folder; nothing happens before it is answered."""

    def parts(chosen: Mapping[str, list[int]]) -> list[dict[str, Any]]:
        return [
            {"label": _label(folders, name), "count": len(set(uids)),
             "value": f"{_set_text(uids)} {name}"}
            for name, uids in chosen.items()
        ]  # fmt: skip

    final_parts, rest_parts = parts(final), parts(rest)
    return render_template(
        "organise/confirm_mixed.html", final=final_parts, rest=rest_parts, back=back,
        final_count=sum(p["count"] for p in final_parts),
        rest_count=sum(p["count"] for p in rest_parts),
    )  # fmt: skip


def delete_or_confirm(
    mbox: Mailbox, folders: list[Folder], chosen: Mapping[str, list[int]], back: str
) -> str | None:
    """"Delete" of ``chosen``: out of Trash or Junk, a move to Trash (made when missing) with
    an Undo on the next page (``None``); in Trash or Junk, the page that asks before deleting
    for good; both in one selection (``in:all``), the page that asks about both (those in
    Trash and Junk deleted for good, the others moved to Trash)."""
    final = {n: u for n, u in chosen.items() if _role(folders, n) in FOR_GOOD}
    if final:
        rest = {n: u for n, u in chosen.items() if n not in final}
        if len(final) == 1 and not rest:
            name, uids = next(iter(final.items()))
            return confirm_destroy(name, uids, back)
        return confirm_mixed(folders, final, rest, back)
    trash = mbox.role_folder("trash", create=True) or "Trash"
    done, kept = _move_all(mbox, chosen, trash)
    notice(moved_text(done, kept, gettext(TRASH_WORD)), done)
    return None


@bp.post("/bulk/<path:folder>")
@login_required
def bulk(folder: str) -> Response | str:
    """The bulk form's action (see the module docstring)."""
    action = request.form.get("action", "")
    if action not in FLAG_CHANGES and action not in MOVES:
        abort(400)
    back = _back(folder)
    with user_mailbox() as mbox:
        folders = mbox.folders()
        if folder not in {f.name for f in folders}:
            raise NotFound(f"no folder {folder!r}")
        chosen = {f: u for f, u in _chosen(mbox, folders, folder).items() if u}
        if not chosen:
            notice(gettext("Nothing was selected: tick the messages first, or choose “all”."))
            return see_other(back)
        count = sum(len(u) for u in chosen.values())
        if action in FLAG_CHANGES:
            add, remove = FLAG_CHANGES[action]
            for name, uids in chosen.items():
                mbox.flag_messages(name, uids, add=add, remove=remove)
            notice(flagged_text(action, count))
            return see_other(back)
        if action == "delete":
            return delete_or_confirm(mbox, folders, chosen, back) or see_other(back)
        if action == "spam":
            target = mbox.role_folder("junk", create=True) or "Junk"
        elif action == "notspam":
            target = "INBOX"
        else:
            target = request.form.get("target", "")
            if target not in {f.name for f in folders if f.total is not None}:
                notice(gettext("Choose the folder to move them to."))
                return see_other(back)
        done, kept = _move_all(mbox, chosen, target)
        label = folder_label_of(folders, target)
        notice(moved_text(done, kept, label), done)
    return see_other(back)


@bp.post("/destroy/<path:folder>")
@login_required
def destroy(folder: str) -> Response:
    """Delete for good what the confirmation page named (``uids``), in Trash or Junk only."""
    back = _back(folder)
    uids = _uid_set(request.form.get("uids", ""))
    with user_mailbox() as mbox:
        if _role(mbox.folders(), folder) not in FOR_GOOD:
            abort(400)
        gone = mbox.destroy_messages(folder, uids) if uids else 0
    for uid in uids:
        forget_opened(folder, uid)
    notice(destroyed_text(gone, len(uids)))
    return see_other(back)


def _parts(field: str) -> dict[str, list[int]]:
    """The ``<uid set> <folder>`` values of ``field`` (:func:`confirm_mixed`), by folder; at
    most :data:`BULK_LIMIT` UIDs in all."""
    out: dict[str, list[int]] = {}
    room = BULK_LIMIT
    for value in request.form.getlist(field)[:BULK_LIMIT]:
        uid_text, _, name = value.partition(" ")
        uids = _uid_set(uid_text)[:room]
        if name and uids:
            out.setdefault(name, []).extend(uids)
            room -= len(uids)
    return out


@bp.post("/destroy")
@login_required
def destroy_mixed() -> Response:
    """The answer to :func:`confirm_mixed`: the ``destroy`` parts deleted for good (Trash or
    Junk only, else 400), then the ``trash`` parts moved to Trash, with an Undo for those."""
    back = safe_next(request.form.get("next"), url_for("mail.index"))
    final, rest = _parts("destroy"), _parts("trash")
    done: list[Moved] = []
    with user_mailbox() as mbox:
        folders = mbox.folders()
        if any(_role(folders, name) not in FOR_GOOD for name in final):
            abort(400)
        gone = sum(mbox.destroy_messages(name, uids) for name, uids in final.items())
        names = {f.name for f in folders}
        rest = {n: u for n, u in rest.items() if n in names and _role(folders, n) not in FOR_GOOD}
        text = destroyed_text(gone, sum(len(u) for u in final.values()))
        if rest:
            trash = mbox.role_folder("trash", create=True) or "Trash"
            done, kept = _move_all(mbox, rest, trash)
            text += " " + moved_text(done, kept, gettext(TRASH_WORD))
    for name, uids in final.items():
        for uid in uids:
            forget_opened(name, uid)
    notice(text, done)
    return see_other(back)


@bp.post("/empty/<path:folder>")
@login_required
def empty(folder: str) -> str | Response:
    """The confirmation page for emptying Trash or Junk (every message in it now)."""
    back = _back(folder)
    with user_mailbox() as mbox:
        if _role(mbox.folders(), folder) not in FOR_GOOD:
            abort(400)
        uids = mbox.folder_uids(folder)[:BULK_LIMIT]
    if not uids:
        notice(gettext("It is empty already."))
        return see_other(back)
    return confirm_destroy(folder, uids, back, emptying=True)


@bp.post("/undo")
@login_required
def undo() -> Response:
    """Put back what the last move or delete moved (once), by the UIDs the server gave."""
    moves = take_undo(request.form.get("undo"))
    back = safe_next(request.form.get("next"), url_for("mail.index"))
    if moves is None:
        notice(gettext("There is nothing to undo any more."))
        return see_other(back)
    count = 0
    with user_mailbox() as mbox:
        for moved_to, came_from, uids in moves:
            count += mbox.move_messages(moved_to, uids, came_from).count
    notice(put_back_text(count))
    return see_other(back)


@bp.get("/api/news/<path:folder>")
@login_required
def news(folder: str) -> Response:
    """``{"folder", "total", "unseen", "folders": {name: unseen}}`` from LIST (with STATUS):
    cheap, and the list page compares ``total`` with what it showed."""
    with user_mailbox() as mbox:
        folders = mbox.folders()
    current = next((f for f in folders if f.name == folder), None)
    if current is None:
        abort(404)
    response = jsonify(
        folder=folder, total=current.total, unseen=current.unseen,
        folders={f.name: f.unseen or 0 for f in folders},
    )
    response.headers["Cache-Control"] = "no-store"
    return response
