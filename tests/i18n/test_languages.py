"""The five languages (issue 13): each catalog translates every msgid (every plural form), and
every page kind renders in each language, ``<html lang>`` saying which, with its words from
that language's catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from tests.i18n.conftest import Reader
from tests.i18n.test_pseudo_locale import PAGES
from webmail.i18n import CATALOGS, LANGUAGES
from webmail.mailbox import demo

TRANSLATED = [code for code in LANGUAGES if code != "en"]
#: A word of each catalog that its Inbox page shows (the compose button, translated).
COMPOSE = {"de": "Verfassen", "fr": "Écrire", "es": "Redactar", "ja": "作成"}


def catalog_path(code: str) -> Path:
    return CATALOGS / code / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_language_translates_every_msgid_and_plural_form(code: str) -> None:
    with catalog_path(code).open("rb") as handle:
        catalog = read_po(handle, locale=code)
    empty = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        plural_forms_missing = isinstance(message.id, tuple) and len(forms) != catalog.num_plurals
        if plural_forms_missing or not all(forms):
            empty.append((message.context, message.id))
    assert empty == []


@pytest.mark.parametrize("code", TRANSLATED)
@pytest.mark.parametrize("kind", PAGES)
def test_every_page_kind_renders_in_each_language(
    code: str, kind: str, reader: Reader, store: demo.DemoStore, app: Flask
) -> None:
    reader.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = code
    pages = PAGES[kind](reader, store, app)
    assert pages
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html", (kind, response.status_code)
        assert f'<html lang="{code}">' in html, (kind, response.request.path, html[:200])
        assert "⟦" not in html  # nothing of the pseudo-locale
    if kind != "login":  # signed in: the Inbox's compose button is in this language
        inbox = reader.client.get("/folder/INBOX").get_data(as_text=True)
        assert COMPOSE[code] in inbox
