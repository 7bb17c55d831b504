"""The folders of an IMAP mailbox: LIST with counts, the personal namespace, roles (see
:mod:`webmail.mailbox.roles`), the Trash and the other role folders made where missing, and a
reader's own folders created, renamed and deleted.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Collection
from typing import Any

from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from webmail.mailbox import Folder, roles, sort_folders
from webmail.mailbox.connection import Connection, translated_errors
from webmail.mailbox.rawimap import create_with_use, list_with_status

__all__ = ["Folders"]

_log = logging.getLogger(__name__)

_DISPLAY = {"inbox": "Inbox"}
_NO_SELECT = (b"\\noselect", b"\\nonexistent")


def _lower(value: Any) -> bytes:
    return value.lower() if isinstance(value, bytes) else str(value).lower().encode()


class Folders(Connection):
    """The folder operations of :class:`~webmail.mailbox.imap.ImapMailbox`.

    :ivar _trash: the Trash's name, learnt by :meth:`folders` (``None`` until then).
    :ivar _namespace: the personal namespace, asked once per connection.
    """

    _trash: str | None = None
    _namespace: roles.Namespace | None = None

    def _listing(
        self, skip_status: Collection[str] = ()
    ) -> list[tuple[roles.Listed, dict[bytes, int]]]:
        """LIST, each folder with its STATUS counts: in the same command where LIST-STATUS is
        offered (RFC 5819; with the SPECIAL-USE return option only where SPECIAL-USE is, RFC
        6154 §5), else a STATUS per selectable folder. A server that refuses the extended LIST
        although it offered it gets the plain one; a folder whose STATUS is refused has no
        counts. The folders in ``skip_status`` get no STATUS: then a plain LIST and a STATUS
        for each of the others (LIST-STATUS would count them all)."""
        c = self.client
        statuses: dict[str, dict[bytes, Any]] = {}
        folders = None
        if c.has_capability("LIST-STATUS") and not skip_status:
            try:
                folders, statuses = list_with_status(c, special_use=c.has_capability("SPECIAL-USE"))
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                _log.warning("extended LIST refused (%s); listing without it", exc)
        if folders is None:
            folders = c.list_folders()
        result = []
        for flags, delim, name in folders:
            attributes = tuple(
                f.decode("ascii", "replace") if isinstance(f, bytes) else str(f) for f in flags
            )
            status = statuses.get(name)
            if status is None and name not in skip_status and not any(
                _lower(f) in _NO_SELECT for f in flags
            ):
                try:
                    status = c.folder_status(name, ["MESSAGES", "UNSEEN"])
                except IMAPClientAbortError:
                    raise
                except IMAPClientError as exc:  # e.g. no right to read it: shown without counts
                    _log.info("STATUS %r refused: %s", name, exc)
            delimiter = delim.decode() if isinstance(delim, bytes) else delim
            result.append((
                roles.Listed(name, delimiter, attributes),
                {_lower(k): v for k, v in (status or {}).items()},
            ))
        return result

    def _personal_namespace(self, listed: list[roles.Listed]) -> roles.Namespace:
        """The personal namespace from NAMESPACE (RFC 2342) where offered, else guessed from
        the LIST answer (see :func:`webmail.mailbox.roles.infer_namespace`); asked once per
        connection."""
        if self._namespace is None:
            announced = None
            if self.client.has_capability("NAMESPACE"):
                try:
                    personal = self.client.namespace().personal
                except IMAPClientAbortError:
                    raise
                except IMAPClientError as exc:
                    _log.warning("NAMESPACE refused although offered: %s", exc)
                    personal = None
                if personal:
                    prefix, delim = personal[0][0], personal[0][1]
                    announced = roles.Namespace(
                        prefix.decode() if isinstance(prefix, bytes) else str(prefix or ""),
                        delim.decode() if isinstance(delim, bytes) else delim,
                    )
            self._namespace = roles.infer_namespace(listed, announced)
        return self._namespace

    def folders(self, skip_status: Collection[str] = ()) -> list[Folder]:
        """All folders from LIST with roles (see :mod:`webmail.mailbox.roles`) and counts
        (none for those in ``skip_status``), roles first, then by name."""
        with translated_errors():
            listing = self._listing(skip_status)
            listed = [entry for entry, _ in listing]
            namespace = self._personal_namespace(listed)
        assigned = roles.assign_roles(listed, namespace)
        result = []
        self._trash = None
        for entry, status in listing:
            name, delim = entry.name, entry.delimiter
            role = assigned.get(name)
            leaf = name.rsplit(delim, 1)[-1] if delim else name
            result.append(Folder(
                name=name, display_name=_DISPLAY.get(role or "", leaf), role=role,
                unseen=status.get(b"unseen"), total=status.get(b"messages"), delimiter=delim,
                depth=roles.depth_of(name, namespace, delim),
                selectable=not any(_lower(a) in _NO_SELECT for a in entry.attributes),
            ))
            if role == "trash":
                self._trash = name
        return sort_folders(result)

    def _trash_folder(self) -> str:
        """The Trash (see :mod:`webmail.mailbox.roles`); a missing one is created under the
        personal namespace with the server's delimiter (``INBOX.Trash`` on Courier), marked
        ``\\Trash`` where CREATE-SPECIAL-USE is offered (RFC 6154 §3)."""
        if self._trash is None:
            self.folders()
        if self._trash is None:  # no Trash at all: create one
            self._trash = self._create_role_folder("trash")
        return self._trash

    def _create_role_folder(self, role: str) -> str:
        """Create (and subscribe) the folder for ``role`` under the personal namespace
        (:func:`webmail.mailbox.roles.new_folder_name`), marked with its attribute where
        CREATE-SPECIAL-USE is offered; a folder made meanwhile by another client is used.
        Call after :meth:`folders` (it learns the namespace); raises imapclient's errors."""
        if self._namespace is None:
            self.folders()
        assert self._namespace is not None
        name = roles.new_folder_name(role, self._namespace)
        try:
            if self.client.has_capability("CREATE-SPECIAL-USE") and role in roles.NEW_FOLDER_NAMES:
                create_with_use(self.client, name, roles.NEW_FOLDER_NAMES[role][1])
            else:
                self.client.create_folder(name)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            if "ALREADYEXISTS" not in str(exc).upper():  # made meanwhile: use it
                raise
        with contextlib.suppress(IMAPClientError):
            self.client.subscribe_folder(name)
        return name

    def role_folder(self, role: str, *, create: bool = True) -> str | None:
        """The folder :meth:`folders` gives ``role`` (SPECIAL-USE, else its name under the
        personal namespace); a missing one is created (``Sent``, ``Drafts``: ``INBOX.Sent`` on
        a Courier layout) and subscribed when ``create``."""
        found = next((f.name for f in self.folders() if f.role == role), None)
        if found is not None or not create:
            return found
        with translated_errors(changing=True):
            return self._create_role_folder(role)

    def create_folder(self, name: str) -> None:
        """CREATE (modified UTF-7 by imapclient) and SUBSCRIBE."""
        with translated_errors(changing=True):
            self.client.create_folder(name)
            with contextlib.suppress(IMAPClientError):
                self.client.subscribe_folder(name)

    def rename_folder(self, name: str, new_name: str) -> None:
        """RENAME, then the subscription follows (UNSUBSCRIBE the old name, SUBSCRIBE the
        new); a folder that is not there is NotFound."""
        with translated_errors(changing=True):
            self._select("INBOX", readonly=True)  # never the folder renamed (nor the sync's)
            self.client.rename_folder(name, new_name)
            with contextlib.suppress(IMAPClientError):
                self.client.unsubscribe_folder(name)
            with contextlib.suppress(IMAPClientError):
                self.client.subscribe_folder(new_name)

    def delete_folder(self, name: str) -> None:
        """UNSUBSCRIBE and DELETE; a folder that is not there is NotFound."""
        with translated_errors(changing=True):
            self._select("INBOX", readonly=True)  # never the folder deleted (nor the sync's)
            with contextlib.suppress(IMAPClientError):
                self.client.unsubscribe_folder(name)
            self.client.delete_folder(name)
