"""Bulk actions, moves, deletes, Undo and Empty Trash against a real Dovecot: what the server
holds afterwards; a message another client marked ``\\Deleted`` survives every move and delete
(also without MOVE and UIDPLUS); nothing is deleted for good before the confirmation page is
answered; and the forms work without JavaScript (plain form posts with the CSRF token)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser
from tests.support.syncdata import message
from tests.support.webmail_client import Reader
from webmail.config import Settings

SettingsFactory = Callable[..., Settings]
NOTICE = re.compile(r'<span class="notice-text">([^<]*)</span>')


@pytest.fixture
def five(dovecot: Dovecot, mail_user: MailUser) -> MailUser:
    """``mail_user`` with messages 0-4 (UIDs 1-5, Message-ID ``<n@example.net>``) in INBOX,
    and an Archive folder."""
    for n in range(5):
        raw, arrival = message(n)
        dovecot.deliver(mail_user.name, raw, arrival)
    client = dovecot.client(mail_user.name, mail_user.password)
    try:
        client.create_folder("Archive")
    finally:
        client.logout()
    return mail_user


@pytest.fixture
def reader_for(dovecot: Dovecot, reader_through: Callable[..., Reader]) -> Callable[..., Reader]:
    """``reader_for(user, target=None, **overrides)``: signed in over ``target`` (a proxy or
    its port), else straight to Dovecot."""
    return lambda user, target=None, **overrides: reader_through(
        target or dovecot, user, **overrides
    )


def server(dovecot: Dovecot, user: MailUser, folder: str = "INBOX") -> dict[str, set[str]]:
    """Message-ID -> flags of every message the server holds in ``folder``."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if not uids:
            return {}
        item = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
        data = client.fetch(uids, ["FLAGS", item])
    finally:
        client.logout()
    out = {}
    for entry in data.values():
        mid = entry[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
        out[mid] = {f.decode() for f in entry[b"FLAGS"]} - {"\\Recent"}
    return out


def mark_deleted(dovecot: Dovecot, user: MailUser, uid: int) -> None:
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX")
        client.add_flags([uid], ["\\Deleted"])
    finally:
        client.logout()


def bulk(reader: Reader, action: str, *uids: int, folder: str = "INBOX", **form: str) -> Any:
    """The bulk form as a browser without JavaScript sends it."""
    data: dict[str, Any] = {"csrf_token": reader.csrf(f"/folder/{folder}"), "action": action,
                            "uid": [str(u) for u in uids], "next": f"/folder/{folder}", **form}
    return reader.client.post(f"/bulk/{folder}", data=data)


def notice(reader: Reader, path: str = "/folder/INBOX") -> tuple[str, str | None]:
    page = reader.page(path)
    text = NOTICE.search(page)
    undo = re.search(r'name="undo" value="([^"]+)"', page)
    return (unescape(text.group(1)) if text else ""), (undo.group(1) if undo else None)


def ids(*numbers: int) -> set[str]:
    return {f"<{n}@example.net>" for n in numbers}


def test_the_list_has_a_bulk_form_that_needs_no_script(
    reader_for: Callable[..., Reader], five: MailUser
) -> None:
    page = reader_for(five).page("/folder/INBOX")
    form = re.search(r'<form id="bulk" method="post" action="/bulk/INBOX".*?</form>', page, re.S)
    assert form is not None and 'name="csrf_token"' in form.group(0)
    assert len(re.findall(r'<input type="checkbox" name="uid" value="\d+" form="bulk"', page)) == 5
    for action in ("read", "unread", "flag", "unflag", "move", "delete", "spam"):
        assert f'name="action" value="{action}"' in form.group(0)
    assert 'name="target"' in form.group(0) and '<option value="Archive">' in form.group(0)


def test_flag_actions_change_the_flags_on_the_server(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert bulk(reader, "read", 1, 2).status_code == 303
    assert bulk(reader, "flag", 2, 3).status_code == 303
    held = server(dovecot, five)
    assert held["<0@example.net>"] == {"\\Seen"}
    assert held["<1@example.net>"] == {"\\Seen", "\\Flagged"}
    assert held["<2@example.net>"] == {"\\Flagged"}
    bulk(reader, "unread", 2)
    bulk(reader, "unflag", 2, 3)
    assert server(dovecot, five)["<1@example.net>"] == set()
    assert notice(reader)[0] == "2 messages unflagged."


def test_move_puts_the_messages_in_the_target_and_undo_brings_them_back(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    response = bulk(reader, "move", 1, 3, target="Archive")
    assert response.status_code == 303 and response.headers["Location"] == "/folder/INBOX"
    assert set(server(dovecot, five, "Archive")) == ids(0, 2)
    assert set(server(dovecot, five)) == ids(1, 3, 4)
    text, undo = notice(reader)
    assert text == "2 messages moved to Archive."
    assert undo is not None
    assert reader.uids("/folder/INBOX") == [5, 4, 2]
    response = reader.post("/undo", undo=undo, next="/folder/INBOX")
    assert response.status_code == 303
    assert set(server(dovecot, five)) == ids(0, 1, 2, 3, 4)
    assert server(dovecot, five, "Archive") == {}
    assert notice(reader)[0] == "2 messages put back."
    again = reader.post("/undo", undo=undo, next="/folder/INBOX")  # only once
    assert again.status_code == 303
    assert notice(reader)[0] == "There is nothing to undo any more."


def test_delete_moves_to_trash_and_spam_to_junk_and_back(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1)
    assert set(server(dovecot, five, "Trash")) == ids(0)
    text, undo = notice(reader)
    assert text == "1 message moved to Trash." and undo
    bulk(reader, "spam", 2)
    assert set(server(dovecot, five, "Junk")) == ids(1)
    junk_uid = reader.uids("/folder/Junk")
    bulk(reader, "notspam", *junk_uid, folder="Junk", next="/folder/Junk")
    assert server(dovecot, five, "Junk") == {}
    assert ids(1) <= set(server(dovecot, five))


def read_view_form(reader: Reader, folder: str, uid: int, kind: str) -> tuple[str, dict[str, Any]]:
    """The action and hidden fields of the read view's form of class ``kind``."""
    page = reader.page(f"/message/{folder}/{uid}")
    form = re.search(rf'<form method="post" action="([^"]+)" class="inline {kind}">(.*?)</form>',
                     page, re.S)
    assert form is not None, kind
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    return unescape(form.group(1)), {k: unescape(v) for k, v in fields.items()}


def test_the_read_views_actions_change_what_the_server_holds(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    action, fields = read_view_form(reader, "INBOX", 1, "move-one")
    assert action == "/bulk/INBOX" and fields["uid"] == "1"
    assert reader.client.post(action, data={**fields, "action": "move", "target": "Archive"}
                              ).status_code == 303
    assert set(server(dovecot, five, "Archive")) == ids(0)
    action, fields = read_view_form(reader, "INBOX", 2, "move-one")
    reader.client.post(action, data={**fields, "action": "spam"})
    assert set(server(dovecot, five, "Junk")) == ids(1)
    (in_junk,) = reader.uids("/folder/Junk")
    action, fields = read_view_form(reader, "Junk", in_junk, "move-one")
    assert 'value="notspam"' in reader.page(f"/message/Junk/{in_junk}")
    reader.client.post(action, data={**fields, "action": "notspam"})
    assert server(dovecot, five, "Junk") == {} and ids(1) <= set(server(dovecot, five))
    for change, flags in (("flag", {"\\Flagged"}), ("read", {"\\Flagged", "\\Seen"}),
                          ("unflag", {"\\Seen"}), ("unread", set())):
        reader.post("/message/INBOX/3/flags", action=change, next="/folder/INBOX")
        assert server(dovecot, five)["<2@example.net>"] == flags, change
    action, fields = read_view_form(reader, "INBOX", 4, "delete-one")
    reader.client.post(action, data=fields)
    assert ids(3) <= set(server(dovecot, five, "Trash"))


def test_a_message_another_client_marked_deleted_survives_our_move_and_delete(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    mark_deleted(dovecot, five, 5)
    bulk(reader, "move", 1, target="Archive")
    bulk(reader, "delete", 2)
    held = server(dovecot, five)
    assert held["<4@example.net>"] == {"\\Deleted"}  # still there, still marked
    assert set(held) == ids(2, 3, 4)


def test_without_move_and_uidplus_a_marked_message_still_survives(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    proxy = capability_proxy(dovecot, hide=["MOVE", "UIDPLUS"])
    reader = reader_for(five, proxy.port)
    mark_deleted(dovecot, five, 5)
    bulk(reader, "move", 1, 2, target="Archive")
    assert set(server(dovecot, five, "Archive")) == ids(0, 1)
    held = server(dovecot, five)
    assert held["<4@example.net>"] == {"\\Deleted"}
    # Copied, but left marked here: an EXPUNGE would also have destroyed message 4.
    assert held["<0@example.net>"] == held["<1@example.net>"] == {"\\Deleted"}
    assert not [c for c in proxy.commands if re.search(rb"^\S+ EXPUNGE", c)]
    assert "2 messages also stayed here marked as deleted" in notice(reader)[0]


def test_without_move_the_copy_is_expunged_by_uid(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    proxy = capability_proxy(dovecot, hide=["MOVE"])
    reader = reader_for(five, proxy.port)
    mark_deleted(dovecot, five, 5)
    bulk(reader, "move", 1, 2, target="Archive")
    assert set(server(dovecot, five)) == ids(2, 3, 4)
    assert [c.split(None, 1)[1] for c in proxy.commands if b"EXPUNGE" in c] == [
        b"UID EXPUNGE 1,2"
    ]
    assert notice(reader)[1] is not None  # COPYUID gave the new UIDs: undo is offered


def append(dovecot: Dovecot, user: MailUser, *raws: bytes) -> None:
    """APPEND ``raws`` to INBOX after the messages delivered there (UIDs 6, 7, ...)."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX", readonly=True)  # the delivered files get their UIDs first
        for raw in raws:
            client.append("INBOX", raw)
    finally:
        client.logout()


def plain(subject: str, message_id: str | None) -> bytes:
    head = f"Message-ID: {message_id}\r\n" if message_id else ""
    return (
        f"From: a@example.net\r\nTo: b@example.org\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n{head}\r\nHello.\r\n"
    ).encode()


@pytest.mark.parametrize("hidden", [["UIDPLUS"], ["MOVE", "UIDPLUS"]], ids="-".join)
def test_without_uidplus_undo_finds_the_moved_messages_by_message_id(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy], hidden: list[str],
) -> None:
    odd = '<a"b\\c(*)%{5}@x.example>'  # a quote, a backslash, a brace: sent as a literal
    append(dovecot, five, plain("Odd", odd))
    proxy = capability_proxy(dovecot, hide=hidden)
    reader = reader_for(five, proxy.port)
    bulk(reader, "move", 1, 3, 6, target="Archive")
    assert set(server(dovecot, five, "Archive")) == ids(0, 2) | {odd}
    text, undo = notice(reader)
    assert text == "3 messages moved to Archive." and undo is not None
    searches = [c.split(None, 1)[1] for c in proxy.commands if b"HEADER Message-ID" in c]
    assert len(searches) == 3 and all(
        re.fullmatch(rb"UID SEARCH (RETURN \(ALL\) )?UID 1:4294967295 HEADER Message-ID \{\d+\}",
                     c) for c in searches
    ), searches  # Archive's UIDNEXT was 1; the Message-ID itself went as a literal
    assert reader.post("/undo", undo=undo, next="/folder/INBOX").status_code == 303
    assert notice(reader)[0] == "3 messages put back."
    assert server(dovecot, five, "Archive") == {}
    assert set(server(dovecot, five)) == ids(0, 1, 2, 3, 4) | {odd}


def test_without_uidplus_undo_is_said_to_be_unavailable_for_what_cannot_be_found(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    append(dovecot, five, plain("No id 1", None), plain("No id 2", None))  # UIDs 6 and 7
    proxy = capability_proxy(dovecot, hide=["UIDPLUS"])
    reader = reader_for(five, proxy.port)
    bulk(reader, "move", 6, 7, target="Archive")
    text, undo = notice(reader)
    assert undo is None
    assert text == (
        "2 messages moved to Archive. Undo is not available: this server did not say where"
        " they went, and they could not be found there by their Message-ID."
    )
    bulk(reader, "delete", 1, 2)
    assert notice(reader)[1] is not None  # both found in Trash by Message-ID
    reader.page("/folder/INBOX")
    append(dovecot, five, plain("No id 3", None))  # UID 8
    bulk(reader, "move", 3, 8, target="Archive")
    text, undo = notice(reader)
    assert undo is not None and text == (
        "2 messages moved to Archive. Undo can put back 1 of them: the server did not say"
        " where the others went, and they could not be found there by their Message-ID."
    )
    reader.post("/undo", undo=undo, next="/folder/INBOX")
    assert notice(reader)[0] == "1 message put back."
    assert ids(2) <= set(server(dovecot, five))


def test_deleting_in_trash_asks_first_and_then_deletes_for_good(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1, 2, 3)
    trash = reader.uids("/folder/Trash")
    response = bulk(reader, "delete", *trash[:2], folder="Trash", next="/folder/Trash")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 messages in Trash will be deleted for good" in page
    assert len(server(dovecot, five, "Trash")) == 3  # nothing gone yet
    form = re.search(r'<form method="post" action="/destroy/Trash".*?</form>', page, re.S)
    assert form is not None
    uids = re.search(r'name="uids" value="([^"]+)"', form.group(0))
    assert uids is not None
    done = reader.post("/destroy/Trash", uids=uids.group(1), next="/folder/Trash")
    assert done.status_code == 303
    assert len(server(dovecot, five, "Trash")) == 1
    assert notice(reader, "/folder/Trash")[0] == "2 messages deleted for good."


def test_deleting_in_junk_asks_first_and_then_deletes_for_good(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "spam", 1, 2)
    junk = reader.uids("/folder/Junk")
    response = bulk(reader, "delete", *junk, folder="Junk", next="/folder/Junk")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 messages in Junk will be deleted for good" in page
    assert set(server(dovecot, five, "Junk")) == ids(0, 1)  # nothing gone yet
    uids = re.search(r'name="uids" value="([^"]+)"', page)
    assert uids is not None
    reader.post("/destroy/Junk", uids=uids.group(1), next="/folder/Junk")
    assert server(dovecot, five, "Junk") == {}
    assert server(dovecot, five, "Trash") == {}  # for good, not to Trash


def test_the_single_delete_button_in_trash_asks_first_too(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1)
    uid = reader.uids("/folder/Trash")[0]
    response = reader.post(f"/message/Trash/{uid}/delete", next="/folder/Trash")
    assert response.status_code == 200
    assert "1 message in Trash will be deleted for good" in response.get_data(as_text=True)
    assert set(server(dovecot, five, "Trash")) == ids(0)


def test_a_mixed_in_all_delete_names_the_permanent_part_by_folder_and_moves_the_rest(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    append(dovecot, five, plain("Six", "<5@example.net>"), plain("Seven", "<6@example.net>"))
    reader = reader_for(five)
    bulk(reader, "delete", 1, 2, 3)  # Trash: 0, 1, 2
    bulk(reader, "spam", 4, 5)  # Junk: 3, 4
    bulk(reader, "move", 6, target="Archive")  # Archive: 5; INBOX: 6
    trash, junk = reader.uids("/folder/Trash"), reader.uids("/folder/Junk")
    (archived,) = reader.uids("/folder/Archive")
    chosen = [f"{u}:Trash" for u in trash] + [f"{u}:Junk" for u in junk] + [
        f"{archived}:Archive", "7"]
    response = reader.client.post("/bulk/INBOX", data={  # from the in:all results
        "csrf_token": reader.csrf(), "action": "delete", "uid": chosen, "q": "in:all",
        "next": "/folder/INBOX?q=in%3Aall",
    })
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "5 messages will be deleted for good (Trash: 3, Junk: 2). This cannot be undone." \
        in page
    assert "The other 2 messages will be moved to Trash (Archive: 1, Inbox: 1)." in page
    assert len(server(dovecot, five, "Trash")) == 3 and len(server(dovecot, five)) == 1  # asked
    form = re.search(r'<form method="post" action="/destroy".*?</form>', page, re.S)
    assert form is not None
    fields = re.findall(r'name="(destroy|trash|next)" value="([^"]*)"', form.group(0))
    data: dict[str, Any] = {"csrf_token": reader.csrf()}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    done = reader.client.post("/destroy", data=data)
    assert done.status_code == 303 and done.headers["Location"] == "/folder/INBOX?q=in%3Aall"
    assert set(server(dovecot, five, "Trash")) == ids(5, 6)  # the 3 gone, the 2 moved in
    assert server(dovecot, five, "Junk") == {} and server(dovecot, five) == {}
    assert server(dovecot, five, "Archive") == {}
    text, undo = notice(reader)
    assert text == "5 messages deleted for good. 2 messages moved to Trash."
    assert undo is not None
    reader.post("/undo", undo=undo, next="/folder/INBOX")  # puts back the moved part only
    assert set(server(dovecot, five)) == ids(6) and set(server(dovecot, five, "Archive")) == ids(5)


def test_the_mixed_delete_refuses_to_destroy_outside_trash_and_junk(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    response = reader.post("/destroy", destroy="1:5 INBOX", next="/folder/INBOX")
    assert response.status_code == 400
    assert len(server(dovecot, five)) == 5


def test_empty_trash_names_how_many_and_deletes_only_those(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    bulk(reader, "delete", 1, 2)
    page = reader.page("/folder/Trash")
    assert '<form method="post" action="/empty/Trash"' in page
    response = reader.post("/empty/Trash", next="/folder/Trash")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Empty Trash?" in text
    assert "2 messages in Trash will be deleted for good" in text
    bulk(reader, "delete", 3)  # arrives in Trash after the question was asked
    uids = re.search(r'name="uids" value="([^"]+)"', text)
    assert uids is not None
    reader.post("/destroy/Trash", uids=uids.group(1), next="/folder/Trash")
    assert set(server(dovecot, five, "Trash")) == ids(2)  # the later one stays


def test_destroy_outside_trash_and_junk_is_refused(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert reader.post("/destroy/INBOX", uids="1:5").status_code == 400
    assert reader.post("/empty/INBOX").status_code == 400
    assert len(server(dovecot, five)) == 5


def test_scope_page_and_all_matching(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five, page_size=2)
    page = reader.page("/folder/INBOX")
    page_uids = re.findall(r'name="page_uid" value="(\d+)"', page)
    assert page_uids == ["5", "4"]
    reader.client.post("/bulk/INBOX", data={
        "csrf_token": reader.csrf(), "action": "flag", "scope": "page",
        "page_uid": page_uids, "next": "/folder/INBOX",
    })
    assert {m for m, f in server(dovecot, five).items() if "\\Flagged" in f} == ids(3, 4)
    reader.client.post("/bulk/INBOX", data={
        "csrf_token": reader.csrf(), "action": "read", "scope": "all", "q": "-is:flagged",
        "next": "/folder/INBOX",
    })
    assert {m for m, f in server(dovecot, five).items() if "\\Seen" in f} == ids(0, 1, 2)
    reader.client.post("/bulk/INBOX", data={
        "csrf_token": reader.csrf(), "action": "move", "target": "Archive", "scope": "all",
        "next": "/folder/INBOX",
    })
    assert server(dovecot, five) == {}
    assert set(server(dovecot, five, "Archive")) == ids(0, 1, 2, 3, 4)


def test_nothing_selected_says_so_and_changes_nothing(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert bulk(reader, "delete").status_code == 303
    assert notice(reader)[0].startswith("Nothing was selected")
    assert len(server(dovecot, five)) == 5
    assert bulk(reader, "explode", 1).status_code == 400
    assert reader.client.post("/bulk/INBOX", data={"action": "delete", "uid": "1"}
                              ).status_code in (400, 403)  # no CSRF token
    assert len(server(dovecot, five)) == 5


def test_messages_already_gone_are_said_to_be(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot
) -> None:
    reader = reader_for(five)
    assert bulk(reader, "move", 99, target="Archive").status_code == 303
    assert notice(reader)[0] == "Nothing was moved: those messages are not there any more."
    assert server(dovecot, five, "Archive") == {}


def test_the_new_mail_check_is_one_list_with_status_and_follows_another_clients_append(
    reader_for: Callable[..., Reader], five: MailUser, dovecot: Dovecot,
    capability_proxy: Callable[..., CapabilityProxy],
) -> None:
    proxy = capability_proxy(dovecot)
    reader = reader_for(five, proxy.port)
    reader.page("/folder/INBOX")
    first = reader.client.get("/api/news/INBOX").get_json()
    assert first["total"] == 5 and first["folders"]["INBOX"] == 5
    append(dovecot, five, plain("Late news", "<news@example.net>"))
    asked = len(proxy.commands)
    answer = reader.client.get("/api/news/INBOX")
    sent = [c.split(None, 1)[1] for c in list(proxy.commands)[asked:]]
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json()["total"] == 6 and answer.get_json()["folders"]["INBOX"] == 6
    # The pool's NOOP (is the kept connection alive?) and one LIST with STATUS for every
    # folder's counts: no SELECT, FETCH or SEARCH, no sync.
    assert len(sent) == 2 and sent[0] == b"NOOP", sent
    assert re.match(rb'LIST "" "\*" RETURN \(.*STATUS \(MESSAGES UNSEEN\)\)', sent[1]), sent
