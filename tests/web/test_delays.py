"""The delays page, its JSON, the read view's time line and the list banner, on the demo
mailbox: the Friday–Sunday outage is one incident at the host that held it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webmail.delays import LateNews, Mark, banner_text, next_visit, sent_days, visit_changed
from webmail.mailbox import demo
from webmail.mailbox.demodata import HELD_HOST, OUTAGE, DemoMessage, generate
from webmail.render.delayplot import delay_plot
from webmail.services import services

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)  # as tests/web/conftest.py
SVG_RE = re.compile(r'<svg class="delay-plot".*?</svg>', re.S)


def outage() -> list[DemoMessage]:
    return [m for m in generate(NOW) if m.kind == OUTAGE]


def stamps(m: DemoMessage) -> list[datetime]:
    """The Received times of a demo message, oldest first (read with the standard library)."""
    received = message_from_bytes(m.raw).get_all("Received") or []
    return [parsedate_to_datetime(r.rpartition(";")[2].strip()) for r in reversed(received)]


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plot_of(page: str) -> ET.Element:
    """The page's plot, parsed as XML (so it must be well-formed)."""
    match = SVG_RE.search(page)
    assert match, "no plot on the page"
    return ET.fromstring(match.group(0))


def marks(svg: ET.Element) -> list[ET.Element]:
    return [e for e in svg.iter("path") if "mark" in e.get("class", "").split()]


def test_the_demo_outage_is_one_incident_at_the_held_mx(client: FlaskClient, auth: Any) -> None:
    auth.login()
    response = client.get("/api/delays?folder=INBOX")
    held = outage()
    start = min(stamps(m)[1] for m in held)  # reached mx2
    end = max(stamps(m)[2] for m in held)  # released to the mail store
    delays = sorted(int((stamps(m)[2] - parsedate_to_datetime(message_from_bytes(m.raw)["Date"]))
                        .total_seconds()) + 1 for m in held)  # fmt: skip
    assert response.status_code == 200
    assert response.get_json() == {
        "folder": "INBOX",
        "threshold_seconds": 3600,
        "late_count": 18,
        "incidents": [{
            "host": HELD_HOST,
            "start": iso(start),
            "end": iso(end),
            "count": 18,
            "max_delay_seconds": delays[-1],
            "median_delay_seconds": delays[8],
            "query": "held:mx2.example.com after:2026-10-30 before:2026-11-02 is:late",
        }],
    }  # fmt: skip
    assert (start.strftime("%a"), end.strftime("%a")) == ("Fri", "Tue")


def test_the_api_needs_a_session_and_knows_its_folders(client: FlaskClient, auth: Any) -> None:
    response = client.get("/api/delays?folder=INBOX")
    assert (response.status_code, response.get_json()) == (401, {"error": "Sign in first."})
    auth.login()
    response = client.get("/api/delays?folder=Nowhere")
    assert response.status_code == 404
    assert response.get_json() == {"error": "No folder 'Nowhere' on the mail server."}
    everything = client.get("/api/delays").get_json()
    assert (everything["folder"], everything["late_count"]) == (None, 18)
    assert [i["count"] for i in everything["incidents"]] == [18]


def test_the_page_plots_one_mark_per_message_without_script(
    client: FlaskClient, auth: Any, mailbox: demo.DemoMailbox
) -> None:
    auth.login()
    page = client.get("/delays?folder=INBOX").get_data(as_text=True)
    svg = plot_of(page)
    inbox = mailbox.summaries("INBOX")
    drawn = marks(svg)
    assert len(drawn) == len(inbox) == 38
    assert sum("late" in m.get("class", "").split() for m in drawn) == 18
    assert all(m.find("title") is not None for m in drawn)
    links = sorted(a.get("href", "") for a in svg.iter("a"))
    assert links == sorted(f"/message/INBOX/{s.uid}" for s in inbox)
    assert [b.get("class") for b in svg.iter("rect")] == ["band host-0"]
    assert "<script" not in SVG_RE.search(page).group(0)  # type: ignore[union-attr]
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    title = next(
        a.find("path/title") for a in svg.iter("a") if a.get("href") == f"/message/INBOX/{brunch}"
    )
    assert title is not None and title.text == (
        "Where are you? Brunch table is ready · sent Sun 1 Nov 2026, 16:54 UTC · delivered"
        " Tue 3 Nov 2026, 11:27 UTC · delivered 1 d 19 h late · held at mx2.example.com"
    )


def test_the_incidents_table_lists_the_outage_and_shows_them_by_search(
    client: FlaskClient, auth: Any
) -> None:
    auth.login()
    page = client.get("/delays?folder=INBOX").get_data(as_text=True)
    rows = re.findall(r"<tbody>.*?</tbody>", page, re.S)[0]
    assert '<th scope="row" class="host">mx2.example.com</th>' in rows
    assert ">18</td>" in rows
    assert (
        '<a href="/folder/INBOX?q=held:mx2.example.com+after:2026-10-30+before:2026-11-02+is:late">'
        "show them</a>"
    ) in rows
    assert "18 arrived late</strong> (over 1 h)" in page
    assert (
        '<li><svg class="swatch"' in page
        and 'mx2.example.com <span class="muted">(18)</span>' in page
    )


def test_every_folder_at_once_and_an_unknown_folder(
    client: FlaskClient, auth: Any, mailbox: demo.DemoMailbox
) -> None:
    auth.login()
    page = client.get("/delays").get_data(as_text=True)
    everything = sum(len(mailbox.summaries(f.name)) for f in mailbox.folders())
    assert len(marks(plot_of(page))) == everything
    assert "q=held:mx2.example.com+after:2026-10-30+before:2026-11-02+is:late+in:all" in page
    assert client.get("/delays?folder=Nowhere").status_code == 404


def test_the_sidebar_and_the_banner_link_to_the_delays(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    assert '<p class="delays-link"><a href="/delays?folder=INBOX">Delivery delays</a></p>' in page
    assert '<a class="button" href="/delays?folder=INBOX">See the delays</a>' in page


def test_the_banner_counts_unread_late_mail_then_only_what_arrived_since_the_last_visit(
    app: Flask, client: FlaskClient, auth: Any, store: demo.DemoStore, mailbox: demo.DemoMailbox
) -> None:
    auth.login()
    first = client.get("/folder/INBOX").get_data(as_text=True)
    assert banner(first) == (
        "13 late messages you have not read yet — sent Sat–Sun, held at mx2.example.com"
    )
    mailbox.set_flags("INBOX", store.uid_of("birthday"), add=["\\Seen"])
    assert banner(client.get("/folder/INBOX").get_data(as_text=True)).startswith("12 late ")

    # The reader left an hour ago; since then three late messages arrived, one of them read.
    prefs = services(app).prefs
    (visit,) = prefs.get("demo").folder_visits
    an_hour_ago = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    prefs.update("demo", folder_visits=[[visit[0], visit[1], an_hour_ago]])
    for n, flags in enumerate((frozenset(), frozenset(), frozenset({"\\Seen"}))):
        store.add(late_arrival(n, flags))
    second = client.get("/folder/INBOX").get_data(as_text=True)
    assert banner(second) == (
        "2 late messages delivered since your last visit — sent Fri, held at relay.example.net"
    )
    # Reading them ends the news; the older unread late mail does not bring the banner back.
    for uid, s in store.folders["INBOX"].items():
        if s.name.startswith("late-arrival"):
            mailbox.set_flags("INBOX", uid, add=["\\Seen"])
    assert banner(client.get("/folder/INBOX").get_data(as_text=True)) is None


def banner(page: str) -> str | None:
    match = re.search(
        r'<div class="banner late-news"[^>]*>\s*<span class="banner-text">([^<]*)<', page
    )
    return None if match is None else match.group(1)


def late_arrival(n: int, flags: frozenset[str]) -> DemoMessage:
    """A message sent last Friday 09:00 UTC, held at a relay, delivered now."""
    now = datetime.now(UTC).replace(microsecond=0)
    friday = now - timedelta(days=(now.weekday() - 4) % 7 or 7)
    sent = friday.replace(hour=9, minute=n, second=0)
    raw = (
        f"Received: from relay.example.net by imap.example.com with LMTP;"
        f" {format_datetime(now)}\r\n"
        f"Received: from smtp.example.org by relay.example.net with ESMTPS;"
        f" {format_datetime(sent + timedelta(seconds=5))}\r\n"
        f"Date: {format_datetime(sent)}\r\nSubject: held {n}\r\nFrom: x@example.org\r\n\r\nhi\r\n"
    ).encode()
    return DemoMessage("INBOX", raw, now, flags, OUTAGE, f"late-arrival-{n}")


def test_the_read_view_of_a_late_message_draws_its_path_to_scale(
    client: FlaskClient, auth: Any, store: demo.DemoStore
) -> None:
    auth.login()
    page = client.get(f"/message/INBOX/{store.uid_of('brunch-where-are-you')}").get_data(
        as_text=True
    )
    line = re.search(r'<figure class="path-line">.*?</figure>', page, re.S)
    assert line
    svg = ET.fromstring(re.search(r"<svg.*</svg>", line.group(0), re.S).group(0))  # type: ignore[union-attr]
    stretches = [r for r in svg.iter("rect") if "stretch" in r.get("class", "")]
    held = [r for r in stretches if "held" in r.get("class", "").split()]
    assert len(stretches) == 4 and len(held) == 1
    assert float(held[0].get("width", 0)) > 600  # the wait fills the line: drawn to scale
    assert held[0].findtext("title") == "1 d 19 h at mx2.example.com"
    assert "held 1 d 19 h at mx2.example.com" in line.group(0)
    on_time = client.get(f"/message/INBOX/{store.uid_of('ticket-resolved')}").get_data(as_text=True)
    assert '<figure class="path-line">' not in on_time


def test_the_plot_escapes_what_mail_says() -> None:
    hostile = Mark(
        folder="INBOX", uid=1, sent=NOW, delivered=NOW + timedelta(hours=5), delay_seconds=18000,
        late=True, held_at='mx"><script>alert(1)</script>', subject="</title><script>x()</script>&",
    )  # fmt: skip
    plot = delay_plot(
        [hostile], [], [], threshold=timedelta(hours=1), zone=UTC, when=lambda t: str(t),
        duration=lambda s: f"{s} s", mark_href=lambda m: '/message/INBOX/1"onclick="x',
        cluster_href=lambda c: "", title="<b>plot</b>",
    )  # fmt: skip
    assert "<script" not in plot.svg and "onclick=" not in plot.svg.replace("&quot;onclick=", "")
    svg = ET.fromstring(plot.svg)
    assert svg.find("title").text == "<b>plot</b>"  # type: ignore[union-attr]
    (mark,) = marks(svg)
    assert mark.findtext("title", "").startswith("</title><script>x()</script>& · sent")


def test_visits_follow_each_other_after_half_an_hour_away() -> None:
    t = NOW
    first = next_visit(None, t)
    assert first == (None, t)
    same = next_visit(first, t + timedelta(minutes=20))
    assert same == (None, t + timedelta(minutes=20))
    assert not visit_changed(first, next_visit(first, t + timedelta(seconds=30)))
    later = next_visit(same, t + timedelta(hours=3))
    assert later == (t + timedelta(minutes=20), t + timedelta(hours=3))
    assert visit_changed(same, later)


def test_banner_words() -> None:
    news = LateNews(1, NOW, NOW, (), NOW - timedelta(days=1))
    assert banner_text(news, UTC) == "1 late message delivered since your last visit — sent Thu"
    many = LateNews(4, NOW - timedelta(days=9), NOW, ("a", "b", "c", "d"), None)
    assert banner_text(many, UTC) == (
        "4 late messages you have not read yet — sent 27 Oct–5 Nov, held at a, b and 2 other hosts"
    )
    assert sent_days(datetime(2025, 12, 30, tzinfo=UTC), NOW, UTC) == "30 Dec 2025–5 Nov 2026"
