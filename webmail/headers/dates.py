"""Dates as mail really writes them: RFC 5322 §3.3, the obsolete syntax of §4.3, and the
long tail (ISO 8601, asctime, other zone abbreviations).

:func:`parse_date` never raises; the result's ``value`` is a tz-aware ``datetime`` or
``None``, and its ``warnings`` say what was odd. Work is linear in the input, which is
cut at :data:`MAX_DATE_CHARS`.

The readings, from RFC 5322 §4.3 where it speaks:

- 2-digit years 00-49 are 20xx and 50-99 are 19xx; 3-digit years add 1900;
- zones UT, GMT, Z and UTC are ``+0000``; EST/EDT, CST/CDT, MST/MDT, PST/PDT are US zones;
  military letters and ``-0000`` mean "unknown zone": the time is read as UTC;
- comments (nested, with quoted pairs) count as white space; an unterminated one runs
  to the end of the text and is reported;
- a weekday that disagrees with the date is ignored (and reported); seconds and the
  weekday may be missing; names are case-insensitive, full names are accepted.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta, timezone

from webmail.headers.model import ParsedDate

# A date-time with its comments is a few dozen characters; past this it is hostile.
MAX_DATE_CHARS = 2048
#: The instants a date may hold: a day inside ``datetime``'s range at each end, so every value
#: this library returns can be shown in any time zone (offsets are under 24 h) and stored as
#: epoch seconds and read back. A date outside (year 9999, year 1) is unknown, with a warning.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC)
#: The warning on such a date.
OUT_OF_RANGE = "the date is too close to the end of the calendar to show in every time zone"

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
    "august": 8, "sept": 9, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
# RFC 5322 §4.3 zone names, in minutes east of UTC.
_RFC_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
    "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}  # fmt: skip
# Abbreviations RFC 5322 does not define, read as their most common meaning (reported).
_OTHER_ZONES = {
    "WET": 0, "WEST": 60, "BST": 60, "IST": 330, "CET": 60, "CEST": 120, "MET": 60,
    "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "MSD": 240, "JST": 540, "KST": 540,
    "HKT": 480, "SGT": 480, "AWST": 480, "ACST": 570, "ACDT": 630, "AEST": 600,
    "AEDT": 660, "NZST": 720, "NZDT": 780, "HST": -600, "AKST": -540, "AKDT": -480,
    "AST": -240, "ADT": -180, "NST": -210, "NDT": -150, "BRT": -180, "BRST": -120,
    "ART": -180, "PKT": 300, "ICT": 420, "WIB": 420, "PHT": 480,
}  # fmt: skip

# Tokens: a time (H:M[:S][.frac]), a signed number (a zone once past the time), a
# number, a word. Every alternative is a flat run: no nested quantifiers.
_TOKEN = re.compile(
    r"(\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,9})?)|([+-]\d{1,2}:\d\d|[+-]\d+)|(\d+)|([A-Za-z]+)",
    re.ASCII,
)
_COMMENT_CHARS = re.compile(r"[()\\]")
_COMMENT_RUNS = re.compile(r"\\[\s\S]?|\(+|\)+")
_SIMPLE_COMMENT = re.compile(r"\([^()\\]*\)")
# The common case, read without tokenising: "[Day, ]D Mon YYYY HH:MM[:SS] +hhmm [(comment)]".
_FAST = re.compile(
    r"\s*(?:([A-Za-z]{3}),\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d\d):(\d\d)(?::(\d\d))?"
    r"\s*([+-]\d\d[0-5]\d)\s*(?:\([^()\\]*\)\s*)?",
    re.ASCII,
)


def _any_case(names: dict[str, int], length: int) -> dict[str, int]:
    """``names``' keys of ``length`` letters in every mix of upper and lower case."""
    out: dict[str, int] = {}
    for name, number in names.items():
        if len(name) == length:
            for letters in itertools.product(*((c, c.upper()) for c in name)):
                out["".join(letters)] = number
    return out


# The fast path's look-ups: names as written (no .lower()), numbers without int().
_FAST_MONTHS = _any_case(_MONTHS, 3)
_FAST_WEEKDAYS = _any_case(_WEEKDAYS, 3)
_NUMBERS = {f"{n:02d}": n for n in range(100)} | {str(n): n for n in range(10)}
_FAST_WEEKDAYS_COMMA = {name + ",": number for name, number in _FAST_WEEKDAYS.items()}
_DAYS = {f"{n:02d}": n for n in range(1, 32)} | {str(n): n for n in range(1, 32)}
# Years as RFC 5322 §4.3 reads them (see _year): 4 digits as written, 2 digits 1950-2049,
# 3 digits plus 1900.
_YEARS = (
    {str(n): n for n in range(1900, 2200)}
    | {f"{n:02d}": n + (2000 if n < 50 else 1900) for n in range(100)}
    | {str(n): n + 1900 for n in range(100, 1000)}
)
_CLOCKS = {f"{h:02d}:{m:02d}": (h, m) for h in range(24) for m in range(60)}
_SECONDS = {f"{n:02d}": n for n in range(60)}
# "+hhmm" -> zone: at most 12,000 keys, filled by _fast_zone; and RFC 5322's zone names (GMT,
# UT, EST ...) in any case, as the general parser reads them without a warning.
_FAST_ZONES: dict[str, timezone] = {}

_TZ_CACHE: dict[int, timezone] = {0: UTC}


def _tz(minutes: int) -> timezone:
    """A cached fixed-offset zone."""
    zone = _TZ_CACHE.get(minutes)
    if zone is None:
        zone = timezone(timedelta(minutes=minutes))
        _TZ_CACHE[minutes] = zone
    return zone


_LOWER_RFC_ZONES = {name.lower(): minutes for name, minutes in _RFC_ZONES.items()}
for _length in (1, 2, 3):
    _FAST_ZONES.update(
        (name, _tz(minutes)) for name, minutes in _any_case(_LOWER_RFC_ZONES, _length).items()
    )


def strip_comments(text: str, warnings: list[str]) -> str:
    """Replace each comment (RFC 5322 §3.2.2, nested, with quoted pairs) with a space.

    ``comment = "(" *([FWS] ccontent) [FWS] ")"``. An unterminated comment runs to the
    end of the text and adds a warning; a stray ``)`` is dropped. Linear time.
    """
    if "(" not in text and ")" not in text:
        return text
    if "\\" not in text:
        if ")" not in text:  # only "(": the first comment runs to the end
            warnings.append("unterminated comment")
            return text[: text.find("(")]
        if "(" not in text:  # only ")": each is stray, dropped
            return text.replace(")", "")
        simple = _SIMPLE_COMMENT.sub(" ", text)  # the usual "(PST)": no nesting
        if "(" not in simple and ")" not in simple:
            return simple
    if "((((" in text or "))))" in text:
        return _strip_deep_comments(text, warnings)
    out: list[str] = []
    depth = 0
    pos = 0
    escaped_until = -1
    for match in _COMMENT_CHARS.finditer(text):
        index = match.start()
        if index < escaped_until:
            continue
        char = text[index]
        if char == "\\":
            escaped_until = index + 2
            continue
        if char == "(":
            if depth == 0:
                out.append(text[pos:index])
            depth += 1
        elif depth > 0:  # ")"
            depth -= 1
            if depth == 0:
                out.append(" ")
                pos = index + 1
        else:  # a ")" outside any comment
            out.append(text[pos:index])
            pos = index + 1
    if depth > 0:
        warnings.append("unterminated comment")
    else:
        out.append(text[pos:])
    return "".join(out)


def _strip_deep_comments(text: str, warnings: list[str]) -> str:
    """:func:`strip_comments` a run of ``(`` or of ``)`` at a time: the same result, and a
    60,000-deep comment is two steps, not 120,000."""
    out: list[str] = []
    depth = 0
    pos = 0
    for match in _COMMENT_RUNS.finditer(text):
        start, end = match.span()
        char = text[start]
        if char == "\\":  # a quoted pair: the next character is not special
            continue
        if char == "(":
            if depth == 0:
                out.append(text[pos:start])
            depth += end - start
        elif depth > end - start:  # ")"s that close inner comments
            depth -= end - start
        elif depth > 0:  # they close the outermost comment (any more are stray, dropped)
            depth = 0
            out.append(" ")
            pos = end
        else:  # ")"s outside any comment: dropped
            out.append(text[pos:start])
            pos = end
    if depth > 0:
        warnings.append("unterminated comment")
    else:
        out.append(text[pos:])
    return "".join(out)


def parse_date(text: str | bytes) -> ParsedDate:
    """Read a date-time as mail writes it.

    Returns a :class:`ParsedDate` whose ``value`` is tz-aware with the offset as
    written (``-0000``, military letters and unknown zones give UTC), or ``None``
    when the text holds no valid date-time (no month, no time, 31 Feb, 25:61 ...).
    Never raises; linear in the input.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        return ParsedDate(None, "", ("not text",))
    warnings: list[str] = []
    value = parse_date_value(text, warnings)
    kept = text if len(text) <= MAX_DATE_CHARS else text[:MAX_DATE_CHARS]
    return ParsedDate(value, kept, tuple(warnings))


def parse_date_value(text: str, warnings: list[str]) -> datetime | None:
    """The instant ``text`` holds (tz-aware, offset as written), or ``None``.

    Notes on what was odd or unreadable are appended to ``warnings``: the parser behind
    :func:`parse_date`, for callers that gather warnings in their own list. An instant before
    :data:`EARLIEST` or after :data:`LATEST` gives ``None`` and the note :data:`OUT_OF_RANGE`.
    """
    value = fast_date(text)
    if value is not None:
        return value
    return general_date_value(text, warnings)


def general_date_value(text: str, warnings: list[str]) -> datetime | None:
    """:func:`parse_date_value` without the fast path: the tokenising parser, which reads every
    form (and dateutil behind it for the long tail). The fast path gives what this gives, or
    declines (``tests/headers/test_fast_paths.py``)."""
    value = _read_date(text, warnings)
    if value is not None and not in_range(value):
        warnings.append(OUT_OF_RANGE)
        return None
    return value


def in_range(value: datetime) -> bool:
    """``value`` (tz-aware) lies between :data:`EARLIEST` and :data:`LATEST`; never raises."""
    return EARLIEST <= value <= LATEST


def _read_date(text: str, warnings: list[str]) -> datetime | None:
    """:func:`general_date_value` before the range check."""
    if len(text) > MAX_DATE_CHARS:
        warnings.append(f"date longer than {MAX_DATE_CHARS} characters was cut")
        text = text[:MAX_DATE_CHARS]
    text = strip_comments(text, warnings)
    tokens = _TOKEN.findall(text)
    if not tokens:
        warnings.append("no date")
        return None
    time_tok: str | None = None
    numbers: list[str] = []
    month = 0
    weekday: int | None = None
    zone: int | None = None
    zone_word: str | None = None
    after_time = False
    pm: bool | None = None
    for tok_time, tok_signed, tok_num, tok_word in tokens:
        if tok_time:
            if time_tok is None:
                time_tok = tok_time
                after_time = True
            else:
                warnings.append("more than one time of day")
        elif tok_signed:
            if after_time and zone is None and zone_word is None:
                zone = _numeric_zone(tok_signed, warnings)
                if zone is None:
                    zone_word = tok_signed
            elif not after_time:
                numbers.append(tok_signed[1:])  # "14-Sep-2012", "2012-09-14"
            else:
                numbers.append(tok_signed.lstrip("+-"))
        elif tok_num:
            numbers.append(tok_num)
        else:
            lower = tok_word.lower()
            if not month and lower in _MONTHS:
                month = _MONTHS[lower]
            elif lower in _WEEKDAYS and weekday is None:
                weekday = _WEEKDAYS[lower]
            elif after_time and lower in ("am", "pm"):
                pm = lower == "pm"
            elif after_time and zone is None and zone_word is None:
                zone_word = tok_word
            elif lower == "t" and not after_time:
                pass  # ISO 8601 date/time separator
    if time_tok is None:
        warnings.append("no time of day")
        return None
    if month:
        if len(numbers) < 2:
            warnings.append("no day or year")
            return None
        day_s, year_s = numbers[0], numbers[1]
        if len(day_s) >= 3 and len(year_s) <= 2:  # "2012 Sep 14" style
            day_s, year_s = year_s, day_s
        if len(numbers) > 2:
            warnings.append("extra numbers in the date were ignored")
    else:
        return _numeric_date(text, numbers, time_tok, zone, zone_word, warnings)
    year = _year(year_s)
    day = int(day_s[-4:]) if len(day_s) <= 4 else 0
    if zone is None:
        zone = _zone_from_word(zone_word, warnings)
    return _build(year, month, day, time_tok, zone, pm, weekday, warnings)


def fast_date(text: str) -> datetime | None:
    """The common form, or ``None``: then the text goes to :func:`general_date_value`. A value
    is returned only where the general parser gives the same one with no warning (a weekday
    that disagrees, 31 Feb, a leap second, a zone past 23:59 or a year outside 1000-9998
    decline; ``tests/headers/test_fast_paths.py`` holds it to that).

    The usual layout, ``[Day, ]D Mon YYYY HH:MM[:SS] +hhmm [(comment)]`` with single spaces or
    any white space, is read by splitting at white space and dictionary look-ups (about half
    the work of the regular expression), and so are 2- and 3-digit years and RFC 5322's zone
    names (``GMT``, ``EST`` ...) in that layout; other spacings of the same form
    (``Tue,14 Nov``, ``22:12:26+0000``) by the regular expression ``_FAST``."""
    if len(text) > 160:  # not the usual layout (and no splitting of a 2 KB date bomb)
        return _fast_regex(text)
    parts = text.split()
    if "(" in text or ")" in text:  # a last word "(PST)" is a comment; any other goes to _FAST
        comment = parts.pop() if parts else ""
        if comment[:1] != "(" or comment[-1:] != ")" or not comment[1:-1].isalnum():
            return _fast_regex(text)
    try:
        if len(parts) == 6:
            weekday = _FAST_WEEKDAYS_COMMA[parts[0]]
            _, day_text, month_text, year_text, clock, zone = parts
        elif len(parts) == 5:
            weekday = None
            day_text, month_text, year_text, clock, zone = parts
        else:
            return _fast_regex(text)
        day = _DAYS[day_text]
        month = _FAST_MONTHS[month_text]
        year = _YEARS[year_text]
        if len(clock) == 8 and clock[5] == ":":
            hour, minute = _CLOCKS[clock[:5]]
            second = _SECONDS[clock[6:]]
        else:
            hour, minute = _CLOCKS[clock]
            second = 0
        tz = _FAST_ZONES[zone]
    except KeyError:
        return _fast_regex(text)
    try:
        value = datetime(year, month, day, hour, minute, second, 0, tz)
    except ValueError:  # 31 Feb
        return None
    if weekday is not None and weekday != value.weekday():
        return None
    return value


def _fast_regex(text: str) -> datetime | None:
    """:func:`fast_date` for the other spacings: ``_FAST`` and a few look-ups."""
    match = _FAST.fullmatch(text)
    if match is None:
        return None
    weekday, day, month_name, year, hour, minute, second, zone = match.groups()
    month = _FAST_MONTHS.get(month_name)
    if month is None:
        return None
    tz = _FAST_ZONES.get(zone)
    if tz is None:
        tz = _fast_zone(zone)
        if tz is None:
            return None
    number = _NUMBERS
    try:
        value = datetime(
            int(year), month, number[day], number[hour], number[minute],
            number[second] if second is not None else 0, tzinfo=tz,
        )
    except ValueError:
        return None
    if not 1000 <= value.year < 9999:  # near the ends of the calendar: the range check's
        return None
    if weekday is not None and _FAST_WEEKDAYS.get(weekday) != value.weekday():
        return None
    return value


def _zone_text(zone: str) -> timezone | None:
    """``+hhmm`` (ASCII digits, minutes under 60) as a cached zone, else ``None``."""
    digits = zone[1:]
    if len(zone) != 5 or zone[0] not in "+-" or not (digits.isascii() and digits.isdigit()):
        return None
    if zone[3] > "5":
        return None
    return _fast_zone(zone)


def _fast_zone(zone: str) -> timezone | None:
    """``+hhmm`` as a cached zone; ``None`` past 23:59 (the general parser warns of those)."""
    offset = int(zone[1:3]) * 60 + int(zone[3:])
    if offset >= 24 * 60:
        return None
    tz = _tz(-offset if zone[0] == "-" else offset)
    _FAST_ZONES[zone] = tz
    return tz


def _numeric_zone(token: str, warnings: list[str]) -> int | None:
    """``+hhmm`` (or ``+hh:mm``) as minutes east of UTC; ``-0000`` is UTC."""
    digits = token[1:].replace(":", "")
    if len(digits) != 4:
        warnings.append(f"zone {token!r} is not +hhmm: read as UTC")
        return 0
    hours, minutes = int(digits[:2]), int(digits[2:])
    if minutes >= 60:
        warnings.append(f"zone {token!r} has {minutes} minutes: read as UTC")
        return 0
    total = hours * 60 + minutes
    if total >= 24 * 60:
        warnings.append(f"zone {token!r} is out of range: read as UTC")
        return 0
    if token[0] == "-":
        if total == 0:
            return 0  # "-0000": the local zone is unknown (RFC 5322 §3.3)
        return -total
    return total


def _zone_from_word(word: str | None, warnings: list[str]) -> int:
    """A zone name as minutes east of UTC; unknown or missing zones read as UTC."""
    if word is None:
        warnings.append("no zone: read as UTC")
        return 0
    upper = word.upper()
    known = _RFC_ZONES.get(upper)
    if known is not None:
        return known
    if len(upper) == 1 and upper != "J":
        return 0  # military letters: their signs were published backwards (RFC 5322 §4.3)
    other = _OTHER_ZONES.get(upper)
    if other is not None:
        warnings.append(
            f"zone {word!r} is not defined by RFC 5322: read as {_format_offset(other)}"
        )
        return other
    warnings.append(f"unknown zone {word!r}: read as UTC")
    return 0


def _format_offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _year(text: str) -> int:
    """RFC 5322 §4.3: 2 digits 00-49 → 20xx, 50-99 → 19xx; 3 digits → +1900."""
    if len(text) > 4:
        return 0
    year = int(text)
    if len(text) <= 2:
        return year + (2000 if year < 50 else 1900)
    if len(text) == 3:
        return year + 1900
    return year


def _build(
    year: int,
    month: int,
    day: int,
    time_tok: str,
    zone: int,
    pm: bool | None,
    weekday: int | None,
    warnings: list[str],
) -> datetime | None:
    """Assemble and validate; ``None`` plus a warning for an impossible date-time."""
    parts = time_tok.replace(",", ".").split(":")
    hour = int(parts[0])
    minute = int(parts[1].split(".", 1)[0])  # "10:00.5": a fraction after the minutes
    second = 0
    if len(parts) > 2:
        second = int(parts[2].split(".", 1)[0])
    if pm is not None and 1 <= hour <= 12:
        if pm and hour < 12:
            hour += 12
        elif not pm and hour == 12:
            hour = 0
    if second == 60:  # a leap second
        second = 59
        warnings.append("leap second read as :59")
    if not (1 <= year <= 9999 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 59):
        warnings.append("date or time out of range")
        return None
    try:
        value = datetime(year, month, day, hour, minute, second, tzinfo=_tz(zone))
    except ValueError:
        warnings.append("no such day")
        return None
    if weekday is not None and value.weekday() != weekday:
        warnings.append("the weekday disagrees with the date (ignored)")
    return value


def _numeric_date(
    text: str,
    numbers: list[str],
    time_tok: str,
    zone: int | None,
    zone_word: str | None,
    warnings: list[str],
) -> datetime | None:
    """A date without a month name: ISO 8601 ``YYYY-MM-DD`` here, the rest via dateutil."""
    if len(numbers) >= 3 and len(numbers[0]) == 4:
        year, month, day = int(numbers[0]), int(numbers[1][-2:]), int(numbers[2][-2:])
        if 1 <= month <= 12:
            if zone is None:
                zone = _zone_from_word(zone_word, warnings)
            return _build(year, month, day, time_tok, zone, None, None, warnings)
    if len(numbers) >= 3:
        return _dateutil(text, warnings)
    warnings.append("no month")
    return None


def _dateutil(text: str, warnings: list[str]) -> datetime | None:
    """The long tail (``12/14/2018 10:00:00 +0100`` ...) through python-dateutil."""
    try:
        from dateutil import parser as du_parser  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - dateutil is a dependency
        warnings.append("unrecognised date form")
        return None
    try:
        value: datetime = du_parser.parse(text, fuzzy=True)  # only the long tail pays for it
    except (ValueError, OverflowError, TypeError, LookupError):
        warnings.append("unrecognised date form")
        return None
    except Exception:  # dateutil may raise anything on junk
        warnings.append("unrecognised date form")
        return None
    warnings.append("date in an unusual form (read with dateutil)")
    if value.tzinfo is None or value.utcoffset() is None:
        warnings.append("no zone: read as UTC")
        value = value.replace(tzinfo=UTC)
    return value
