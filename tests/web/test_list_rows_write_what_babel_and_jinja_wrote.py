"""The list page's rows worked out in Python (views/listpage.py, issue 14) write what the
template's filters and ``_()`` wrote: times with each day's and each time of day's part kept
read as Babel writes them, file sizes as Babel's ``format_decimal`` writes them in every
locale Babel knows, translated sentences escaped as ``Markup(translation) % values``, and a
hostile Subject or sender is escaped on the page."""

from __future__ import annotations

import base64
import email.utils
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel import Locale, localedata
from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal
from flask.testing import FlaskClient
from markupsafe import Markup, escape

from webmail.mailbox import demo
from webmail.mailbox.demodata import ONTIME, DemoMessage
from webmail.views import timefmt
from webmail.views.listpage import Sentence

HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "Tom & Jerry's",
           "100% sure", "%(subject)s", "")


def babel_writes(t: datetime, kind: str, locale: Locale) -> str:
    if locale.language == "en":
        return format_datetime(t, timefmt._EN_PATTERNS[kind], locale=locale)
    if kind == "full":
        date = format_skeleton("yMMMEd", t, fuzzy=True, locale=locale)
        clock = format_skeleton(timefmt._skeleton("jm", locale), t, fuzzy=True, locale=locale)
        joined = locale.datetime_formats.get("medium", "{1} {0}")
        return str(joined).replace("{1}", date).replace("{0}", clock)
    return format_skeleton(timefmt._skeleton(timefmt._SKELETONS[kind], locale), t, fuzzy=True,
                           locale=locale)


@pytest.mark.parametrize("code", ("en", "de", "fr", "es", "ja", "ar", "ko", "en_US", "fa"))
def test_times_of_the_same_day_and_minute_read_as_babel_writes_them(code: str) -> None:
    """Many times on few days and at repeated times of day, across a DST change, in zones
    east and west: every kind kept by day and by time of day reads as Babel writes it."""
    locale = Locale.parse(code)
    rng = random.Random(code)
    start = datetime(2026, 10, 24, tzinfo=UTC)
    for zone in ("UTC", "America/Chicago", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham"):
        here = ZoneInfo(zone)
        for _ in range(120):
            t = (start + timedelta(minutes=rng.randrange(0, 14 * 24 * 60),
                                   seconds=rng.randrange(60))).astimezone(here)
            for kind in (*timefmt._SKELETONS, "full"):
                assert timefmt.format_kind(t, kind, locale) == babel_writes(t, kind, locale)


def test_a_pattern_with_a_zone_or_seconds_is_written_by_babel_every_time() -> None:
    """A pattern with a field the day and time of day do not fix (a zone, fractions of a
    second) is never kept; one with seconds keeps them apart."""
    locale = Locale.parse("de")
    zoned = timefmt._Written(timefmt.parse_date_pattern("d MMM y HH:mm zzzz"), locale)
    seconds = timefmt._Written(timefmt.parse_date_pattern("HH:mm:ss.SSS"), locale)
    plain = timefmt._Written(timefmt.parse_date_pattern("HH:mm:ss 'Uhr'"), locale)
    assert zoned.clock is None and seconds.clock is None and plain.seconds
    for zone in ("Europe/Berlin", "America/New_York"):
        for i in range(0, 400, 7):
            t = (datetime(2026, 3, 28, 23, tzinfo=UTC) + timedelta(minutes=13 * i, seconds=i,
                                                                    microseconds=i * 999))
            t = t.astimezone(ZoneInfo(zone))
            for written in (zoned, seconds, plain):
                assert written.write(t) == written.pattern.apply(t, locale)


def test_file_sizes_read_as_babel_writes_them_in_every_locale() -> None:
    rng = random.Random(14)
    tenths = [rng.uniform(0, 1100) for _ in range(60)] + [
        0.05, 0.15, 0.25, 0.35, 2.25, 999.94, 999.95, 999.96, 1000.0, 1023.99]
    for code in localedata.locale_identifiers():
        locale = Locale.parse(code)
        for value in tenths:
            assert timefmt._tenths(value, locale) == format_decimal(
                value, format="#,##0.0", locale=locale), (code, value)


def test_a_sentence_writes_what_markup_formatting_writes() -> None:
    """Sentence(translation)(**values) is ``Markup(translation) % values``: the sentence as
    markup, each value escaped (markup values kept), for any value; a translation with
    another kind of placeholder or a ``%%`` formats as Markup does."""
    texts = ("Select “%(subject)s”", "Sent %(sent)s — %(zone)s", "%(a)s%(b)s",
             "<b>%(a)s</b> & %(b)s", "100%% %(a)s", "%(a)s is %(b)d", "nothing")
    values = [*HOSTILE, Markup("<i>kept</i>"), 42]
    for text in texts:
        for a in values:
            for b in (7, 8) if "%(b)d" in text else values:
                kwargs = {"subject": a, "sent": a, "zone": b, "a": a, "b": b}
                want = Markup(text) % kwargs
                got = Sentence(text)(**kwargs)
                assert got == want and isinstance(got, Markup)


@pytest.mark.parametrize("hostile", HOSTILE[:4])
def test_a_hostile_subject_and_sender_are_escaped_on_the_list(
    client: FlaskClient, auth: Any, store: demo.DemoStore, hostile: str
) -> None:
    """The row's Subject (its text and the checkbox's label) and sender: escaped once,
    never raw, never twice."""
    encoded = base64.b64encode(hostile.encode()).decode()
    now = datetime.now(UTC).replace(microsecond=0)
    raw = (f"Date: {email.utils.format_datetime(now)}\r\nSubject: =?utf-8?b?{encoded}?=\r\n"
           f"From: =?utf-8?b?{encoded}?= <x@example.com>\r\n\r\nhi\r\n").encode()
    store.add(DemoMessage("INBOX", raw, now, frozenset(), ONTIME, "hostile"))
    auth.login()
    html = client.get("/folder/INBOX").get_data(as_text=True)
    escaped = str(escape(hostile))
    assert f'<span class="subject">{escaped}</span>' in html
    assert f'aria-label="Select “{escaped}”"' in html
    assert f'<span class="sender" title="x@example.com">{escaped}</span>' in html
    rows = html.split('<ol class="messages"')[1]
    if escaped != hostile:  # neither raw nor escaped twice
        assert hostile not in rows
        assert str(escape(escaped)) not in rows


def test_the_first_list_page_freezes_what_the_process_has_loaded(
    client: FlaskClient, auth: Any
) -> None:
    """After a list page, the objects loaded so far are in Python's permanent generation
    (gc.freeze): full collections no longer walk them (views/listpage.settle_heap)."""
    import gc

    auth.login()
    assert client.get("/folder/INBOX").status_code == 200
    assert gc.get_freeze_count() > 0
