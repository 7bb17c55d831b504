"""Folder roles (Inbox, Drafts, Sent, Junk, Trash, Archive) on any IMAP server, pure.

A server that offers SPECIAL-USE (RFC 6154) marks its folders ``\\Trash``, ``\\Sent``, ...; those
marks win. Many do not (Courier-IMAP, pymap, Dovecot without ``special_use`` settings, folders
made by another client), so a folder's role is also read from its name: the leaf after the
personal namespace's prefix and hierarchy delimiter (RFC 2342 NAMESPACE: ``INBOX.`` and ``.`` on
Courier and on Cyrus with Debian's defaults, so ``INBOX.Trash`` is the Trash), compared with the
names mail clients give these folders in several languages. Only direct children of the
personal namespace count: ``Projects/Archive`` is a project's folder, not the Archive.

No IMAP here: :mod:`webmail.mailbox.folders` hands in what LIST and NAMESPACE said.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "NEW_FOLDER_NAMES", "ROLE_NAMES", "Listed", "Namespace", "assign_roles", "depth_of",
    "infer_namespace", "new_folder_name", "role_of_attributes", "role_of_name", "trash_name",
]

_ATTRIBUTES = {
    "\\sent": "sent", "\\drafts": "drafts", "\\trash": "trash", "\\junk": "junk",
    "\\archive": "archive",
}

#: The names each role goes by, most usual first (compared after NFC and case folding). English,
#: then German, French, Spanish, Italian, Dutch, Portuguese, Polish, Swedish, Danish/Norwegian,
#: Finnish, Czech, Russian, Japanese, Chinese: the folder names of Outlook/Exchange, Thunderbird,
#: Apple Mail, Roundcube and Gmail's IMAP in those languages.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "drafts": (
        "drafts", "draft", "entwürfe", "brouillons", "borradores", "bozze", "concepten",
        "rascunhos", "kopie robocze", "utkast", "kladder", "luonnokset", "koncepty",
        "черновики", "下書き", "草稿",
    ),
    "sent": (
        "sent", "sent items", "sent messages", "sent mail", "gesendet", "gesendete elemente",
        "gesendete objekte", "envoyés", "éléments envoyés", "messages envoyés", "enviados",
        "elementos enviados", "posta inviata", "inviata", "verzonden", "verzonden items",
        "itens enviados", "wysłane", "skickat", "skickade objekt", "sendt", "sendte elementer",
        "lähetetyt", "odeslaná pošta", "отправленные", "送信済み", "送信済みアイテム", "已发送",
    ),
    "junk": (
        "junk", "spam", "junk e-mail", "junk email", "junk mail", "bulk mail", "junk-e-mail",
        "unerwünscht", "courrier indésirable", "indésirables", "correo no deseado",
        "posta indesiderata", "ongewenste e-mail", "lixo eletrônico", "wiadomości-śmieci",
        "skräppost", "uønsket e-post", "roskaposti", "nevyžádaná pošta", "спам", "迷惑メール",
        "垃圾邮件",
    ),
    "trash": (
        "trash", "deleted items", "deleted messages", "deleted", "bin", "papierkorb",
        "gelöschte elemente", "gelöschte objekte", "corbeille", "éléments supprimés",
        "papelera", "elementos eliminados", "cestino", "posta eliminata", "prullenbak",
        "verwijderde items", "lixeira", "lixo", "itens excluídos", "kosz", "papperskorgen",
        "borttagna objekt", "papirkurv", "slettet post", "slettede elementer", "roskakori",
        "koš", "корзина", "удаленные", "ゴミ箱", "削除済みアイテム", "垃圾箱", "已删除邮件",
    ),
    "archive": (
        "archive", "archives", "archiv", "archivo", "archivio", "archief", "arquivo",
        "archiwum", "arkiv", "arkisto", "архив", "アーカイブ", "归档",
    ),
}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().strip()


_BY_NAME: dict[str, tuple[str, int]] = {
    _fold(name): (role, rank) for role, names in ROLE_NAMES.items()
    for rank, name in enumerate(names)
}


@dataclass(frozen=True, slots=True)
class Namespace:
    """The personal namespace (RFC 2342): where the user's own folders live.

    :ivar prefix: ``""`` (Dovecot's default, pymap) or e.g. ``"INBOX."`` (Courier, Cyrus);
        it ends with the delimiter when it is not empty.
    :ivar delimiter: the hierarchy delimiter (``"/"``, ``"."``), or ``None`` for a flat server.
    """

    prefix: str = ""
    delimiter: str | None = None


@dataclass(frozen=True, slots=True)
class Listed:
    """One LIST answer: the folder's name (decoded), delimiter and attributes (as strings)."""

    name: str
    delimiter: str | None
    attributes: tuple[str, ...] = ()


def infer_namespace(listed: Sequence[Listed], announced: Namespace | None = None) -> Namespace:
    """The personal namespace: ``announced`` (from NAMESPACE) when the server has it, its
    delimiter filled in from LIST when missing; else guessed from LIST: ``"INBOX" + delimiter``
    when every other folder lives under INBOX (a Courier-style server without NAMESPACE),
    otherwise the top level."""
    delimiter = next((f.delimiter for f in listed if f.delimiter), None)
    if announced is not None:
        delim = announced.delimiter or delimiter
        prefix = announced.prefix
        if prefix and delim and not prefix.endswith(delim):
            prefix += delim
        return Namespace(prefix, delim)
    others = [f for f in listed if f.name.upper() != "INBOX"]
    if delimiter and others:
        under = "INBOX" + delimiter
        if all(f.name.upper().startswith(under) for f in others):
            return Namespace(others[0].name[: len(under)], delimiter)  # the server's spelling
    return Namespace("", delimiter)


def role_of_attributes(attributes: Iterable[str]) -> str | None:
    """The role a folder's SPECIAL-USE attributes give it (``\\Trash`` -> ``"trash"``), or
    ``None``."""
    for attribute in attributes:
        role = _ATTRIBUTES.get(attribute.lower())
        if role is not None:
            return role
    return None


def _leaf(name: str, namespace: Namespace) -> str | None:
    """``name`` relative to the personal namespace when it is a direct child, else ``None``."""
    rest = name
    prefix = namespace.prefix
    if prefix:
        if _fold(name[: len(prefix)]) != _fold(prefix):
            return None
        rest = name[len(prefix) :]
    if not rest or (namespace.delimiter and namespace.delimiter in rest):
        return None
    return rest


def role_of_name(name: str, namespace: Namespace) -> tuple[str, int] | None:
    """(role, rank) the folder's name gives it (rank 0 is the most usual name of that role),
    or ``None``: ``"INBOX.Papierkorb"`` under ``INBOX.`` -> ``("trash", 5)``."""
    leaf = _leaf(name, namespace)
    return None if leaf is None else _BY_NAME.get(_fold(leaf))


def assign_roles(listed: Sequence[Listed], namespace: Namespace) -> dict[str, str]:
    """Folder name -> role, at most one folder per role: INBOX is the inbox; a SPECIAL-USE
    attribute wins (the first folder that has it); else the folder with the most usual name."""
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for f in listed:
        if f.name.upper() == "INBOX":
            roles[f.name] = "inbox"
            taken.add("inbox")
    for f in listed:
        role = role_of_attributes(f.attributes)
        if role is not None and role not in taken and f.name not in roles:
            roles[f.name] = role
            taken.add(role)
    best: dict[str, tuple[int, str]] = {}
    for f in listed:
        if f.name in roles:
            continue
        found = role_of_name(f.name, namespace)
        if found is not None and found[0] not in taken:
            role, rank = found
            if role not in best or rank < best[role][0]:
                best[role] = (rank, f.name)
    for role, (_rank, name) in best.items():
        roles[name] = role
    return roles


#: What a folder made for a role is called (under the personal namespace), and its RFC 6154
#: attribute for CREATE ... (USE (...)).
NEW_FOLDER_NAMES: dict[str, tuple[str, str]] = {
    "trash": ("Trash", "\\Trash"), "sent": ("Sent", "\\Sent"), "drafts": ("Drafts", "\\Drafts"),
    "junk": ("Junk", "\\Junk"), "archive": ("Archive", "\\Archive"),
}


def new_folder_name(role: str, namespace: Namespace) -> str:
    """Where to create a missing folder for ``role``: its usual English name under the
    personal namespace, with the server's delimiter (``"INBOX.Sent"`` on Courier, ``"Sent"``
    on Dovecot)."""
    leaf = NEW_FOLDER_NAMES[role][0] if role in NEW_FOLDER_NAMES else role.capitalize()
    return f"{namespace.prefix}{leaf}"


def trash_name(namespace: Namespace) -> str:
    """Where to create a missing Trash: ``Trash`` under the personal namespace, with the
    server's delimiter (``"INBOX.Trash"`` on Courier, ``"Trash"`` on Dovecot)."""
    return new_folder_name("trash", namespace)


def depth_of(name: str, namespace: Namespace, delimiter: str | None) -> int:
    """How deep ``name`` sits below the personal namespace (``INBOX.Work.2024`` under
    ``INBOX.``: 1), for the sidebar's indent."""
    if not delimiter:
        return 0
    rest = name
    if namespace.prefix and _fold(name[: len(namespace.prefix)]) == _fold(namespace.prefix):
        rest = name[len(namespace.prefix) :]
    return rest.count(delimiter)
