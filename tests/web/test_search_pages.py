"""Search on the demo mailbox through the web pages: the form on every list, results as the
list with a count, the query kept through paging, the late filter, the order toggle and a
message opened and left, every folder with in:all, and a clear word for a bad query."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient

from webmail.mailbox import demo

COUNT = re.compile(r'<p class="result-count" role="status">([^<]+)</p>')


def args_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(unescape(url)).query))


def test_every_list_page_has_the_search_form(client: FlaskClient, auth: Any) -> None:
    auth.login()
    for folder in ("INBOX", "Junk", "Trash"):
        page = client.get(f"/folder/{folder}").get_data(as_text=True)
        form = re.search(r'<form method="get" action="([^"]+)" class="search" role="search">'
                         r'.*?</form>', page, re.S)
        assert form is not None and form.group(1) == f"/folder/{folder}"
        assert 'name="q"' in form.group(0)
        assert 'class="result-count"' not in page


def test_results_are_the_list_with_a_count(
    client: FlaskClient, auth: Any, store: demo.DemoStore
) -> None:
    auth.login()
    response = client.get("/folder/INBOX?q=held:mx2.example.com+is:late")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert COUNT.findall(page) == ["18 results"]
    uids = auth.listed_uids(response)
    late_list = auth.listed_uids(client.get("/folder/INBOX?late=1"))
    assert uids == late_list  # the same order as the late filter: newest sent first
    assert page.count('class="late-badge') >= 18  # late badges kept
    assert 'value="held:mx2.example.com is:late"' in page  # the query stays in the field


def test_one_result_says_result(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX?q=text:INV-117").get_data(as_text=True)
    assert COUNT.findall(page) == ["1 result"]


def test_the_query_stays_through_paging_and_the_late_filter(
    make_app: Any, auth_for: Any
) -> None:
    client = make_app(page_size=5).test_client()
    auth = auth_for(client)
    auth.login()
    page = client.get("/folder/INBOX?q=is:late").get_data(as_text=True)
    nxt = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert nxt is not None and args_of(nxt.group(1)) == {"page": "2", "q": "is:late"}
    second = client.get(unescape(nxt.group(1)))
    assert COUNT.findall(second.get_data(as_text=True)) == ["18 results"]
    assert len(auth.listed_uids(second)) == 5
    only_late = re.search(r'<a class="button" href="([^"]+)">Only late mail</a>',
                          client.get("/folder/INBOX?q=example").get_data(as_text=True))
    assert only_late is not None and args_of(only_late.group(1)) == {"late": "1", "q": "example"}
    page = client.get("/folder/INBOX?q=example&late=1").get_data(as_text=True)
    assert COUNT.findall(page) == ["18 results (late mail only)"]
    assert '<input type="hidden" name="late" value="1">' in page  # a new search keeps it


def test_a_message_opened_from_results_leads_back_to_them(
    client: FlaskClient, auth: Any
) -> None:
    auth.login()
    page = client.get("/folder/INBOX?q=is:late&page=1").get_data(as_text=True)
    link = re.search(r'<a class="msg-link" href="([^"]+)"', page)
    assert link is not None and args_of(link.group(1)) == {"q": "is:late", "page": "1"}
    opened = client.get(unescape(link.group(1))).get_data(as_text=True)
    back = re.search(r'<p class="back"><a href="([^"]+)"', opened)
    assert back is not None
    assert urlsplit(unescape(back.group(1))).path == "/folder/INBOX"
    assert args_of(back.group(1)) == {"q": "is:late", "page": "1"}


def test_previous_and_next_in_the_read_view_follow_the_results_and_keep_the_query(
    client: FlaskClient, auth: Any
) -> None:
    auth.login()
    results = auth.listed_uids(client.get("/folder/INBOX?q=is:late&late=1"))
    everything = auth.listed_uids(client.get("/folder/INBOX"))
    assert len(results) > 2 and results[:3] != everything[:3]  # not the folder's order

    def steps(uid: int) -> tuple[str | None, str | None]:
        page = client.get(f"/message/INBOX/{uid}?q=is%3Alate&late=1").get_data(as_text=True)
        newer = re.search(r'<a class="newer" rel="prev" href="([^"]+)"', page)
        older = re.search(r'<a class="older" rel="next" href="([^"]+)"', page)
        return (unescape(newer.group(1)) if newer else None,
                unescape(older.group(1)) if older else None)

    newer, older = steps(results[1])
    assert newer is not None and urlsplit(newer).path == f"/message/INBOX/{results[0]}"
    assert older is not None and urlsplit(older).path == f"/message/INBOX/{results[2]}"
    assert args_of(newer) == args_of(older) == {"q": "is:late", "late": "1"}
    assert steps(results[0])[0] is None  # the first result has no previous one


def test_in_all_searches_every_folder_and_links_each_row_to_its_own(
    client: FlaskClient, auth: Any, store: demo.DemoStore
) -> None:
    auth.login()
    spam = next(iter(store.kinds("Junk")))
    page = client.get("/folder/INBOX?q=in:all").get_data(as_text=True)
    total = sum(len(store.kinds(f)) for f in store.folders)
    assert COUNT.findall(page) == [f"{total} results in every folder"]
    assert f'href="/message/Junk/{spam}?list=INBOX&amp;q=in:all"' in page
    assert '<span class="in-folder" title="In the folder Junk">Junk</span>' in page
    assert f'action="/message/Junk/{spam}/flags"' in page  # its flag form acts on Junk


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("foo:bar", "There is no search operator"),
        ("is:maybe", "is not something a message can be"),
        ("after:31.10.2026", "needs a date as YYYY-MM-DD"),
        ("x" * 10_000, "The search is too long"),
    ],
)
def test_a_bad_query_says_what_to_change(
    client: FlaskClient, auth: Any, query: str, says: str
) -> None:
    auth.login()
    response = client.get("/folder/INBOX", query_string={"q": query})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    problems = re.search(r'<div class="search-problems" role="alert">(.*?)</div>', page, re.S)
    assert problems is not None and says in unescape(problems.group(1))
    assert auth.listed_uids(response) == []


def test_the_query_is_shown_escaped(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get('/folder/INBOX?q="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_a_search_of_a_missing_folder_is_a_404_page(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.get("/folder/Nowhere?q=x").status_code == 404


def test_a_blank_query_is_the_plain_list(client: FlaskClient, auth: Any) -> None:
    auth.login()
    plain = auth.listed_uids(client.get("/folder/INBOX"))
    assert auth.listed_uids(client.get("/folder/INBOX?q=+++")) == plain
