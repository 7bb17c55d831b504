"""Delivery incidents (``webmail.headers.incidents``) on constructed mail: which late messages
group into one incident, and which mail never makes one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from webmail.headers import analyze
from webmail.headers.incidents import Hold, group_incidents, hold_of, incident_query

HOUR = timedelta(hours=1)
THRESHOLD = HOUR
FRIDAY = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)


def message(
    sent: datetime,
    released: datetime,
    host: str = "mx2.example.com",
    date: datetime | None = None,
) -> bytes:
    """A message really sent at ``sent``, stamped by ``host`` 10 s later and handed on by it
    to the mail store at ``released``; its Date header says ``date`` (default ``sent``)."""
    inbound, submitted = sent + timedelta(seconds=10), sent + timedelta(seconds=2)
    stamps = [
        f"from {host} by imap.example.com with LMTP; {format_datetime(released)}",
        f"from smtp.example.org by {host} with ESMTPS; {format_datetime(inbound)}",
        f"from laptop by smtp.example.org with ESMTPSA; {format_datetime(submitted)}",
    ]
    lines = [f"Received: {s}" for s in stamps]
    lines += [f"Date: {format_datetime(date or sent)}", "Subject: test", "From: a@example.org"]
    return ("\r\n".join(lines) + "\r\n\r\nbody\r\n").encode()


def held(sent: datetime, released: datetime, host: str = "mx2.example.com") -> Hold:
    """The hold of a late message built by :func:`message` (asserting it has one)."""
    hold = hold_of(analyze(message(sent, released, host), arrival=released + timedelta(seconds=1)))
    assert hold is not None
    return hold


def test_hold_runs_from_the_stamp_before_the_bottleneck_to_the_bottlenecks_stamp() -> None:
    released = FRIDAY + timedelta(days=2)
    hold = held(FRIDAY, released)
    assert hold.host == "mx2.example.com"
    assert hold.start == FRIDAY + timedelta(seconds=10)
    assert hold.end == released
    assert hold.sent == FRIDAY
    assert hold.delay_seconds == 2 * 86400 + 1


def test_a_single_late_message_is_one_incident() -> None:
    (incident,) = group_incidents([held(FRIDAY, FRIDAY + 5 * HOUR)], THRESHOLD)
    assert incident.host == "mx2.example.com"
    assert (incident.start, incident.end) == (FRIDAY + timedelta(seconds=10), FRIDAY + 5 * HOUR)
    assert incident.count == 1
    assert incident.max_delay_seconds == incident.median_delay_seconds == 5 * 3600 + 1
    assert incident.query == "held:mx2.example.com after:2026-10-30 before:2026-10-31 is:late"
    assert incident.to_json() == {
        "host": "mx2.example.com",
        "start": "2026-10-30T18:00:10Z",
        "end": "2026-10-30T23:00:00Z",
        "count": 1,
        "max_delay_seconds": 18001,
        "median_delay_seconds": 18001,
        "query": "held:mx2.example.com after:2026-10-30 before:2026-10-31 is:late",
    }


def test_two_hosts_holding_mail_over_the_same_hours_are_two_incidents() -> None:
    holds = [
        held(FRIDAY, FRIDAY + 30 * HOUR, "mx2.example.com"),
        held(FRIDAY + 2 * HOUR, FRIDAY + 20 * HOUR, "relay.example.net"),
        held(FRIDAY + 4 * HOUR, FRIDAY + 40 * HOUR, "MX2.example.com"),  # the same host
        held(FRIDAY + 5 * HOUR, FRIDAY + 9 * HOUR, "relay.example.net"),
    ]
    incidents = group_incidents(holds, THRESHOLD)
    assert [(i.host, i.count) for i in incidents] == [
        ("relay.example.net", 2),  # newest first: it started two hours later
        ("mx2.example.com", 2),
    ]
    relay, mx2 = incidents
    assert relay.end == FRIDAY + 20 * HOUR
    assert mx2.end == FRIDAY + 40 * HOUR
    assert mx2.max_delay_seconds == 36 * 3600 + 1
    assert mx2.median_delay_seconds == 30 * 3600 + 1  # the lower middle of two


def test_a_gap_just_under_the_threshold_joins_the_incident() -> None:
    first = held(FRIDAY, FRIDAY + 3 * HOUR)
    second_reaches_host = first.end + THRESHOLD - timedelta(seconds=1)
    second = held(second_reaches_host - timedelta(seconds=10), second_reaches_host + 4 * HOUR)
    (incident,) = group_incidents([second, first], THRESHOLD)
    assert incident.count == 2
    assert (incident.start, incident.end) == (first.start, second.end)


def test_a_gap_of_exactly_the_threshold_still_joins() -> None:
    first = held(FRIDAY, FRIDAY + 3 * HOUR)
    second = held(first.end + THRESHOLD - timedelta(seconds=10), first.end + 6 * HOUR)
    assert second.start - first.end == THRESHOLD
    assert [i.count for i in group_incidents([first, second], THRESHOLD)] == [2]


def test_a_gap_just_over_the_threshold_starts_a_new_incident() -> None:
    first = held(FRIDAY, FRIDAY + 3 * HOUR)
    second_reaches_host = first.end + THRESHOLD + timedelta(seconds=1)
    second = held(second_reaches_host - timedelta(seconds=10), second_reaches_host + 4 * HOUR)
    incidents = group_incidents([first, second], THRESHOLD)
    assert [(i.start, i.count) for i in incidents] == [(second.start, 1), (first.start, 1)]


def test_a_long_hold_bridges_later_short_ones() -> None:
    # The second hold ends early, but the first is still holding mail when the third arrives.
    long_one = held(FRIDAY, FRIDAY + 48 * HOUR)
    short = held(FRIDAY + HOUR, FRIDAY + 3 * HOUR)
    late_starter = held(FRIDAY + 40 * HOUR, FRIDAY + 45 * HOUR)
    (incident,) = group_incidents([late_starter, short, long_one], THRESHOLD)
    assert incident.count == 3
    assert incident.end == FRIDAY + 48 * HOUR


def test_skewed_sender_clocks_within_tolerance_make_no_incident() -> None:
    # Delivered on time; the sender's clock ran 50 minutes fast, then 50 minutes slow.
    on_time = FRIDAY + timedelta(seconds=40)
    fast = analyze(message(FRIDAY, on_time, date=FRIDAY + timedelta(minutes=50)), arrival=on_time)
    slow = analyze(message(FRIDAY, on_time, date=FRIDAY - timedelta(minutes=50)), arrival=on_time)
    assert not fast.delayed and not slow.delayed
    assert hold_of(fast) is None and hold_of(slow) is None


def test_re_filed_mail_makes_no_incident() -> None:
    # Delivered within a minute, copied into this folder 90 days later: not late.
    delivered = FRIDAY + timedelta(seconds=40)
    refiled = analyze(message(FRIDAY, delivered), arrival=delivered + timedelta(days=90))
    assert not refiled.delayed
    assert hold_of(refiled) is None


def test_on_time_mail_has_no_hold_and_late_mail_without_a_host_has_none_either() -> None:
    on_time = FRIDAY + timedelta(seconds=40)
    assert hold_of(analyze(message(FRIDAY, on_time), arrival=on_time)) is None
    no_hops = b"Date: " + format_datetime(FRIDAY).encode() + b"\r\nSubject: x\r\n\r\n"
    late_without_hops = analyze(no_hops, arrival=FRIDAY + 3 * HOUR)
    assert late_without_hops.delayed
    assert hold_of(late_without_hops) is None


def test_late_mail_no_host_held_past_the_limit_makes_no_incident() -> None:
    # The Date is five hours before the first stamp (the sender's outbox kept it), then every
    # hop passed it on within seconds: late, held longest at mx2 for 8 s, not an incident.
    sent = FRIDAY - 5 * HOUR
    outbox = analyze(
        message(FRIDAY, FRIDAY + timedelta(seconds=18), date=sent),
        arrival=FRIDAY + timedelta(seconds=19),
    )
    assert outbox.delayed and outbox.sent == sent
    hold = hold_of(outbox)
    assert hold is not None and hold.end - hold.start == timedelta(seconds=8)
    assert group_incidents([hold], THRESHOLD) == ()
    with_a_real_hold = [hold, held(FRIDAY, FRIDAY + 3 * HOUR)]
    assert [i.count for i in group_incidents(with_a_real_hold, THRESHOLD)] == [1]


def test_no_holds_no_incidents() -> None:
    assert group_incidents([], THRESHOLD) == ()


def test_query_days_follow_the_readers_zone_and_quote_odd_hosts() -> None:
    late_evening_utc = datetime(2026, 10, 30, 23, 30, tzinfo=UTC)  # Saturday in Berlin
    berlin = ZoneInfo("Europe/Berlin")
    assert incident_query("mx.example", late_evening_utc, late_evening_utc, berlin) == (
        "held:mx.example after:2026-10-31 before:2026-11-01 is:late"
    )
    assert incident_query('odd "host"', FRIDAY, FRIDAY) == (
        'held:"odd host" after:2026-10-30 before:2026-10-31 is:late'
    )
