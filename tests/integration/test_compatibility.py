"""One reader's day, the same on every server of the matrix (``tests/support/matrix.py``).

Dovecot as configured for the other tests; Dovecot laid out as Courier-IMAP is (``INBOX.``,
``.``, no special-use flags); pymap, a second implementation; and Dovecot behind a proxy that
hides each extension the webmail may use, in turn (and answers BAD when it is used anyway), so
every fallback runs against a real server. The day: the folder list in role order, the list in
true sent order and in arrival order, late marks, the read view that marks nothing read, flags,
mail delivered, flagged and expunged by another client and picked up by the index, and a
delete to Trash that leaves alone a message another client marked ``\\Deleted``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, add_user
from tests.support.matrix import (
    HIDDEN_VARIANTS,
    Target,
    append_all,
    truth_of,
    uids_with_message_id,
)
from tests.support.syncdata import message
from tests.support.webmail_client import NOW, Reader, webmail_app
from webmail.config import Settings
from webmail.mailbox.demodata import generate
from webmail.services import services

SettingsFactory = Callable[..., Settings]
TARGETS = ["dovecot", "dovecot-courier", "pymap", "dovecot-cyrus-order", *HIDDEN_VARIANTS]
SYNTHETIC = 200  # plus the 38 demo INBOX messages: a few hundred to sync


@pytest.fixture(params=TARGETS)
def target(request: pytest.FixtureRequest, dovecot: Dovecot) -> Iterator[Target]:
    name: str = request.param
    if name == "pymap":
        pm = request.getfixturevalue("pymap_server")
        yield Target(name, pm.host, pm.port, pm.port, pm.add_user)
        return
    if name == "dovecot-courier":
        courier: Dovecot = request.getfixturevalue("courier_dovecot")
        yield Target(
            name, courier.host, courier.port, courier.port, lambda: add_user(courier),
            prefix="INBOX.", delimiter=".",
        )
        return
    if name == "dovecot":
        yield Target(name, dovecot.host, dovecot.port, dovecot.port, lambda: add_user(dovecot))
        return
    proxy = CapabilityProxy(
        dovecot.host, dovecot.port, hide=HIDDEN_VARIANTS.get(name, ()),
        flags_first=name == "dovecot-cyrus-order",
    )
    try:
        yield Target(
            name, dovecot.host, proxy.port, dovecot.port, lambda: add_user(dovecot),
            hidden=proxy.hidden, proxy=proxy,
        )
    finally:
        proxy.close()


def mail() -> list[tuple[bytes, object, tuple[str, ...]]]:
    """The demo INBOX (an outage: 18 late) and :data:`SYNTHETIC` more (every tenth late)."""
    demo = [(m.raw, m.arrival, tuple(m.flags)) for m in generate(NOW) if m.folder == "INBOX"]
    more = [(*message(n, late=n % 10 == 3), ("\\Seen",) if n % 3 else ()) for n in range(SYNTHETIC)]
    return [*more, *demo]  # type: ignore[list-item]


def flags_now(client: object, uid: int) -> set[str]:
    client.select_folder("INBOX", readonly=True)  # type: ignore[attr-defined]
    got = client.fetch([uid], ["FLAGS"]).get(uid, {}).get(b"FLAGS", ())  # type: ignore[attr-defined]
    return {f.decode() for f in got}


def row_classes(page: str, uid: int) -> str:
    m = re.search(rf'<li class="([^"]*)" data-uid="{uid}"', page)
    assert m, f"no row for UID {uid}"
    return m.group(1)


def test_a_readers_day_is_the_same_on_every_server(
    target: Target, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    user = target.new_user()
    other = target.client(user)
    app = webmail_app(imap_settings(target.port, page_size=500), tmp_path / "instance")
    try:
        listed = {name for _flags, _delim, name in other.list_folders()}
        for leaf in ("Drafts", "Sent", "Junk"):  # another client made these; Trash it did not
            if target.folder(leaf) not in listed:
                other.create_folder(target.folder(leaf))
        append_all(other, "INBOX", mail())  # type: ignore[arg-type]
        truth = truth_of(other)
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302

        # Folders in role order, found by SPECIAL-USE or by name under the namespace.
        page = reader.page("/folder/INBOX")
        names = re.findall(r'<span class="fname">([^<]+)</span>', page)
        assert names[:4] == ["Inbox", "Drafts", "Sent", "Junk"], names

        # The list in true sent order, then in arrival order; late mail counted.
        assert reader.uids("/folder/INBOX") == truth.by_sent
        reader.post("/settings/sort", sort="arrival")
        assert reader.uids("/folder/INBOX") == truth.by_arrival
        reader.post("/settings/sort", sort="sent")
        assert len(truth.late) == 38
        assert '<span class="muted late-count">38 late</span>' in page
        assert page.count('<span class="late-badge"') == 38
        assert set(reader.uids("/folder/INBOX?late=1")) == truth.late

        # The read view marks nothing read; the page's POST does; flags round-trip.
        uid = next(u for u in truth.by_sent if u in truth.late and "\\Seen" not in truth.flags[u])
        assert "late-badge" in reader.page(f"/message/INBOX/{uid}")
        assert "\\Seen" not in flags_now(other, uid)
        reader.post(f"/message/INBOX/{uid}/seen")
        assert "\\Seen" in flags_now(other, uid)
        reader.post(f"/message/INBOX/{uid}/flags", action="flag")
        assert "\\Flagged" in flags_now(other, uid)
        reader.post(f"/message/INBOX/{uid}/flags", action="unflag")
        assert "\\Flagged" not in flags_now(other, uid)

        # Another client delivers, flags and expunges; the next list shows it all.
        append_all(other, "INBOX", [
            (*message(1000 + n), ()) for n in range(5)  # type: ignore[misc]
        ])
        other.select_folder("INBOX")
        oldest = sorted(truth.by_sent)
        other.add_flags(oldest[10:13], ["\\Flagged"])
        other.add_flags(oldest[20:22], ["\\Deleted"])
        other.uid_expunge(oldest[20:22])
        now = truth_of(other)
        page = reader.page("/folder/INBOX")
        assert reader.uids("/folder/INBOX") == now.by_sent
        flagged = {u for u, f in now.flags.items() if "\\Flagged" in f}
        assert {u for u in now.by_sent if "flagged" in row_classes(page, u)} == flagged

        # Delete: to Trash (made under the personal namespace when missing), and a message
        # another client marked \Deleted (Thunderbird's "mark as deleted") survives it.
        keep, victim = now.by_sent[3], now.by_sent[4]
        victim_id = now.message_ids[victim]
        other.select_folder("INBOX")
        other.add_flags([keep], ["\\Deleted"])
        response = reader.post(f"/message/INBOX/{victim}/delete")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert flags_now(other, keep) >= {"\\Deleted"}
        trash = target.folder("Trash")
        folders = {name for _flags, _delim, name in other.list_folders()}
        assert trash in folders
        assert len(uids_with_message_id(other, trash, victim_id)) == 1
        left = uids_with_message_id(other, "INBOX", victim_id)
        if target.offers(user, "MOVE") or target.offers(user, "UIDPLUS"):
            assert left == []
        else:  # no way to expunge it alone: it stays marked, for the reader's own expunge
            assert left == [victim] and "\\Deleted" in flags_now(other, victim)
        page = reader.page("/folder/INBOX")
        assert "deleted" in row_classes(page, keep).split()

        # Delete for good from Trash: asked first (issue 11), then gone; the other client's
        # \Deleted message is still there.
        (in_trash,) = uids_with_message_id(other, trash, victim_id)
        asked = reader.post(f"/message/{trash}/{in_trash}/delete")
        assert asked.status_code == 200
        assert "will be deleted for good" in asked.get_data(as_text=True)
        assert uids_with_message_id(other, trash, victim_id) == [in_trash]
        done = reader.post(f"/destroy/{trash}", uids=str(in_trash), next=f"/folder/{trash}")
        assert done.status_code == 303
        assert uids_with_message_id(other, trash, victim_id) == []
        assert keep in truth_of(other).flags

        # No hidden extension was used all day (the proxy would have answered BAD).
        if target.proxy is not None:
            assert list(target.proxy.refused) == []
    finally:
        other.logout()
        services(app).pool.close_all()
