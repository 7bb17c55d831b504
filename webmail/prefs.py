"""A reader's remembered choices (time zone, list order), per username, in the instance database."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from webmail.sessions import database

SORT_MODES = ("sent", "arrival")


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted."""
    return tuple(sorted(available_timezones() | {"UTC"}))


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
    """

    timezone: str = "UTC"
    timezone_auto: bool = True
    sort: str = "sent"


class Preferences:
    """Read and write :class:`UserPrefs` rows; bad stored values fall back to defaults."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, username: str) -> UserPrefs:
        with database(self.path) as conn:
            row = conn.execute(
                "SELECT data FROM preferences WHERE username = ?", (username,)
            ).fetchone()
        prefs = UserPrefs()
        if row is None:
            return prefs
        try:
            data = json.loads(row[0])
        except ValueError:
            return prefs
        return self._merge(prefs, data if isinstance(data, dict) else {})

    def update(self, username: str, **changes: Any) -> UserPrefs:
        """Store the given fields (invalid values are ignored) and return the result."""
        prefs = self._merge(self.get(username), changes)
        with database(self.path) as conn:
            conn.execute(
                "INSERT INTO preferences (username, data) VALUES (?, ?) "
                "ON CONFLICT(username) DO UPDATE SET data = excluded.data",
                (username, json.dumps(asdict(prefs))),
            )
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
        return prefs
