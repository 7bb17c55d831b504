"""webmail.mailbox.roles: which folder is the Trash, the Sent, ... when the server says nothing."""

from __future__ import annotations

import pytest

from webmail.mailbox.roles import (
    Listed,
    Namespace,
    assign_roles,
    depth_of,
    infer_namespace,
    role_of_name,
    trash_name,
)

COURIER = Namespace("INBOX.", ".")
DOVECOT = Namespace("", "/")


def listed(names: list[str], delimiter: str = ".", **attributes: str) -> list[Listed]:
    return [Listed(n, delimiter, (attributes[n],) if n in attributes else ()) for n in names]


@pytest.mark.parametrize(
    ("leaf", "role"),
    [
        ("Trash", "trash"), ("Deleted Items", "trash"), ("Deleted Messages", "trash"),
        ("Papierkorb", "trash"), ("Corbeille", "trash"), ("Papelera", "trash"),
        ("Cestino", "trash"), ("Prullenbak", "trash"), ("Lixeira", "trash"), ("Kosz", "trash"),
        ("Корзина", "trash"), ("ゴミ箱", "trash"),
        ("Sent", "sent"), ("Sent Items", "sent"), ("Gesendet", "sent"),
        ("Gesendete Elemente", "sent"), ("Envoyés", "sent"), ("Enviados", "sent"),
        ("Posta inviata", "sent"), ("Verzonden items", "sent"), ("Отправленные", "sent"),
        ("Drafts", "drafts"), ("Entwürfe", "drafts"), ("Brouillons", "drafts"),
        ("Borradores", "drafts"), ("Bozze", "drafts"), ("Concepten", "drafts"),
        ("Junk", "junk"), ("Spam", "junk"), ("Junk E-mail", "junk"),
        ("Courrier indésirable", "junk"), ("Correo no deseado", "junk"), ("Спам", "junk"),
        ("Archive", "archive"), ("Archiv", "archive"), ("Archivio", "archive"),
    ],
)
def test_a_folder_under_inbox_dot_gets_its_role_from_its_name_in_any_language(
    leaf: str, role: str
) -> None:
    found = role_of_name(f"INBOX.{leaf}", COURIER)
    assert found is not None and found[0] == role
    assert role_of_name(leaf.upper(), DOVECOT) is not None  # case does not matter


def test_decomposed_accents_match_like_composed_ones() -> None:
    assert role_of_name("INBOX.Entwu\u0308rfe", COURIER) == role_of_name("INBOX.Entwürfe", COURIER)


def test_only_direct_children_of_the_personal_namespace_get_a_role() -> None:
    assert role_of_name("INBOX.Projects.Archive", COURIER) is None
    assert role_of_name("Projects/Trash", DOVECOT) is None
    assert role_of_name("Trash", COURIER) is None  # outside the personal namespace


def test_special_use_attributes_win_over_names() -> None:
    folders = listed(
        ["INBOX", "INBOX.Trash", "INBOX.Bin", "INBOX.Sent"], **{"INBOX.Bin": "\\Trash"}
    )
    assert assign_roles(folders, COURIER) == {
        "INBOX": "inbox", "INBOX.Bin": "trash", "INBOX.Sent": "sent",
    }


def test_the_most_usual_name_wins_when_two_folders_could_be_the_trash() -> None:
    folders = listed(["INBOX", "INBOX.Deleted Items", "INBOX.Trash", "INBOX.Papierkorb"])
    assert assign_roles(folders, COURIER)["INBOX.Trash"] == "trash"
    assert list(assign_roles(folders, COURIER).values()).count("trash") == 1


def test_namespace_comes_from_namespace_else_from_the_list() -> None:
    courier = listed(["INBOX", "INBOX.Sent", "INBOX.Drafts"])
    assert infer_namespace(courier, Namespace("INBOX.", ".")) == COURIER
    assert infer_namespace(courier, Namespace("INBOX", None)) == COURIER  # delimiter added
    assert infer_namespace(courier) == COURIER  # no NAMESPACE: everything lives under INBOX.
    flat = listed(["INBOX", "Sent", "Trash"], "/")
    assert infer_namespace(flat) == DOVECOT
    assert infer_namespace(listed(["INBOX"], "/")) == DOVECOT  # nothing to go by: top level


def test_a_missing_trash_is_made_under_the_personal_namespace() -> None:
    assert trash_name(COURIER) == "INBOX.Trash"
    assert trash_name(DOVECOT) == "Trash"


def test_depth_counts_below_the_personal_namespace() -> None:
    assert depth_of("INBOX.Sent", COURIER, ".") == 0
    assert depth_of("INBOX.Work.2024", COURIER, ".") == 1
    assert depth_of("Receipts/2024", DOVECOT, "/") == 1
    assert depth_of("INBOX", COURIER, ".") == 0
