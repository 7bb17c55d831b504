"""The web's sentences that are built from parts (issue 13, translations): a list row's state for
screen readers, the indexing progress, the late-news banner, the delays legend, the path line's
stamps, the mail server's and the pure packages' messages in the page's language.

The pure packages (webmail/headers, message, render) and the services below the views write
English; what they say reaches a page through here, looked up in the catalogs (their constant
sentences are listed with :func:`N_` so that extraction finds them), or matched by pattern
when a sentence carries values (``_PATTERNS``). Anything not known is shown as it came.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from flask import Flask

from webmail.i18n import N_, gettext, ngettext, pgettext
from webmail.views.timefmt import format_kind, late_words, reader_zone

#: Roles of special folders (webmail/mailbox/roles.py), as Settings → Folders names them.
ROLE_WORDS = {
    "inbox": N_("inbox"),
    "drafts": N_("drafts"),
    "sent": N_("sent"),
    "junk": N_("junk"),
    "trash": N_("trash"),
    "archive": N_("archive"),
    "all": N_("all mail"),
    "flagged": N_("flagged"),
}

#: The read view's header names (the fields themselves stay as the message says).
HEADER_WORDS = {"From": N_("From"), "To": N_("To"), "Cc": N_("Cc"), "Bcc": N_("Bcc"),
                "Reply-To": N_("Reply-To"), "Subject": N_("Subject"), "Message": N_("Message"),
                "Attachments": N_("Attachments")}

#: Constant sentences of the layers below the views, translated where they are shown.
KNOWN = (
    # webmail/mailbox/errors.py
    N_("The mail server could not be reached. Please try again in a moment."),
    N_("Wrong username or password."),
    N_("The mail server cannot be reached right now. Please try again later."),
    N_("The mail server took too long to answer. Please try again."),
    N_("A secure connection to the mail server could not be made (TLS failed)."),
    N_("The mail server closed the connection. Please try again."),
    N_("That message or folder no longer exists."),
    N_("Please sign in again."),
    # webmail/message/query.py
    N_("The search is not text."),
    N_("There is nothing to search for in that."),
    # webmail/message/parse.py, render/css.py
    N_("The message has no body."),
    N_("A style sheet in the message could not be read and was left out."),
    # webmail/outbox/errors.py
    N_("The message could not be sent. Nothing was sent; please try again."),
    N_("Sending is off: this webmail has no outgoing mail server (WEBMAIL_SMTP_HOST). "
       "You can still save the message as a draft."),
    N_("The outgoing mail server cannot be reached right now. Nothing was sent; "
       "please try again later."),
    N_("The outgoing mail server did not answer in time. Nothing was sent; please try again."),
    N_("A secure connection to the outgoing mail server could not be made (TLS failed). "
       "Nothing was sent."),
    N_("The outgoing mail server refused your sign-in (username or password). "
       "Nothing was sent."),
    N_("The connection to the outgoing mail server broke before the message was handed "
       "over. Nothing was sent; please try again."),
    N_("The outgoing mail server refused your address as the sender. Nothing was sent."),
    N_("The outgoing mail server refused the message. Nothing was sent."),
    N_("The outgoing mail server stopped answering after it had received the whole message, "
       "so it may have been sent (no copy was put in Sent). Ask a recipient whether it "
       "arrived before you send it again."),
    # webmail/compose/letter.py
    N_("Subject contains a line break; remove it."),
    N_("Your display name contains a line break (Settings)."),
    N_("Add at least one recipient in To, Cc or Bcc."),
)

#: Sentences with values from the layers below, as (pattern, msgid with the same names).
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (r"^The mail server refused this: (?P<words>.*)$",
         N_("The mail server refused this: %(words)s")),
        (r"^The search is too long: at most (?P<num>\d+) characters\.$",
         N_("The search is too long: at most %(num)s characters.")),
        (r"^The search has too many terms: at most (?P<num>\d+)\.$",
         N_("The search has too many terms: at most %(num)s.")),
        # webmail/message/query.py: the operators themselves are placeholders (never translated)
        (r"^“(?P<term>in:.*)” is not known: use (?P<operator>in:all) to search every folder\.$",
         N_("“%(term)s” is not known: use %(operator)s to search every folder.")),
        (r"^“(?P<term>-in:all)” means nothing: leave it out to search this folder\.$",
         N_("“%(term)s” means nothing: leave it out to search this folder.")),
        (r"^“(?P<term>has:.*)” is not known: use (?P<operator>has:attachment)\.$",
         N_("“%(term)s” is not known: use %(operator)s.")),
        (r"^“(?P<term>is:.*)” is not something a message can be: use (?P<options>.*)\.$",
         N_("“%(term)s” is not something a message can be: use %(options)s.")),
        (r"^“(?P<term>\w+:)” needs something after it, like (?P<example>.*)\.$",
         N_("“%(term)s” needs something after it, like %(example)s.")),
        (r"^“(?P<term>\w+:.*)” needs a date as (?P<format>YYYY-MM-DD), like (?P<example>.*)\.$",
         N_("“%(term)s” needs a date as %(format)s, like %(example)s.")),
        (r"^“(?P<term>\w+:.*)” needs a real date as (?P<format>YYYY-MM-DD), like "
         r"(?P<example>.*)\.$",
         N_("“%(term)s” needs a real date as %(format)s, like %(example)s.")),
        (r"^There is no search operator “(?P<term>.*?)” \(the operators are (?P<listed>.*?)\)\. "
         r"To search for the text itself, put it in double quotes: (?P<quoted>\".*\")\.$",
         N_("There is no search operator “%(term)s” (the operators are %(listed)s). To search "
            "for the text itself, put it in double quotes: %(quoted)s.")),
        (r"^Part (?P<section>[\d.]+): the encoding is damaged; it could not be decoded\.$",
         N_("Part %(section)s: the encoding is damaged; it could not be decoded.")),
        (r"^Part of the message could not be read \((?P<kind>\w+)\)\.$",
         N_("Part of the message could not be read (%(kind)s).")),
        # webmail/compose: a field's label is translated as a header name
        (r"^(?P<field>To|Cc|Bcc) contains a line break; remove it\.$",
         N_("%(field)s contains a line break; remove it.")),
        (r"^(?P<field>To|Cc|Bcc) is too long\.$", N_("%(field)s is too long.")),
        (r"^“(?P<shown>.*)” in (?P<field>To|Cc|Bcc) is not an address: (?P<why>.*)$",
         N_("“%(shown)s” in %(field)s is not an address: %(why)s")),
        (r"^Subject is longer than (?P<num>\d+) characters\.$",
         N_("Subject is longer than %(num)s characters.")),
        (r"^At most (?P<num>\d+) recipients per message\.$",
         N_("At most %(num)s recipients per message.")),
        (r"^The draft was not saved: (?P<reason>.*)$", N_("The draft was not saved: %(reason)s")),
    )
)


_EXAMPLE = re.compile(r'^(\w+:)word or \1"two words"$')


def english_page() -> bool:
    """Whether this page is in English (where a library's English reason may be shown)."""
    from webmail.views.timefmt import page_locale

    return page_locale().language == "en"


def known(text: str) -> str:
    """``text`` from a layer below the views in the page's language: a known constant, a known
    pattern with its values kept, else as it came."""
    if not text:
        return text
    for pattern, msgid in _PATTERNS:
        found = pattern.match(text)
        if found:
            values = found.groupdict()
            if "field" in values:
                values["field"] = header_name(values["field"])
            if "reason" in values:  # a reason of our own (a mail server error) is known too
                values["reason"] = known(values["reason"])
            if "why" in values:  # email-validator's reason: English only, so shown in English
                if not english_page():
                    return gettext(
                        "“%(shown)s” in %(field)s is not an address.",
                        shown=values["shown"], field=header_name(values["field"]),
                    )
            example = _EXAMPLE.match(values.get("example", ""))
            if example:  # from:word or from:"two words"
                values["example"] = gettext(
                    "%(operator)sword or %(operator)s\"two words\"", operator=example.group(1)
                )
            return gettext(msgid, **values)
    return gettext(text)


class RowStates:
    """:func:`row_state` for the rows of one page, its constant words translated once."""

    __slots__ = ("flagged", "unread")

    def __init__(self) -> None:
        self.unread = gettext("Unread")
        self.flagged = gettext("flagged")

    def of(
        self, row: Any, *, seen: bool | None = None, flagged: bool | None = None,
        late: bool | None = None,
    ) -> str:
        """:func:`row_state` of ``row`` (``seen``, ``flagged``, ``late``: its own, when
        already known)."""
        parts = []
        if not (row.seen if seen is None else seen):
            parts.append(self.unread)
        if row.flagged if flagged is None else flagged:
            parts.append(self.flagged)
        if row.late if late is None else late:
            parts.append(late_words(row.analysis.delay_seconds))
            if row.held_at:
                parts.append(gettext("held at %(host)s", host=row.held_at))
        return ", ".join(parts) + ", " if parts else ""


def row_state(row: Any) -> str:
    """What a screen reader hears first on a list row: ``Unread, flagged, delivered 1 day 19
    hours late, held at mx2.example.com, `` (the sender and subject follow)."""
    return RowStates().of(row)


def indexing_text(done: int, total: int) -> str:
    """The list's indexing banner (app.js gets the same words from /api/indexing)."""
    from webmail.views.timefmt import number

    return ngettext(
        "Indexing %(done)s of %(num)s message… Older messages appear here once they can be "
        "sorted correctly.",
        "Indexing %(done)s of %(num)s messages… Older messages appear here once they can be "
        "sorted correctly.",
        total,
        done=number(done),
        num=number(total),
    )


def indexing_done_text() -> str:
    return gettext("Indexing is done: reload the page to see every message.")


def new_mail_text(count: int) -> str:
    """``2 new messages``: the list's new-mail line (app.js gets it from /api/news)."""
    return ngettext("%(num)s new message", "%(num)s new messages", count)


def hosts_text(hosts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``, ``a, b and 3 other hosts``."""
    if len(hosts) == 1:
        return hosts[0]
    if len(hosts) == 2:
        return gettext("%(first)s and %(second)s", first=hosts[0], second=hosts[1])
    if len(hosts) == 3:
        return gettext(
            "%(first)s, %(second)s and %(third)s", first=hosts[0], second=hosts[1], third=hosts[2]
        )
    return ngettext(
        "%(first)s, %(second)s and %(num)s other host",
        "%(first)s, %(second)s and %(num)s other hosts",
        len(hosts) - 2,
        first=hosts[0],
        second=hosts[1],
    )


def sent_days(first: datetime, last: datetime, zone: tzinfo) -> str:
    """``Fri``, ``Fri–Sun`` (within a week), else ``30 Oct–8 Nov`` (with the years across a new
    year); days in ``zone``, names in the page's language."""
    try:
        a, b = first.astimezone(zone), last.astimezone(zone)
    except (OverflowError, ValueError):
        return gettext("at unknown times")
    if a.date() == b.date():
        return format_kind(a, "weekday")
    if (b.date() - a.date()).days < 7:
        return gettext("%(first)s–%(last)s", first=format_kind(a, "weekday"),
                       last=format_kind(b, "weekday"))
    kind = "date" if a.year != b.year else "day_month"
    return gettext("%(first)s–%(last)s", first=format_kind(a, kind), last=format_kind(b, kind))


def late_news_text(news: Any, zone: tzinfo | None = None) -> str:
    """The list banner (:class:`webmail.delays.LateNews`): ``3 late messages delivered since
    your last visit — sent Fri–Sun, held at mx2.example.com``."""
    zone = zone or reader_zone()
    if news.since is None:
        head = ngettext(
            "%(num)s late message you have not read yet",
            "%(num)s late messages you have not read yet",
            news.count,
        )
    else:
        head = ngettext(
            "%(num)s late message delivered since your last visit",
            "%(num)s late messages delivered since your last visit",
            news.count,
        )
    days = sent_days(news.first_sent, news.last_sent, zone)
    if news.hosts:
        return gettext(
            "%(head)s — sent %(days)s, held at %(hosts)s",
            head=head, days=days, hosts=hosts_text(news.hosts),
        )
    return gettext("%(head)s — sent %(days)s", head=head, days=days)


def legend_label(label: str) -> str:
    """A delays legend entry: a host (data) or one of the plot's own words."""
    words = {"on time": N_("on time"), "other hosts": N_("other hosts"),
             "unknown host": N_("unknown host")}
    return gettext(words[label]) if label in words else label


def stamp_label(label: str) -> str:
    """A path line stamp's name: ``Sent``, ``Delivered``, or the host that stamped it."""
    if label == "sent":
        return gettext("Sent")
    if label == "delivered":
        return gettext("Delivered")
    return label


def stretch_place(at: str) -> str:
    """Where a stretch of the path line waited: ``the sender`` or a host."""
    return gettext("the sender") if at == "the sender" else at


#: The names servers give their special folders out of the box, by role (lower case): a folder
#: called so is shown by its role's name in the page's language; one the reader named
#: ("Papierkorb", "Old stuff") keeps its own name.
STOCK_FOLDER_NAMES = {
    "inbox": {"inbox"},
    "drafts": {"drafts", "draft"},
    "sent": {"sent", "sent items", "sent messages", "sent mail"},
    "junk": {"junk", "spam", "junk e-mail", "junk email", "bulk mail"},
    "trash": {"trash", "deleted items", "deleted messages", "bin"},
    "archive": {"archive", "archives"},
    "all": {"all mail", "all"},
    "flagged": {"flagged", "starred"},
}


#: Each role's name in the page's language, asked for only when a page shows that folder.
_ROLE_NAMES: dict[str, Callable[[], str]] = {
    "inbox": lambda: pgettext("folder", "Inbox"),
    "drafts": lambda: pgettext("folder", "Drafts"),
    "sent": lambda: pgettext("folder", "Sent"),
    "junk": lambda: pgettext("folder", "Junk"),
    "trash": lambda: pgettext("folder", "Trash"),
    "archive": lambda: pgettext("folder", "Archive"),
    "all": lambda: pgettext("folder", "All Mail"),
    "flagged": lambda: pgettext("folder", "Flagged"),
}


def folder_label(folder: Any) -> str:
    """What a page calls ``folder`` (a :class:`webmail.mailbox.Folder`): a special folder
    with its server's stock name (Inbox, Sent Items, Trash...) by its role's name in the
    page's language, as other webmails do; every other folder by its own name. English
    pages show the folder's own name, so nothing changes there."""
    role: str | None = folder.role
    shown: str = folder.display_name
    if role and shown.casefold() in STOCK_FOLDER_NAMES.get(role, ()) and not english_page():
        return _ROLE_NAMES[role]()
    return shown


def folder_label_of(folders: Sequence[Any], name: str) -> str:
    """:func:`folder_label` of the folder called ``name`` in ``folders``, else ``name``."""
    return next((folder_label(f) for f in folders if f.name == name), name)


def folder_role(role: str) -> str:
    return gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else role


def header_name(name: str) -> str:
    return gettext(HEADER_WORDS[name]) if name in HEADER_WORDS else name


#: The keyboard shortcuts' help (static/app.js shows it): key, what it does.
SHORTCUTS = (
    ("j", N_("next message")), ("k", N_("previous message")), ("o", N_("open")),
    ("u", N_("back to the list")), ("r", N_("reply")), ("a", N_("reply all")),
    ("f", N_("forward")), ("c", N_("compose")), ("#", N_("delete")), ("!", N_("spam")),
    ("s", N_("flag or unflag")), ("/", N_("search")), ("?", N_("this help")),
)


#: Each plural rule's first number of each category, by the rule's id (the rule kept too, so
#: a reused id is never taken for it): every page asks for three texts of it (ui_words).
_SAMPLES: dict[int, tuple[Any, dict[str, int]]] = {}


def _plural_samples(rule: Any) -> dict[str, int]:
    """The smallest number of each CLDR plural category of ``rule`` (Babel's ``PluralRule``)."""
    kept = _SAMPLES.get(id(rule))
    if kept is not None and kept[0] is rule:
        return kept[1]
    samples: dict[str, int] = {}
    for n in range(0, 200):
        samples.setdefault(rule(n), n)
    _SAMPLES[id(rule)] = (rule, samples)
    return samples


def plural_forms(singular: str, plural: str, **values: Any) -> dict[str, str]:
    """One text per CLDR plural category of the page's locale (``one``, ``other``, ...), for
    static/app.js to choose with ``Intl.PluralRules``: ``{n}`` stands for the number. Each is
    the catalog's plural form for a number of that category."""
    from webmail.views.timefmt import page_locale

    samples = _plural_samples(page_locale().plural_form)
    return {
        tag: ngettext(singular, plural, n, **{"num": "{n}", **values})
        for tag, n in samples.items()
    }


#: :func:`ui_words` by catalog and locale: the same JSON for every page in one language.
_UI_WORDS: dict[tuple[int, Any], tuple[Any, str]] = {}


def ui_words() -> str:
    """The words static/app.js writes into pages, as JSON (``<meta name="ui-words">``): app.js
    has no words of its own. Written once per catalog and locale (~100 µs a page)."""
    from flask_babel import get_translations

    from webmail.views.timefmt import page_locale

    catalog, locale = get_translations(), page_locale()
    key = (id(catalog), locale)
    kept = _UI_WORDS.get(key)
    if kept is not None and kept[0] is catalog:
        return kept[1]
    words = _ui_words()
    if len(_UI_WORDS) > 64:
        _UI_WORDS.clear()
    _UI_WORDS[key] = (catalog, words)
    return words


def _ui_words() -> str:
    import json

    return json.dumps(
        {
            "shortcutsTitle": gettext("Keyboard shortcuts"),
            "shortcuts": [
                [gettext("o or Enter") if key == "o" else key, gettext(what)]
                for key, what in SHORTCUTS
            ],
            "shortcutsHint": gettext(
                "Press ? or Esc to close. Shortcuts rest while you type in a field."
            ),
            "indexing": plural_forms(
                "Indexing %(done)s of %(num)s message… Older messages appear here once they can "
                "be sorted correctly.",
                "Indexing %(done)s of %(num)s messages… Older messages appear here once they can "
                "be sorted correctly.",
                done="{done}",
            ),
            "indexingDone": indexing_done_text(),
            "newMail": plural_forms("%(num)s new message", "%(num)s new messages"),
            "unread": plural_forms("%(num)s unread", "%(num)s unread"),
        },
        ensure_ascii=False,
    )


def init_app(app: Flask) -> None:
    """The helpers the templates call."""
    app.jinja_env.globals.update(
        row_state=row_state,
        indexing_text=indexing_text,
        ui_words=ui_words,
        legend_label=legend_label,
        stamp_label=stamp_label,
        stretch_place=stretch_place,
        folder_role=folder_role,
        folder_label=folder_label,
        header_name=header_name,
        known=known,
        query_problem=known,
        reading_warning=known,
    )
