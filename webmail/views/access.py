"""The one seam between views and the reader's mailbox, plus who is logged in.

Views call :func:`user_mailbox`, :func:`list_user_folder`, :func:`open_message` and
:func:`user_delays` and never see the password: it is decrypted here, handed to the
connection pool, and forgotten.
``g.zone`` and ``g.prefs`` are set for every logged-in request.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from flask import g, redirect, request, session, url_for

from webmail.config import Settings
from webmail.delays import (
    DelayReport,
    LateNews,
    delay_report,
    late_news,
    next_visit,
    visit_changed,
)
from webmail.listing import Listing, index_account, list_folder
from webmail.mailbox import (
    AuthError,
    ConnectionLost,
    Folder,
    FullMessage,
    Mailbox,
    NotFound,
    Order,
    revalidating,
    syncing,
)
from webmail.message.parse import ParsedMessage, parse_message
from webmail.message.query import Query
from webmail.render.reading import Reading, read_message
from webmail.render.sanitize import SanitizedHtml
from webmail.search import matching_uids, search_folders
from webmail.services import services
from webmail.sessions.prefs import Preferences, UserPrefs, valid_zone

USERNAME_KEY = "username"
POOL_KEY = "pool_key"
#: The query parameter that shows remote content for one message (a GET that changes nothing).
REMOTE_PARAM = "remote"

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def settings() -> Settings:
    """This app's configuration."""
    return services().settings


def preferences() -> Preferences:
    return services().prefs


def current_user() -> str | None:
    """The logged-in IMAP username, or ``None``."""
    name = session.get(USERNAME_KEY)
    return name if isinstance(name, str) else None


def load_prefs() -> UserPrefs:
    """The reader's preferences, also put on ``g.prefs`` and ``g.zone``."""
    user = current_user()
    prefs = preferences().get(user) if user else UserPrefs()
    g.prefs = prefs
    g.tz_follow = follows_browser(prefs)
    browser = request.cookies.get(BROWSER_ZONE_COOKIE, "")
    chosen = browser if g.tz_follow and valid_zone(browser) else prefs.timezone
    g.zone = ZoneInfo(chosen)
    return prefs


# "Follow my browser's time zone" belongs to the browser, not the account: two devices in two
# zones each show their own, and neither rewrites the stored zone (issue 13, defect 2).
FOLLOW_COOKIE = "webmail_tz_follow"
BROWSER_ZONE_COOKIE = "webmail_tz_browser"


def follows_browser(prefs: UserPrefs) -> bool:
    """Whether this browser shows times in its own zone: its cookie says, else the account's
    default (true until the reader chooses a zone)."""
    flag = request.cookies.get(FOLLOW_COOKIE)
    return prefs.timezone_auto if flag not in ("0", "1") else flag == "1"


def login_required(view: F) -> F:
    """Send anonymous readers to the login page (keeping where they were going)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))
        load_prefs()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def user_credentials() -> tuple[str, str, str]:
    """(username, IMAP password, pool key) of the logged-in reader, the password decrypted.

    Raises :class:`AuthError` when the stored password cannot be read any more (the secret key
    changed); the error handler then sends the reader to the login page. Decrypted once a
    request (a list page asks four times; issue 14), kept in the request's ``g`` only and
    used again only for the same session's token.
    """
    user = current_user()
    token = session.get("imap_password")
    key = session.get(POOL_KEY)
    known = g.get("_credentials")
    if known is not None and known[0] == (user, token, key):  # this session's, not another's
        return cast(tuple[str, str, str], known[1])
    store = services().sessions
    password = store.decrypt(token) if isinstance(token, str) else None
    if user is None or password is None or not isinstance(key, str):
        raise AuthError("stored session password unreadable", "Please sign in again.")
    g._credentials = ((user, token, key), (user, password, key))
    return user, password, key


def request_deadline() -> float:
    """When this request's time with the mail server is up (``time.monotonic()`` seconds):
    ``WEBMAIL_REQUEST_DEADLINE`` after its first use of the mailbox, shared by every later
    use in the same request."""
    deadline = g.get("mail_deadline")
    if not isinstance(deadline, float):
        deadline = g.mail_deadline = time.monotonic() + settings().request_deadline
    return deadline


@contextmanager
def user_mailbox(*, own_deadline: bool = False) -> Iterator[Mailbox]:
    """The logged-in reader's mailbox, from the connection pool, held to the request's deadline
    (:func:`request_deadline`; with ``own_deadline`` a deadline of this block's own, for each
    slice of a streamed download, whose length is the reader's network's doing).

    Raises :class:`AuthError` when the stored password cannot be read any more (the secret key
    changed); the error handler then sends the reader to the login page; ServerTimeout when
    the deadline passes.
    """
    user, password, key = user_credentials()
    pool = services().pool
    deadline = None if own_deadline else request_deadline()
    with pool.mailbox(key, user, password, deadline=deadline) as mbox:
        yield mbox


def read_user_mailbox(action: Callable[[Mailbox], T]) -> T:
    """``action(mailbox)`` on the reader's mailbox (as :func:`user_mailbox`), run once more on
    a new connection when the server ended the session under it (ConnectionLost: Dovecot's BYE
    "IMAP session state is inconsistent" after another client deleted and re-created the
    folder it had selected; the pool has dropped that connection). Only for reads, which are
    safe to repeat."""
    try:
        with user_mailbox() as mbox:
            return action(mbox)
    except ConnectionLost:
        with user_mailbox() as mbox:
            return action(mbox)


def user_folders(mbox: Mailbox) -> list[Folder]:
    """The reader's folders for a page (sidebar, counts, move targets), without asking the
    server to count a folder whose first sync runs in this process: counting opens the
    folder, which for a big one during its fill costs more than the rest of the page
    (~130 ms at 100k messages on Dovecot). Such a folder has the count its sync started with
    and no unread count until the sync ends."""
    svc = services()
    if svc.index is None or syncing(mbox) is None:
        return mbox.folders()
    account = index_account(svc.settings, user_credentials()[0])
    filling = svc.sync_jobs.running_folders(account)
    if not filling:
        return mbox.folders()
    folders = []
    for folder in mbox.folders(skip_status=filling):
        state = svc.index.state(account, folder.name) if folder.name in filling else None
        if state is not None and folder.total is None and state.server_count is not None:
            folder = dataclasses.replace(folder, total=state.server_count)
        folders.append(folder)
    return folders


def list_user_folder(
    mbox: Mailbox, folder: str, current: Folder | None, *, order: Order, only_late: bool,
    number: int,
) -> Listing:
    """One page of the reader's ``folder`` through the listing service, with the app's index;
    a background first sync gets a connection of its own (the reader's password goes to it
    and nowhere else)."""
    svc = services()
    user, password, _ = user_credentials()
    return list_folder(
        mbox,
        folder,
        current,
        order=order,
        only_late=only_late,
        number=number,
        size=svc.settings.page_size,
        index=svc.index,
        account=index_account(svc.settings, user),
        jobs=svc.sync_jobs,
        reconnect=svc.sync_jobs.login(svc.settings, user, password),
        inline_sync_limit=svc.inline_sync_limit,
    )


@dataclass(frozen=True)
class Opened:
    """A message the reader opened: as fetched, parsed once, and what was rendered of it.

    :ivar full: the row and raw bytes (``Mailbox.message``), with the flags of this request.
    :ivar parsed: its MIME parse.
    :ivar renders: its sanitised bodies (``read_message``'s ``renders``), shared by every
        request that reads it from :mod:`webmail.mailbox.recent`.
    """

    full: FullMessage
    parsed: ParsedMessage
    renders: dict[tuple[bool, bool], SanitizedHtml] = field(default_factory=dict, compare=False)

    def with_flags(self, flags: frozenset[str]) -> Opened:
        """The same message with today's flags (its renders shared)."""
        if flags == self.full.summary.flags:
            return self
        summary = dataclasses.replace(self.full.summary, flags=flags)
        return Opened(dataclasses.replace(self.full, summary=summary), self.parsed, self.renders)


def _owner() -> tuple[str, str] | None:
    """Whose kept messages this request may read: the reader and their session's pool key
    (never another user's, never another session's)."""
    key = session.get(POOL_KEY)
    user = current_user()
    return (user, key) if isinstance(key, str) and user is not None else None


def _cost(full: FullMessage, parsed: ParsedMessage) -> int:
    """What keeping a message costs in memory, roughly: the raw bytes and the decoded texts
    (a str of mail text is about a byte a character; the parse's other parts are small)."""
    texts = (parsed.html, parsed.text)
    return len(full.raw) + sum(len(t.text) for t in texts if t is not None)


def open_message(folder: str, uid: int, *, fresh: bool = False) -> Opened:
    """The reader's message ``uid`` of ``folder``, fetched (``BODY.PEEK[]``) and parsed once
    per reading (:mod:`webmail.mailbox.recent`): a mailbox that can say which message a UID
    names now (IMAP: ``message_state``, ``EXAMINE`` + ``UID FETCH (FLAGS)``, no body) serves a
    kept copy under today's UIDVALIDITY with today's flags, so the read page, its frame, "always
    for this sender" and a reply share one body FETCH, and a reopened message fetches no body
    at all. With any other mailbox (the demo) ``fresh`` (the read page) fetches anew, the
    others take the page's copy. Raises NotFound."""
    svc = services()
    owner = _owner()

    def look(mbox: Mailbox) -> tuple[Opened | None, FullMessage | None, bool]:
        checker = revalidating(mbox)
        if checker is not None:
            if owner is not None and svc.opened.holds(owner, folder, uid):
                validity, flags = checker.message_state(folder, uid)
                kept = svc.opened.get(owner, folder, validity, uid)
                if isinstance(kept, Opened):
                    return kept.with_flags(flags), None, True
                svc.opened.forget(owner, folder, uid)  # kept under an older UIDVALIDITY
        elif not fresh and owner is not None:
            kept = svc.opened.get(owner, folder, None, uid)
            if isinstance(kept, Opened):
                return kept, None, False
        return None, mbox.message(folder, uid), checker is not None

    kept, full, checked = read_user_mailbox(look)
    if kept is not None:
        return kept
    assert full is not None
    parsed = parse_message(full.raw).with_left_out(full.left_out)
    opened = Opened(full, parsed)
    if owner is not None and (not checked or full.uidvalidity is not None):
        svc.opened.put(owner, folder, full.uidvalidity, uid, opened, _cost(full, parsed))
    return opened


def forget_opened(folder: str, uid: int) -> None:
    """Drop a kept message (it was deleted or moved)."""
    owner = _owner()
    if owner is not None:
        services().opened.forget(owner, folder, uid)


def forget_reader() -> None:
    """Drop every message this session kept (it signs out)."""
    owner = _owner()
    if owner is not None:
        services().opened.forget(owner)


def reading_of(opened: Opened, folder: str, uid: int, *, embed_images: bool = True) -> Reading:
    """What the read view and its frame show of an opened message, for this reader
    (``g.prefs``) and this request (``?remote=1``). The sanitised body is made once per
    opening and kept with the message (``Opened.renders``): the page and its frame make the
    same remote-content decision for the same request, and both use the frame's body
    (``cid:`` images embedded, see ``render.reading``), so the frame sanitises nothing.
    ``embed_images=False``: ``cid:`` images as links to the inline-image endpoint."""
    prefs: UserPrefs = g.prefs
    before = len(opened.renders)
    reading = read_message(
        opened.full.raw,
        opened.parsed,
        trusts_sender=prefs.allows_remote,
        remote_asked=request.args.get(REMOTE_PARAM) == "1",
        inline_url=lambda section: url_for(
            "message.inline", folder=folder, uid=uid, section=section
        ),
        embed_images=embed_images,
        renders=opened.renders,
    )
    owner = _owner()
    if len(opened.renders) > before and owner is not None and reading.sanitized is not None:
        services().opened.charge(
            owner, folder, opened.full.uidvalidity, uid, len(reading.sanitized.html)
        )
    return reading


def user_delays(
    mbox: Mailbox, folders: list[Folder], folder: str | None, *, plot: bool = True
) -> DelayReport:
    """The delays report of the reader's ``folder``, or of every folder in ``folders`` when it
    is ``None``: each folder is first brought up to date in the index as its list page would
    be (:func:`list_user_folder`), then read (:func:`webmail.delays.delay_report`); incident
    queries use the reader's zone. Raises NotFound for a ``folder`` not in ``folders``; in
    the all-folders report a folder the server will not open is left out. Without ``plot``
    the report holds the incidents and counts only (``/api/delays``)."""
    svc = services()
    chosen = [f for f in folders if folder is None or f.name == folder]
    if folder is not None and not chosen:
        raise NotFound(f"no folder {folder!r}")
    index = svc.index if syncing(mbox) is not None else None
    indexing = False
    if index is not None:
        kept = []
        for f in chosen:
            try:
                listed = list_user_folder(
                    mbox, f.name, f, order="sent", only_late=False, number=1
                )
            except NotFound:
                if folder is not None:
                    raise
                continue
            kept.append(f)
            indexing = indexing or listed.indexing is not None
        chosen = kept
    user, _, _ = user_credentials()
    return delay_report(
        mbox,
        [f.name for f in chosen],
        folder=folder,
        threshold=timedelta(minutes=svc.settings.late_threshold_minutes),
        zone=g.get("zone") or UTC,
        index=index,
        account=index_account(svc.settings, user),
        indexing=indexing,
        plot=plot,
    )


def user_late_news(mbox: Mailbox, folder: str, since: datetime | None) -> LateNews | None:
    """The list banner's news of the reader's ``folder``: late unread mail that arrived after
    ``since`` (:func:`webmail.delays.late_news`), from the index the list page just synced
    when there is one."""
    svc = services()
    index = svc.index if syncing(mbox) is not None else None
    user, _, _ = user_credentials()
    return late_news(mbox, folder, since, index=index, account=index_account(svc.settings, user))


def folder_visit(folder: str) -> datetime | None:
    """The end of the reader's previous visit to ``folder`` (``None`` during a first visit),
    counting this page view in the current visit (:func:`webmail.delays.next_visit`); the
    visit is stored in the reader's preferences (at most once a minute while it goes on)."""
    user = current_user()
    prefs: UserPrefs = g.get("prefs") or UserPrefs()
    stored = next((v for v in prefs.folder_visits if v[0] == folder), None)
    old = None
    if stored is not None:
        since = None if stored[1] == 0 else datetime.fromtimestamp(stored[1], UTC)
        old = (since, datetime.fromtimestamp(stored[2], UTC))
    new = next_visit(old, datetime.now(UTC))
    if user is not None and visit_changed(old, new):
        record = (folder, 0 if new[0] is None else int(new[0].timestamp()), int(new[1].timestamp()))
        others = tuple(v for v in prefs.folder_visits if v[0] != folder)
        g.prefs = preferences().update(user, folder_visits=(*others, record))
    return new[0]


def search_user_folder(
    mbox: Mailbox, folders: list[Folder], folder: str, query: Query, *, order: Order,
    only_late: bool, number: int,
) -> Listing:
    """One page of the matches of ``query`` in the reader's ``folder`` (or every folder with
    ``in:all``) through the search service (:func:`webmail.search.search_folders`), with the
    app's index as :func:`list_user_folder` uses it. Raises NotFound for a folder LIST does
    not show."""
    svc = services()
    user, password, _ = user_credentials()
    return search_folders(
        mbox,
        folders,
        folder,
        query,
        order=order,
        only_late=only_late,
        number=number,
        size=svc.settings.page_size,
        index=svc.index,
        account=index_account(svc.settings, user),
        jobs=svc.sync_jobs,
        reconnect=svc.sync_jobs.login(svc.settings, user, password),
        inline_sync_limit=svc.inline_sync_limit,
    )


def user_matching_uids(
    mbox: Mailbox, folders: list[Folder], folder: str, query: Query, *, only_late: bool
) -> dict[str, list[int]]:
    """Every match of ``query`` (a query without terms: every message) in the reader's
    ``folder`` or, with ``in:all``, every folder, by folder (:func:`webmail.search.matching_uids`:
    "select all N matching")."""
    svc = services()
    user, password, _ = user_credentials()
    return matching_uids(
        mbox, folders, folder, query, only_late=only_late, index=svc.index,
        account=index_account(svc.settings, user), jobs=svc.sync_jobs,
        reconnect=svc.sync_jobs.login(svc.settings, user, password),
        inline_sync_limit=svc.inline_sync_limit,
    )


def forget_folders(names: Iterable[str]) -> None:
    """Drop the index's rows of the reader's folders ``names`` (renamed or deleted: the
    next list of a folder of that name indexes it afresh)."""
    svc = services()
    if svc.index is None:
        return
    user, _, _ = user_credentials()
    account = index_account(svc.settings, user)
    for name in names:
        svc.index.drop_folder(account, name)


def lists_from_index(mbox: Mailbox) -> bool:
    """Whether this reader's lists come from the index (cheap to ask again), not straight
    from the mailbox (every row fetched each time: ``WEBMAIL_INDEX=off``, the demo)."""
    return services().index is not None and syncing(mbox) is not None
