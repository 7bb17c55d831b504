"""The app's long-lived services in one typed object: :class:`Services`.

``create_app`` builds it once (:func:`init_app`); views, error handlers and tests reach it
with :func:`services` (one accessor, as the Flask tutorial's ``get_db``), never through
string keys in ``app.extensions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from flask import Flask

    from webmail.config import Settings
    from webmail.index import IndexStore
    from webmail.mailbox.jobs import SyncJobs
    from webmail.mailbox.pool import MailboxPool
    from webmail.mailbox.recent import RecentMessages
    from webmail.outbox import Outbox
    from webmail.sessions import SessionStore
    from webmail.sessions.limits import LoginLimiter
    from webmail.sessions.prefs import Preferences

__all__ = ["Services", "init_app", "services"]

_KEY = "webmail"


@dataclass
class Services:
    """What every request may use.

    :ivar settings: the configuration (``WEBMAIL_*``), validated at start-up.
    :ivar sessions: the server-side session store (it also encrypts the IMAP password).
    :ivar prefs: the readers' preferences.
    :ivar limiter: the login rate limits.
    :ivar pool: one live mailbox connection per session.
    :ivar index: the list index, or ``None`` (``WEBMAIL_INDEX=off``, or the demo).
    :ivar sync_jobs: background first syncs of big folders.
    :ivar opened: messages opened a moment ago (:mod:`webmail.mailbox.recent`).
    :ivar outbox: sending, drafts and the forms in progress (:mod:`webmail.outbox`).
    :ivar inline_sync_limit: a folder with more messages still to index syncs in the background.
    """

    settings: Settings
    sessions: SessionStore
    prefs: Preferences
    limiter: LoginLimiter
    pool: MailboxPool
    index: IndexStore | None
    sync_jobs: SyncJobs
    opened: RecentMessages[Any]
    outbox: Outbox
    inline_sync_limit: int = field(default=2000)


def init_app(app: Flask, built: Services) -> None:
    """Attach ``built`` to ``app``."""
    app.extensions[_KEY] = built


def services(app: Flask | None = None) -> Services:
    """The services of ``app``, by default of the current app (in a request or app context)."""
    if app is None:
        from flask import current_app

        app = current_app
    return cast(Services, app.extensions[_KEY])
