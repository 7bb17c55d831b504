"""Which language a page is in (issue 13): the reader's setting, else this browser's cookie, else
Accept-Language among the languages offered, else English; ``<html lang>`` says it; plural
forms follow the count."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.i18n.conftest import PSEUDO, Reader, pseudo
from webmail.i18n import LANGUAGE_COOKIE, LANGUAGES
from webmail.mailbox import demo


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', page)
    assert found, page[:200]
    return found.group(1)


def test_english_without_accept_language(app: Flask) -> None:
    page = app.test_client().get("/login").text
    assert lang_of(page) == "en" and "<h1>Sign in</h1>" in page


def test_accept_language_picks_german_among_the_languages_offered(app: Flask) -> None:
    client = app.test_client()
    for header, lang in (("de-CH,de;q=0.9,en;q=0.5", "de"), ("zh-TW,fr;q=0.7", "fr"),
                         ("zh-TW,pt;q=0.8", "en"), ("ja", "ja"), ("es-MX", "es")):
        page = client.get("/login", headers={"Accept-Language": header}).text
        assert lang_of(page) == lang, header


def test_the_setting_overrides_the_browser_and_browser_default_gives_it_back(
    client: FlaskClient, reader: Reader, store: demo.DemoStore
) -> None:
    reader.login()
    assert lang_of(client.get("/folder/INBOX").text) == PSEUDO  # the browser's first choice
    settings = client.get("/settings/").text
    assert '<select id="language" name="language">' in settings
    for code, name in LANGUAGES.items():
        assert f'<option value="{code}" lang="{code}">{name}</option>' in settings
    assert f'<option value="" selected>{pseudo("Browser default")}</option>' in settings
    saved = reader.post("/settings/", timezone="UTC", language="de")
    assert saved.status_code == 302
    assert client.get_cookie(LANGUAGE_COOKIE).value == "de"  # type: ignore[union-attr]
    page = client.get("/folder/INBOX").text
    assert lang_of(page) == "de"
    assert '<option value="de" lang="de" selected>Deutsch</option>' in client.get("/settings/").text
    reader.post("/settings/", timezone="UTC", language="")
    assert client.get_cookie(LANGUAGE_COOKIE) is None
    assert lang_of(client.get("/folder/INBOX").text) == PSEUDO


def test_the_sign_in_page_of_a_browser_speaks_the_language_saved_in_it(
    client: FlaskClient, reader: Reader
) -> None:
    reader.login()
    reader.post("/settings/", timezone="UTC", language="ja")
    reader.client.post("/logout", data={"csrf_token": reader.csrf()})
    assert lang_of(client.get("/login").text) == "ja"  # the cookie, not Accept-Language


def test_an_unknown_language_is_not_stored(client: FlaskClient, reader: Reader) -> None:
    reader.login()
    reader.post("/settings/", timezone="UTC", language="xx")
    assert lang_of(client.get("/folder/INBOX").text) == PSEUDO
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_counts_choose_the_plural_form(client: FlaskClient, reader: Reader) -> None:
    reader.login()
    one = client.get("/folder/INBOX?q=subject:brunch+subject:saturday").text
    many = client.get("/folder/INBOX?q=brunch").text
    assert pseudo("%(num)s result").replace("%(num)s", "1") in one
    count = re.search(r'<p class="result-count" role="status">(.*?)</p>', many)
    assert count and count.group(1).endswith(pseudo("%(num)s results")[-8:])
    inbox = re.findall(r'data-uid="(\d+)"', client.get("/folder/INBOX").text)
    reader.post("/bulk/INBOX", action="flag", uid=inbox[:1])
    assert pseudo("%(num)s message flagged.").replace("%(num)s", "1") in client.get(
        "/folder/INBOX").text
    reader.post("/bulk/INBOX", action="flag", uid=inbox[:3])
    assert pseudo("%(num)s messages flagged.").replace("%(num)s", "3") in client.get(
        "/folder/INBOX").text


def test_english_counts_read_as_before(app: Flask) -> None:
    client = app.test_client()
    reader = Reader(client)
    reader.login()
    assert '<p class="result-count" role="status">1 result</p>' in client.get(
        "/folder/INBOX?q=subject:brunch+subject:saturday").text
    inbox = re.findall(r'data-uid="(\d+)"', client.get("/folder/INBOX").text)
    reader.post("/bulk/INBOX", action="read", uid=inbox[:2])
    assert "2 messages marked read." in client.get("/folder/INBOX").text
