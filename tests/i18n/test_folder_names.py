"""Special folders by their role's name in the page's language (issue 13): a folder with its
server's stock name (Inbox, Sent, Trash...) is shown as "Posteingang", "Gesendet", "Papierkorb" on
a German page, everywhere a page names it; a folder the reader named keeps its name; English pages
and the rename field keep the server's own name."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests.i18n.conftest import Reader
from webmail.mailbox import Folder
from webmail.views.words import folder_label


def sidebar_names(page: str) -> list[str]:
    return re.findall(r'<span class="fname">([^<]+)</span>', page)


def test_a_german_page_names_the_special_folders_in_german(reader: Reader, client: Any) -> None:
    reader.login()
    reader.post("/settings/", timezone="UTC", language="de")
    page = client.get("/folder/Trash").text
    names = sidebar_names(page)
    assert {"Posteingang", "Gesendet", "Papierkorb", "Entwürfe", "Spam", "Archiv"} <= set(names)
    assert "Trash" not in names and "Inbox" not in names
    assert "<h1>Papierkorb</h1>" in page
    assert "<title>Papierkorb" in page
    folders = client.get("/settings/folders/").text
    assert 'value="Trash"' in folders  # renaming starts from the server's own name


def test_an_english_page_keeps_the_servers_names(reader: Reader, client: Any) -> None:
    reader.login()
    reader.post("/settings/", timezone="UTC", language="en")
    names = sidebar_names(client.get("/folder/INBOX").text)
    assert {"Inbox", "Sent", "Trash", "Drafts", "Junk", "Archive"} <= set(names)


def test_only_stock_names_are_translated(app: Flask) -> None:
    stock = Folder(name="Deleted Items", display_name="Deleted Items", role="trash")
    own = Folder(name="Papierkorb alt", display_name="Papierkorb alt", role="trash")
    plain = Folder(name="Work", display_name="Work")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert folder_label(stock) == "Corbeille"
        assert folder_label(own) == "Papierkorb alt"
        assert folder_label(plain) == "Work"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert folder_label(stock) == "Deleted Items"
