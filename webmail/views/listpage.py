"""The list page (``mail/list.html``): a folder's page or a search's matches, and its rows as
the template shows them.

:func:`list_page` renders the page for both views (``views/mail.folder`` and
``views/search.search_page`` pass what they found). Each message row is a
:class:`webmail.message.summary.MessageSummary` (the one row builder, ``summarize``); what the
page shows of it (its links, its times in the reader's zone and language, its size, its state
in words, its tooltips) is worked out here in one step per row, :meth:`RowView.of`, with what
every row shares (the translated words, each link's URL apart from the UID, the reader's zone
and locale) worked out once a page: the template writes values, it calls nothing per row
(issue 14: a call from a template costs as much as the value it returns). The values are
escaped as the template's own ``_()`` would: a translated sentence is markup, its values are
escaped (:class:`Sentence`); everything else is escaped by the template when written.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, render_template, request
from markupsafe import Markup

from webmail.i18n import gettext
from webmail.listing import Indexing, Listing
from webmail.mailbox import Folder, Page
from webmail.message.query import Query
from webmail.views.timefmt import (
    FileSizes,
    duration,
    kind_writer,
    late_text,
    local,
    page_locale,
    reader_zone,
    zone_label,
)
from webmail.views.urls import uid_link
from webmail.views.words import RowStates

__all__ = ["LIST_ARGS", "ListRow", "RowView", "Sentence", "list_page", "list_state"]

#: The request arguments that make up a list's state, in the order links carry them.
LIST_ARGS = ("q", "late", "page")


def list_state() -> dict[str, str]:
    """The state of the list this request belongs to (``q``, ``late``, ``page`` as given,
    empty ones left out): for links that must lead back to the same page of the same list."""
    out = {}
    for name in LIST_ARGS:
        value = request.args.get(name, "")
        if value.strip():
            out[name] = value
    return out


def list_page(
    *,
    folders: list[Folder],
    folder: str,
    current: Folder | None,
    gone: str | None,
    listed: Listing | None,
    only_late: bool,
    news: Any = None,
    news_text: str = "",
    search: Query | None = None,
) -> tuple[str, int]:
    """The list page of ``folder`` (404 when ``gone`` says it is not on the server): the rows
    and progress ``listed`` found, the late-news banner (``news``, ``news_text``), and with
    ``search`` the query whose matches the rows are."""
    page: Page[Any] = listed.page if listed is not None else Page([], 1, 1, 0, 0, 0)
    indexing: Indexing | None = listed.indexing if listed is not None else None
    settle_heap()
    sort = g.prefs.sort
    rows = RowView(folder, current, sort, list_state()).rows(page.rows)
    return render_template(
        "mail/list.html",
        folders=folders,
        folder=folder,
        current=current,
        gone=gone,
        page=page,
        rows=rows,
        late_count=page.late_count,
        indexing=indexing,
        only_late=only_late,
        sort=sort,
        news=news,
        news_text=news_text,
        q=search.text if search is not None else None,
        search=search,
    ), 404 if gone else 200


_settled = threading.Lock()
_heap = {"settled": False}


def settle_heap() -> None:
    """Once per process, at its first list page: collect, then freeze what is left
    (``gc.freeze``) — the modules, the app, the compiled templates, Babel's locale data and
    the catalogs, loaded by now and kept for the life of the process. Python's full
    collections then no longer walk them: under 16 readers each took 31-36 ms of a worker's
    CPU every 3-5 s, inside whatever page was being made, and those pages were the list's
    p99 (37.7 -> 9.0 ms of CPU at the 99th percentile, measured at 10k; issue 14). Garbage
    made later is collected as before; what is frozen is never collected by the cycle
    collector. That includes what this first page holds at the time (its request, its
    listing): freed by reference counting once dropped, but what of it is in a reference
    cycle stays, once per process."""
    if _heap["settled"]:
        return
    with _settled:
        if _heap["settled"]:
            return
        _heap["settled"] = True
        gc.collect()
        gc.freeze()


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Sentence:
    """A translated sentence with ``%(name)s`` values, written as the templates' ``_()``
    writes it (``Markup(translation) % values``: the sentence is markup, each value escaped),
    its parts split once a page instead of at every row."""

    __slots__ = ("markup", "parts")

    def __init__(self, translated: str) -> None:
        self.markup = Markup(translated)
        parts = _PLACEHOLDER.split(translated)
        # Anything but %(name)s (a "%%", a "%(n)d") goes to Markup's own formatting.
        self.parts: list[str] | None = None if "%" in "".join(parts[::2]) else parts

    def __call__(self, **values: Any) -> Markup:
        parts = self.parts
        if parts is None:
            return self.markup % values
        out = [parts[0]]
        for at in range(1, len(parts), 2):
            out.append(_escaped(values[parts[at]]))
            out.append(parts[at + 1])
        return Markup("".join(out))


def _escape_text(s: str) -> str:
    """``str(markupsafe.escape(s))`` of a str, the same five characters replaced the same way,
    without making a Markup of each value (~0.1 µs, not ~0.6)."""
    if "&" in s or "<" in s or ">" in s or "'" in s or '"' in s:
        return (s.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                .replace("'", "&#39;").replace('"', "&#34;"))
    return s


def _escaped(value: Any) -> str:
    """``str(markupsafe.escape(value))``: markup as it is, anything else escaped."""
    if value.__class__ is str:
        return _escape_text(value)
    html = getattr(value, "__html__", None)
    return str(html()) if html is not None else _escape_text(str(value))


@dataclass(slots=True)
class ListRow:
    """One message row as the list template writes it (every text in the page's language,
    every time in the reader's zone); ``summary`` is the row itself."""

    summary: Any
    #: The UID, written out.
    uid: str
    folder: str
    #: The checkbox's value: the UID, ``UID:folder`` for a row of another folder.
    pick: str
    #: The ``<li>`` classes: ``msg`` and its state (``unread late flagged deleted``).
    classes: str
    deleted: bool
    flagged: bool
    seen: bool
    late: bool
    has_attachments: bool
    pick_label: Markup
    #: Where the star's and the tools' forms lead back to: this page, at the row's button.
    star_next: str
    msg_next: str
    reply_url: str
    reply_all_url: str
    forward_url: str
    flags_url: str
    delete_url: str
    #: The row's link: the read view, or the compose form for a draft.
    link_url: str
    #: What a screen reader hears first: the row's state in words.
    state: str
    #: The sender (or in Sent and Drafts, the recipients) and its tooltip.
    sender: str
    sender_title: str
    subject: str
    #: The tooltip of a row from another folder (a search of every folder), else None.
    in_folder: Markup | None
    size: str
    #: The time shown (sent, or filed in arrival order): machine-readable, tooltip, text.
    time_iso: str
    time_title: Markup
    time_text: str
    #: The late badge's tooltip and text ("" when the row is not late).
    late_title: Markup | str
    late_text: str


class RowView:
    """What every row of one list page shares, and :meth:`of`, one row as the template
    shows it (see the module docstring). Needs the request (the reader's zone and locale)."""

    def __init__(
        self, folder: str, current: Folder | None, sort: str, state: dict[str, str]
    ) -> None:
        self.folder = folder
        self.arrival = sort == "arrival"
        self.drafts = current is not None and current.role == "drafts"
        self.outgoing = current is not None and current.role in ("sent", "drafts")
        self.state = state
        self.here = request.full_path
        self.zone: ZoneInfo = reader_zone()
        self.locale = page_locale()
        self.sizes = FileSizes(self.locale)
        self.full, self.clock, self.weekday_clock, self.day, self.date = (
            kind_writer(kind, self.locale)
            for kind in ("full", "time", "weekday_time", "day_month", "date")
        )
        self.states = RowStates()
        self.no_subject = Markup(gettext("(no subject)"))
        self.no_recipients = Markup(gettext("(no recipients)"))
        self.select = Sentence(gettext("Select “%(subject)s”"))
        self.to = Sentence(gettext("To: %(recipients)s"))
        self.in_folder = Sentence(gettext("In the folder %(folder)s"))
        self.filed = Sentence(gettext("Filed here %(filed)s, sent %(sent)s — %(zone)s"))
        self.sent = Sentence(gettext("Sent %(sent)s — %(zone)s"))
        self.late = Sentence(gettext("Sent %(sent)s · delivered %(delivered)s"))
        self.held = Sentence(gettext("held %(duration)s at %(host)s"))
        self.unknown = gettext("unknown")
        self.today = local(datetime.now(self.zone), self.zone)
        self._links: dict[str, tuple[Callable[[int], str], ...]] = {}
        self._zones: dict[tuple[Any, str | None], str] = {}
        if self.outgoing:
            from webmail.views.compose import recipient_names

            self.recipient_names: Callable[[str], str] = recipient_names

    def rows(self, rows: Sequence[Any]) -> list[ListRow]:
        return [self.of(row) for row in rows]

    def links(self, row_folder: str) -> tuple[Callable[[int], str], ...]:
        """The row links of a row of ``row_folder``, each a function of its UID."""
        found = self._links.get(row_folder)
        if found is None:
            folder = self.folder
            opened = (
                uid_link("compose.resume", folder=folder)
                if self.drafts
                else uid_link("mail.message", folder=row_folder,
                              list=folder if row_folder != folder else None, **self.state)
            )
            found = self._links[row_folder] = (
                uid_link("compose.reply", folder=row_folder),
                uid_link("compose.reply_all", folder=row_folder),
                uid_link("compose.forward", folder=row_folder),
                uid_link("mail.set_flags", folder=row_folder),
                uid_link("mail.delete", folder=row_folder),
                opened,
            )
        return found

    def full_time(self, t: datetime | None) -> str:
        """:func:`webmail.views.timefmt.full_time` of ``t`` (in this page's zone)."""
        if t is None:
            return self.unknown
        return f"{self.full(t)} {t.tzname()}"

    def short_time(self, t: datetime | None) -> str:
        """:func:`webmail.views.timefmt.short_time` of ``t`` (in this page's zone) now."""
        today = self.today
        if t is None or today is None:
            return self.unknown
        day, now = t.date(), today.date()
        if day == now:
            return self.clock(t)
        if 0 < (now - day).days < 6:
            return self.weekday_clock(t)
        if t.year == now.year:
            return self.day(t)
        return self.date(t)

    def zone_label(self, t: datetime | None, when: datetime) -> str:
        """:func:`webmail.views.timefmt.zone_label` of ``when`` (``t``: it in this zone)."""
        if t is None:
            return zone_label(when, self.zone)
        key = (t.utcoffset(), t.tzname())
        found = self._zones.get(key)
        if found is None:
            found = self._zones[key] = zone_label(t, self.zone)
        return found

    def of(self, row: Any) -> ListRow:
        """One row as the template shows it: the same words, links and times as the
        template's filters and ``_()`` would write for it, escaped the same way."""
        folder, uid = self.folder, row.uid
        row_folder: str = row.folder
        flags = row.flags
        seen, flagged, deleted = "\\Seen" in flags, "\\Flagged" in flags, "\\Deleted" in flags
        late: bool = row.late
        arrival: datetime = row.arrival
        sent: datetime = row.sent
        classes = "msg"
        if not seen:
            classes += " unread"
        if late:
            classes += " late"
        if flagged:
            classes += " flagged"
        if deleted:
            classes += " deleted"
        reply, reply_all, forward, set_flags, delete, opened = self.links(row_folder)
        subject = row.subject or self.no_subject
        if self.outgoing:
            recipients = row.recipients
            sender_title = self.to(recipients=recipients)
            sender = self.to(recipients=self.recipient_names(recipients) or self.no_recipients)
        else:
            sender_title, sender = row.sender_address, row.sender_name
        zone = self.zone
        t = local(sent, zone)  # the time shown, in the reader's zone: sent, or filed
        sent_full = self.full_time(t)
        if self.arrival:
            t = local(arrival, zone)
            title = self.filed(filed=self.full_time(t), sent=sent_full,
                               zone=self.zone_label(t, arrival))
        else:
            title = self.sent(sent=sent_full, zone=self.zone_label(t, sent))
        late_title: Markup | str = ""
        late_words = ""
        if late:  # an index row decodes its stored analysis on each access: once, if late
            analysis = row.analysis
            delivered = local(analysis.delivered or arrival, zone)
            late_title = self.late(sent=sent_full, delivered=self.full_time(delivered))
            host = row.held_at
            if host:
                hop = analysis.bottleneck_hop
                late_title += Markup(" · ") + self.held(
                    duration=duration(hop.delay_seconds if hop is not None else None),
                    host=host)
            late_words = late_text(analysis.delay_seconds)
        number = str(uid)
        return ListRow(
            summary=row,
            uid=number,
            folder=row_folder,
            pick=number if row_folder == folder else f"{number}:{row_folder}",
            classes=classes,
            deleted=deleted,
            flagged=flagged,
            seen=seen,
            late=late,
            has_attachments=row.has_attachments,
            pick_label=self.select(subject=subject),
            star_next=f"{self.here}#star-{number}",
            msg_next=f"{self.here}#msg-{number}",
            reply_url=reply(uid),
            reply_all_url=reply_all(uid),
            forward_url=forward(uid),
            flags_url=set_flags(uid),
            delete_url=delete(uid),
            link_url=opened(uid),
            state=self.states.of(row, seen=seen, flagged=flagged, late=late),
            sender=sender,
            sender_title=sender_title,
            subject=subject,
            in_folder=None if row_folder == folder else self.in_folder(folder=row_folder),
            size=self.sizes(row.size),
            time_iso="" if t is None else t.isoformat(timespec="seconds"),
            time_title=title,
            time_text=self.short_time(t),
            late_title=late_title,
            late_text=late_words,
        )
