"""ImapMailbox: the :class:`~webmail.mailbox.Mailbox` Protocol over any IMAP server (imapclient).

Every public method raises only :class:`~webmail.mailbox.MailboxError` subclasses (see
:func:`~webmail.mailbox.connection.translated_errors`), never an imapclient, socket or ssl
exception. Its parts, one job a module, each a base of the class:

- :mod:`webmail.mailbox.connection`: connect, log in, select, the request deadline, NOOP,
  LOGOUT, and the one mapping of exceptions to MailboxError kinds;
- :mod:`webmail.mailbox.folders`: LIST with counts, the namespace, roles, the Trash and the
  other role folders, a reader's folders created, renamed, deleted;
- :mod:`webmail.mailbox.fetching`: list rows and pages, the read view's message and its parts,
  message state, UID searches (EXAMINE and ``BODY.PEEK``: reading never sets ``\\Seen``);
- :mod:`webmail.mailbox.changes`: flags, moves, deletes, and the outbox's APPEND.

Here: the class, and its sync into the index (:mod:`webmail.mailbox.sync`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from webmail.mailbox.changes import Changes
from webmail.mailbox.connection import translated_errors
from webmail.mailbox.fetching import FETCH_CHUNK, Fetching

if TYPE_CHECKING:
    from webmail.index.store import IndexStore
    from webmail.mailbox.sync import Progress, SyncResult

__all__ = ["FETCH_CHUNK", "ImapMailbox", "translated_errors"]


class ImapMailbox(Changes, Fetching):
    """The :class:`~webmail.mailbox.Mailbox`, :class:`~webmail.mailbox.Syncing`,
    :class:`~webmail.mailbox.TimeBound` and :class:`~webmail.mailbox.Revalidating` over one
    logged-in IMAP connection (attributes: :class:`~webmail.mailbox.connection.Connection`).
    Not thread-safe: use one per thread (see MailboxPool)."""

    def sync_folder(
        self,
        index: IndexStore,
        account: str,
        folder: str,
        progress: Progress | None = None,
        *,
        fetch_limit: int | None = None,
    ) -> SyncResult:
        """Bring ``folder`` up to date in ``index`` under ``account`` (see
        ``webmail.index.account_key``) over this connection: new messages, flag changes
        (CONDSTORE) and expunges (QRESYNC, else a UID-set comparison); see
        :func:`webmail.mailbox.sync.sync_folder`. Leaves the folder selected read-only. Raises
        NotFound, ConnectionLost or another MailboxError; ``SyncResult.skipped`` when another
        worker holds the folder's sync lease; ``SyncResult.deferred`` when more than
        ``fetch_limit`` messages would have to be fetched."""
        from webmail.mailbox.sync import (
            sync_folder,  # the list path without an index needs none of it
        )

        with translated_errors():
            return sync_folder(
                self.client, index, account, folder, progress, fetch_limit=fetch_limit
            )
