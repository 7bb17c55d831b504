"""Settings → Folders: create, rename and delete folders (``GET /settings/folders`` and its
POST forms; a delete asks first, naming the subfolders and messages that go with it).

Names are typed as people write them, any script (imapclient sends them in modified UTF-7,
RFC 3501 §5.1.3), one level at a time: the new folder's parent is chosen from a list, so the
server's hierarchy delimiter never has to be typed. Special-use folders (Inbox, Sent, Drafts,
Trash, Junk, Archive: what SPECIAL-USE or the name says) and the folders above them cannot be
renamed or deleted here: the webmail and other mail programs file mail into them.
"""

from __future__ import annotations

import unicodedata

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.wrappers import Response

from webmail.i18n import gettext, ngettext
from webmail.mailbox import Folder
from webmail.views.access import forget_folders, login_required, user_mailbox
from webmail.views.notices import notice, see_other, take_notice
from webmail.views.words import folder_label

bp = Blueprint("folders", __name__, url_prefix="/settings/folders")

#: Characters a folder name may not hold: LIST's wildcards, and the backslash (RFC 3501 §5.1).
FORBIDDEN = frozenset("*%\\")
MAX_NAME = 100


def name_problem(name: str, delimiter: str | None) -> str | None:
    """What is wrong with ``name`` as one level of a folder name, or ``None``."""
    if not name:
        return gettext("Type a name for the folder.")
    if len(name) > MAX_NAME:
        return gettext("A folder name has at most %(num)s characters.", num=MAX_NAME)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        return gettext("A folder name cannot hold control characters or line breaks.")
    if delimiter and delimiter in name:
        return gettext(
            "A folder name cannot hold “%(delimiter)s”: choose the folder it goes in instead.",
            delimiter=delimiter,
        )
    if FORBIDDEN & set(name) or name in (".", ".."):
        return gettext(
            "A folder name cannot be “.” or “..”, nor hold %(star)s, %(percent)s or %(slash)s.",
            star="*", percent="%", slash="\\",
        )
    if name.upper() == "INBOX":
        return gettext("“INBOX” is the name of the Inbox.")
    return None


def protected(folder: Folder, folders: list[Folder]) -> bool:
    """A special-use folder, or one above a special-use folder."""
    if folder.role is not None or folder.name.upper() == "INBOX":
        return True
    prefix = folder.name + (folder.delimiter or "\0")
    return any(f.role is not None and f.name.startswith(prefix) for f in folders)


def _delimiter(folders: list[Folder]) -> str:
    return next((f.delimiter for f in folders if f.delimiter), "/")


def _subfolders(folder: Folder, folders: list[Folder]) -> list[Folder]:
    """Every folder below ``folder``, deepest first."""
    prefix = folder.name + (folder.delimiter or "\0")
    below = [f for f in folders if f.name.startswith(prefix)]
    return sorted(below, key=lambda f: (-f.name.count(folder.delimiter or "\0"), f.name))


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    with user_mailbox() as mbox:
        folders = mbox.folders()
    return render_template(
        "settings/folders.html", folders=folders, error=error,
        locked={f.name for f in folders if protected(f, folders)},
        notice=(take_notice() or {}).get("text"),
    ), status


def _done(text: str) -> Response:
    notice(text)
    return see_other(url_for("folders.show"))


@bp.get("/")
@login_required
def show() -> tuple[str, int]:
    """The folders, each with rename and delete (special-use ones locked), and "New folder"."""
    return _page()


@bp.post("/create")
@login_required
def create() -> Response | tuple[str, int]:
    """A new folder ``name`` inside ``parent`` (``""``: at the top)."""
    name = request.form.get("name", "").strip()
    parent = request.form.get("parent", "")
    with user_mailbox() as mbox:
        folders = mbox.folders()
        delimiter = _delimiter(folders)
        problem = name_problem(name, delimiter)
        if parent and parent not in {f.name for f in folders}:
            problem = gettext("Choose the folder it goes in from the list.")
        full = f"{parent}{delimiter}{name}" if parent else name
        if problem is None and full in {f.name for f in folders}:
            problem = gettext("There is a folder “%(folder)s” already.", folder=full)
        if problem is None:
            mbox.create_folder(full)
    if problem is not None:
        return _page(problem, 400)
    return _done(gettext("Folder “%(folder)s” made.", folder=full))


@bp.post("/rename")
@login_required
def rename() -> Response | tuple[str, int]:
    """``folder`` renamed to ``name`` at the same level; its subfolders follow."""
    old = request.form.get("folder", "")
    name = request.form.get("name", "").strip()
    problem: str | None = None
    with user_mailbox() as mbox:
        folders = mbox.folders()
        folder = next((f for f in folders if f.name == old), None)
        if folder is None:
            abort(404)
        delimiter = folder.delimiter or _delimiter(folders)
        head, sep, _ = old.rpartition(delimiter) if folder.delimiter else ("", "", old)
        new = f"{head}{sep}{name}"
        moved = [old, *(f.name for f in _subfolders(folder, folders))]
        if protected(folder, folders):
            problem = gettext(
                "“%(folder)s” is a special folder: it keeps its name.", folder=folder_label(folder)
            )
        else:
            problem = name_problem(name, delimiter)
        if problem is None and new != old and new in {f.name for f in folders}:
            problem = gettext("There is a folder “%(folder)s” already.", folder=new)
        if problem is None and new != old:
            mbox.rename_folder(old, new)
    if problem is not None:
        return _page(problem, 400)
    if new == old:
        return _done(gettext("The name is the same."))
    forget_folders(moved)
    return _done(gettext("Folder “%(old)s” is now “%(new)s”.", old=old, new=new))


@bp.post("/delete")
@login_required
def delete() -> Response | tuple[str, int]:
    """Without ``confirm``: the page that names what goes (subfolders, messages); with it,
    the subfolders (deepest first), then the folder."""
    name = request.form.get("folder", "")
    with user_mailbox() as mbox:
        folders = mbox.folders()
        folder = next((f for f in folders if f.name == name), None)
        if folder is None:
            abort(404)
        below = _subfolders(folder, folders)
        locked = protected(folder, folders)
        asked = request.form.get("confirm") == "1"
        if asked and not locked:
            for f in [*below, folder]:
                mbox.delete_folder(f.name)
    if locked:
        return _page(gettext(
            "“%(folder)s” is a special folder: it cannot be deleted.", folder=folder_label(folder)
        ), 400)
    if not asked:
        count = sum(f.total or 0 for f in [folder, *below])
        return render_template(
            "settings/folder_delete.html", folder=folder, below=below, count=count,
            folders=folders,
        ), 200
    forget_folders([name, *(f.name for f in below)])
    if below:
        return _done(ngettext(
            "Folder “%(folder)s” with %(num)s subfolder deleted.",
            "Folder “%(folder)s” with %(num)s subfolders deleted.",
            len(below), folder=name,
        ))
    return _done(gettext("Folder “%(folder)s” deleted.", folder=name))
