"""Dates, weekdays, months, the clock, numbers, sizes and durations in the page's locale (Babel),
with the one rounding rule of ``webmail.headers.policy.format_duration``; English as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask

from webmail.headers import analyze
from webmail.headers.policy import format_duration
from webmail.views import timefmt

CHICAGO = ZoneInfo("America/Chicago")
WHEN = datetime(2025, 3, 14, 23, 2, tzinfo=UTC)  # Fri 14 Mar 2025, 18:02 CDT
NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)  # the Tuesday after


def in_locale(app: Flask, code: str) -> object:
    return app.test_request_context("/", headers={"Accept-Language": code})


def test_english_dates_read_as_before(app: Flask) -> None:
    with in_locale(app, "en"):
        assert timefmt.full_time(WHEN, CHICAGO) == "Fri 14 Mar 2025, 18:02 CDT"
        assert timefmt.short_time(WHEN, NOW, CHICAGO) == "Fri 18:02"
        assert timefmt.short_time(WHEN, NOW + timedelta(days=30), CHICAGO) == "14 Mar"
        assert timefmt.short_time(WHEN, NOW + timedelta(days=300), CHICAGO) == "14 Mar 2025"
        assert timefmt.duration(2 * 86400 + 2 * 3600 + 59 * 60) == "2 d 3 h"
        assert timefmt.late_words(86400 + 19 * 3600) == "delivered 1 day 19 hours late"
        assert timefmt.file_size(1_363_148) == "1.3 MB"
        assert timefmt.number(12345) == "12,345"


def test_german_dates_weekdays_months_and_durations(app: Flask) -> None:
    with in_locale(app, "de"):
        assert timefmt.full_time(WHEN, CHICAGO) == "Fr., 14. März 2025, 18:02 CDT"
        assert timefmt.short_time(WHEN, NOW, CHICAGO) == "Fr., 18:02"
        assert timefmt.short_time(WHEN, NOW + timedelta(days=30), CHICAGO) == "14. März"
        assert timefmt.short_time(WHEN, WHEN + timedelta(minutes=5), CHICAGO) == "18:02"
        # 2 d 2 h 59 min: the library's rounding (2 d 3 h), German units, short and long
        seconds = 2 * 86400 + 2 * 3600 + 59 * 60
        assert format_duration(timedelta(seconds=seconds)) == "2 d 3 h"
        assert timefmt.duration(seconds) == "2 Tg. 3 Std."
        assert timefmt.duration_words(seconds) == "2 Tage 3 Stunden"
        assert timefmt.duration_words(86400 + 3600) == "1 Tag 1 Stunde"  # singulars
        assert timefmt.duration_words(-61) == "minus 1 Minute 1 Sekunde"
        assert timefmt.number(12345) == "12.345"
        assert timefmt.file_size(1_363_148) == "1,3 MB"


def test_each_locale_keeps_its_own_clock() -> None:
    at = WHEN.astimezone(CHICAGO)
    assert timefmt.format_kind(at, "time", Locale.parse("ja")) == "18:02"
    assert timefmt.format_kind(at, "time", Locale.parse("el")) == "6:02\u202fμ.μ."  # 12-hour
    assert timefmt.format_kind(at, "full", Locale.parse("fr")) == "ven. 14 mars 2025, 18:02"
    assert timefmt.format_kind(at, "full", Locale.parse("ja")) == "2025年3月14日(金) 18:02"


def test_a_german_page_shows_german_times(app: Flask) -> None:
    from tests.i18n.conftest import Reader

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    Reader(client).login()
    page = client.get("/delays?folder=INBOX").text
    assert '<html lang="de">' in page
    assert "Okt." in page or "Nov." in page  # month names on the time axis and in the table
    assert " Tg. " in page or " Std." in page  # durations in German units


LIBRARY_MESSAGE = b"""Received: by mx.example.net; Fri, 14 Mar 2025 23:40:00 +0000
Subject: no date at all

hi
"""


def _cli(path: Path, language: str, *args: str) -> str:
    env = {**os.environ, "LANG": language, "LANGUAGE": language.split("_")[0], "LC_ALL": language}
    return subprocess.run(
        [sys.executable, "-m", "webmail.headers", *args, str(path)],
        capture_output=True, text=True, env=env, check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout


def test_the_library_and_its_command_line_stay_english(tmp_path: Path) -> None:
    """The library's words and the CLI's output (text and JSON) are the same whatever the
    machine's language, and the command line loads no translation machinery."""
    analysis = analyze(LIBRARY_MESSAGE)
    assert "no Date header" in analysis.warnings
    path = tmp_path / "one.eml"
    path.write_bytes(LIBRARY_MESSAGE)
    for args in ((), ("--json",)):
        english, german = _cli(path, "C", *args), _cli(path, "de_DE.UTF-8", *args)
        assert english == german and "no Date header" in english
    record = json.loads(_cli(path, "de_DE.UTF-8", "--json"))
    expected = {k: v for k, v in analysis.to_json().items() if k != "path"}
    assert {k: v for k, v in record.items() if k in expected} == expected
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, webmail.headers.cli; print(sorted(m for m in "
         "sys.modules if m.split('.')[0] in ('babel', 'flask_babel', 'flask') or "
         "m == 'webmail.i18n'))"],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )
    assert probe.stdout.strip() == "[]"
