"""Requests no form would send answer as plainly as a wrong address: a ``next`` with a raw
newline goes to the usual page, a UID outside IMAP's range is a 404 (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from webmail.mailbox.demo import DemoMailbox
from webmail.sessions.security import safe_next
from webmail.views.urls import MAX_UID

HOSTILE_NEXT = [
    "/folder/INBOX\nX-Evil: 1",
    "/folder/INBOX\r\nSet-Cookie: webmail_session=x",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/folder/INBOX\x00",
    "/settings/\x7f",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_with_a_control_character_is_the_fallback(target: str) -> None:
    assert safe_next(target, "/") == "/"


def test_next_on_this_site_is_kept() -> None:
    assert safe_next("/folder/Sent Items?page=2", "/") == "/folder/Sent Items?page=2"
    assert safe_next("/folder/Entw\u00fcrfe", "/") == "/folder/Entw\u00fcrfe"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_with_a_raw_newline_in_next_goes_to_the_inbox(
    client: FlaskClient, auth: Any, target: str
) -> None:
    token = auth.csrf_from(client.get("/login"))
    response = client.post(
        "/login",
        data={"username": "demo", "password": "demo", "csrf_token": token, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT[:2])
def test_flag_and_sort_forms_with_a_raw_newline_in_next_go_to_the_fallback(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox, target: str
) -> None:
    auth.login()
    uid = mailbox.summaries("INBOX")[0].uid
    flagged = client.post(
        f"/message/INBOX/{uid}/flags",
        data={"action": "flag", "csrf_token": auth.csrf(), "next": target},
    )
    assert (flagged.status_code, flagged.headers["Location"]) == (302, "/folder/INBOX")
    sorted_ = client.post(
        "/settings/sort", data={"sort": "arrival", "csrf_token": auth.csrf(), "next": target}
    )
    assert (sorted_.status_code, sorted_.headers["Location"]) == (302, "/")


OUT_OF_RANGE_UIDS = ["0", str(MAX_UID + 1), "9999999999", "9" * 5000, "007", "-1"]


@pytest.mark.parametrize("uid", OUT_OF_RANGE_UIDS, ids=lambda u: u[:12])
@pytest.mark.parametrize("tail", ["", "/body", "/inline/2", "/part/2"])
def test_uid_outside_imap_range_is_not_found(
    client: FlaskClient, auth: Any, uid: str, tail: str
) -> None:
    auth.login()
    assert client.get(f"/message/INBOX/{uid}{tail}").status_code == 404


@pytest.mark.parametrize("uid", OUT_OF_RANGE_UIDS, ids=lambda u: u[:12])
@pytest.mark.parametrize("action", ["seen", "flags", "delete", "remote-sender"])
def test_posting_to_a_uid_outside_imap_range_is_not_found(
    client: FlaskClient, auth: Any, uid: str, action: str
) -> None:
    auth.login()
    response = client.post(
        f"/message/INBOX/{uid}/{action}", data={"action": "flag", "csrf_token": auth.csrf()}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("uid", OUT_OF_RANGE_UIDS, ids=lambda u: u[:12])
@pytest.mark.parametrize(
    "path", ["reply/INBOX", "reply-all/INBOX", "forward/INBOX", "draft/Drafts"]
)
def test_composing_from_a_uid_outside_imap_range_is_not_found(
    client: FlaskClient, auth: Any, uid: str, path: str
) -> None:
    auth.login()
    assert client.get(f"/compose/{path}/{uid}").status_code == 404


def test_largest_uid_reaches_the_mailbox_and_is_not_found(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.get(f"/message/INBOX/{MAX_UID}").status_code == 404
    assert client.get("/folder/INBOX").status_code == 200


@pytest.mark.parametrize("path", ["/folder/INBOX", "/message/INBOX/1", "/settings/", "/login"])
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_not_allowed_not_a_bad_request(
    client: FlaskClient, auth: Any, path: str, method: str
) -> None:
    auth.login()
    assert client.open(path, method=method).status_code == 405


def test_posting_to_an_unknown_page_is_not_found(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.post("/no/such/page", data={"x": "1"}).status_code == 404
