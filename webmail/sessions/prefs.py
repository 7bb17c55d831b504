"""A reader's remembered choices (time zone, list order, senders whose remote content loads),
per username, in the instance database."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from webmail.sessions.database import database, reading

SORT_MODES = ("sent", "arrival")
#: The languages the web pages are written in (webmail/translations); "" follows the browser.
LANGUAGE_CODES = ("en", "de", "fr", "es", "ja")
#: At most this many senders are remembered for remote content (the oldest go first).
MAX_REMOTE_SENDERS = 500
MAX_ADDRESS_CHARS = 320
#: Visits are remembered for this many folders (the least recently seen go first).
MAX_VISITED_FOLDERS = 200
MAX_FOLDER_NAME_CHARS = 1000
#: The longest display name kept (the name shown with the reader's address in From).
MAX_DISPLAY_NAME_CHARS = 100


def normalize_address(address: str) -> str | None:
    """The address as stored for comparison (trimmed, lower case), or ``None`` when it is not
    a plausible ``local@domain`` address."""
    value = address.strip().lower()
    if not 3 <= len(value) <= MAX_ADDRESS_CHARS or value.count("@") < 1:
        return None
    local, _, domain = value.rpartition("@")
    if not local or not domain or any(c.isspace() or c in "<>\",;" for c in value):
        return None
    return value


def _visits(values: list[Any] | tuple[Any, ...]) -> tuple[tuple[str, int, int], ...]:
    """Stored folder visits, checked: ``[folder, since, last_seen]`` with a folder name and two
    whole non-negative numbers; one per folder (the last given wins), least recently seen
    first, at most :data:`MAX_VISITED_FOLDERS`."""
    kept: dict[str, tuple[str, int, int]] = {}
    for v in values:
        if not (isinstance(v, (list, tuple)) and len(v) == 3 and isinstance(v[0], str)):
            continue
        name, since, seen = v
        numbers = all(type(n) is int and 0 <= n < 2**40 for n in (since, seen))
        if numbers and 0 < len(name) <= MAX_FOLDER_NAME_CHARS:
            kept.pop(name, None)
            kept[name] = (name, since, seen)
    ordered = sorted(kept.values(), key=lambda visit: visit[2])
    return tuple(ordered[-MAX_VISITED_FOLDERS:])


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted."""
    return tuple(sorted(available_timezones() | {"UTC"}))


ZONE_REGIONS = (
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
)
TZDATA_ZI = Path("/usr/share/zoneinfo/tzdata.zi")


@lru_cache(maxsize=1)
def canonical_zones() -> tuple[str, ...]:
    """The zones a person picks from: canonical IANA names in a region (``Asia/Kolkata``, not its
    alias ``Asia/Calcutta``; no ``Etc/GMT+5``, which means UTC-5, no ``Factory`` or ``EST5EDT``),
    plus ``UTC``. Canonical names are the tz database's zones (``Z`` lines of tzdata.zi), not
    its links; without that file, every name in a region."""
    try:
        lines = TZDATA_ZI.read_text(encoding="utf-8").splitlines()
        names = {line.split()[1] for line in lines if line.startswith("Z ")}
    except (OSError, IndexError):
        names = set(available_timezones())
    chosen = {n for n in names if n.split("/", 1)[0] in ZONE_REGIONS and "/" in n}
    return ("UTC", *sorted(chosen & set(zone_names())))


def zone_groups(now: datetime) -> list[tuple[str, list[tuple[str, str]]]]:
    """:func:`canonical_zones` by region, each ``(name, label)`` with its offset ``now``:
    ``("Pacific/Auckland", "Auckland (UTC+13:00)")``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in canonical_zones():
        region, _, place = name.partition("/")
        offset = now.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        label = f"{(place or name).replace('_', ' ')} (UTC{sign}{hours:02d}:{rest:02d})"
        groups.setdefault(region if place else "UTC", []).append((name, label))
    return list(groups.items())


def valid_zone(name: str) -> bool:
    """True when ``name`` is an IANA time zone this machine knows (e.g. ``America/Chicago``)."""
    if not name or len(name) > 64 or name not in zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class UserPrefs:
    """What one reader chose.

    :ivar timezone: IANA zone name the times are shown in.
    :ivar timezone_auto: the zone came from the browser and may follow it.
    :ivar sort: ``"sent"`` (true sent time) or ``"arrival"`` (IMAP arrival), newest first.
    :ivar remote_senders: From addresses (normalised, see :func:`normalize_address`) whose
        messages show remote images without asking ("always for this sender").
    :ivar folder_visits: the reader's visit to each folder, for the list banner's "since your
        last visit" (:func:`webmail.delays.next_visit`): ``(folder, since, last_seen)`` in
        epoch seconds, ``since`` 0 during a first visit; least recently seen first.
    :ivar display_name: the name shown with the reader's address in the From of their mail
        ("" for the address alone); one line.
    :ivar language: the pages' language, one of :data:`LANGUAGE_CODES`, or "" for the
        browser's (Accept-Language, see :mod:`webmail.i18n`).
    """

    timezone: str = "UTC"
    timezone_auto: bool = True
    sort: str = "sent"
    remote_senders: tuple[str, ...] = ()
    folder_visits: tuple[tuple[str, int, int], ...] = ()
    display_name: str = ""
    language: str = ""

    def allows_remote(self, address: str) -> bool:
        """True when the reader chose to always load remote content from ``address``."""
        normal = normalize_address(address)
        return normal is not None and normal in self.remote_senders


def _as_typed(username: str) -> str:
    return username


class Preferences:
    """Read and write :class:`UserPrefs` rows; bad stored values fall back to defaults.

    Rows are keyed by ``account_name(username)`` (``Settings.account_name`` in the app), so
    every variant of a name that reaches one mailbox (``READER@Example.org``) has one row.
    """

    def __init__(self, path: Path, account_name: Callable[[str], str] = _as_typed) -> None:
        self.path = path
        self.account_name = account_name

    def _read(self, name: str) -> str | None:
        """The stored JSON of account ``name``, or ``None``."""
        with reading(self.path) as conn:
            row = conn.execute(
                "SELECT data FROM preferences WHERE username = ?", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def _write(self, name: str, data: str) -> None:
        with database(self.path) as conn:
            conn.execute(
                "INSERT INTO preferences (username, data) VALUES (?, ?) "
                "ON CONFLICT(username) DO UPDATE SET data = excluded.data",
                (name, data),
            )

    def get(self, username: str) -> UserPrefs:
        stored = self._read(self.account_name(username))
        prefs = UserPrefs()
        if stored is None:
            return prefs
        try:
            data = json.loads(stored)
        except ValueError:
            return prefs
        return self._merge(prefs, data if isinstance(data, dict) else {})

    def update(self, username: str, **changes: Any) -> UserPrefs:
        """Store the given fields (invalid values are ignored) and return the result."""
        prefs = self._merge(self.get(username), changes)
        self._write(self.account_name(username), json.dumps(asdict(prefs)))
        return prefs

    @staticmethod
    def _merge(prefs: UserPrefs, data: dict[str, Any]) -> UserPrefs:
        tz = data.get("timezone")
        if isinstance(tz, str) and valid_zone(tz):
            prefs = replace(prefs, timezone=tz)
        if isinstance(data.get("timezone_auto"), bool):
            prefs = replace(prefs, timezone_auto=data["timezone_auto"])
        if data.get("sort") in SORT_MODES:
            prefs = replace(prefs, sort=data["sort"])
        senders = data.get("remote_senders")
        if isinstance(senders, (list, tuple)):
            normal = (normalize_address(s) for s in senders if isinstance(s, str))
            kept = tuple(dict.fromkeys(s for s in normal if s is not None))
            prefs = replace(prefs, remote_senders=kept[-MAX_REMOTE_SENDERS:])
        visits = data.get("folder_visits")
        if isinstance(visits, (list, tuple)):
            prefs = replace(prefs, folder_visits=_visits(visits))
        name = data.get("display_name")
        if isinstance(name, str):  # split() drops CR, LF and every other line break
            prefs = replace(prefs, display_name=" ".join(name.split())[:MAX_DISPLAY_NAME_CHARS])
        language = data.get("language")
        if language == "" or language in LANGUAGE_CODES:
            prefs = replace(prefs, language=language)
        return prefs

    def allow_remote(self, username: str, address: str) -> bool:
        """Remember ``address`` as a sender whose remote content loads; False when the address
        is not plausible (nothing stored)."""
        normal = normalize_address(address)
        if normal is None:
            return False
        current = self.get(username).remote_senders
        self.update(username, remote_senders=(*[s for s in current if s != normal], normal))
        return True

    def forget_remote(self, username: str, address: str) -> None:
        """Stop loading remote content for ``address`` (nothing happens when it was not stored)."""
        normal = normalize_address(address) or address
        current = self.get(username).remote_senders
        self.update(username, remote_senders=tuple(s for s in current if s != normal))
