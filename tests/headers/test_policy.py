"""The policy of the header-analysis issue: sent, delivered, delay, late, bottleneck."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

from webmail.headers import analyze

UTC = UTC


def message(date: str | None, *received: str, extra: str = "") -> bytes:
    """Received headers are given newest first, as they appear in a message."""
    lines = [f"Received: {r}" for r in received]
    if date is not None:
        lines.append(f"Date: {date}")
    lines.append("Subject: test")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\nbody\r\n").encode()


HOP_OLD = "from a.example by mx.example with ESMTP id 1; Fri, 14 Dec 2018 10:00:05 +0000"
HOP_NEW = "from mx.example by mbox.example with LMTP id 2; Fri, 14 Dec 2018 10:00:09 +0000"


def test_plausible_date_is_sent_and_newest_hop_is_delivered() -> None:
    result = analyze(message("Fri, 14 Dec 2018 10:00:00 +0000", HOP_NEW, HOP_OLD))
    assert (result.sent, result.sent_source) == (datetime(2018, 12, 14, 10, tzinfo=UTC), "date")
    assert (result.delivered, result.delivered_source) == (
        datetime(2018, 12, 14, 10, 0, 9, tzinfo=UTC),
        "received",
    )
    assert (result.delay_seconds, result.delayed) == (9, False)
    assert [hop.by for hop in result.hops] == ["mx.example", "mbox.example"]
    assert [hop.delay_seconds for hop in result.hops] == [None, 4]
    assert result.bottleneck == 1


def test_missing_date_falls_back_to_oldest_hop() -> None:
    result = analyze(message(None, HOP_NEW, HOP_OLD))
    assert (result.sent, result.sent_source) == (
        datetime(2018, 12, 14, 10, 0, 5, tzinfo=UTC),
        "received",
    )
    assert result.date_header is None
    assert "no Date header" in result.warnings


def test_date_far_in_future_falls_back_to_oldest_hop() -> None:
    result = analyze(message("Sat, 14 Dec 2030 10:00:00 +0000", HOP_NEW, HOP_OLD))
    assert result.date_header == datetime(2030, 12, 14, 10, tzinfo=UTC)
    assert (result.sent_source, result.delay_seconds) == ("received", 4)


def test_date_less_than_an_hour_ahead_is_still_sent() -> None:
    result = analyze(message("Fri, 14 Dec 2018 10:59:00 +0000", HOP_NEW, HOP_OLD))
    assert (result.sent_source, result.delay_seconds) == ("date", -3531)


def test_date_decades_wrong_falls_back_to_oldest_hop() -> None:
    result = analyze(message("Thu, 01 Jan 1970 00:00:00 +0000", HOP_NEW, HOP_OLD))
    assert result.sent_source == "received"


def test_date_before_1970_without_hops_is_not_sent() -> None:
    result = analyze(message("Mon, 21 Aug 1944 09:00:00 -0300"))
    assert (result.sent, result.sent_source, result.delivered, result.delay_seconds) == (
        None,
        None,
        None,
        None,
    )


def test_date_more_than_30_days_before_first_hop_is_not_sent() -> None:
    result = analyze(message("Tue, 13 Nov 2018 09:00:00 +0000", HOP_NEW, HOP_OLD))
    assert result.sent_source == "received"


def test_date_29_days_before_first_hop_is_sent_and_late() -> None:
    result = analyze(message("Thu, 15 Nov 2018 10:00:09 +0000", HOP_NEW, HOP_OLD))
    assert (result.sent_source, result.delay_seconds, result.delayed) == ("date", 29 * 86400, True)


def test_no_received_with_arrival_delivers_at_arrival() -> None:
    arrival = datetime(2018, 12, 14, 12, 0, tzinfo=UTC)
    result = analyze(message("Fri, 14 Dec 2018 10:00:00 +0000"), arrival=arrival)
    assert (result.delivered, result.delivered_source, result.delay_seconds, result.delayed) == (
        arrival,
        "arrival",
        7200,
        True,
    )
    assert "no Received headers" in result.warnings


def test_no_received_no_arrival_has_sent_but_no_delay() -> None:
    result = analyze(message("Fri, 14 Dec 2018 10:00:00 +0000"))
    assert (result.sent_source, result.delivered, result.delay_seconds, result.delayed) == (
        "date",
        None,
        None,
        False,
    )


def test_two_day_delay_at_the_receiving_mx_is_late_and_the_bottleneck() -> None:
    result = analyze(
        message(
            "Fri, 14 Dec 2018 18:00:00 +0000",
            "from mx.example by mbox.example with LMTP; Sun, 16 Dec 2018 18:00:10 +0000",
            "from out.example by mx.example with ESMTP; Sun, 16 Dec 2018 18:00:08 +0000",
            "from laptop by out.example with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    assert (result.delay_seconds, result.delayed) == (2 * 86400 + 10, True)
    assert result.bottleneck == 1
    assert result.bottleneck_hop is not None and result.bottleneck_hop.by == "mx.example"
    assert [hop.delay_seconds for hop in result.hops] == [None, 2 * 86400 + 6, 2]


def test_threshold_is_configurable() -> None:
    data = message("Fri, 14 Dec 2018 10:00:00 +0000", HOP_NEW, HOP_OLD)
    assert analyze(data, threshold=timedelta(seconds=8)).delayed is True
    assert analyze(data, threshold=timedelta(seconds=9)).delayed is False


def test_arrival_within_30_days_is_delivered() -> None:
    arrival = datetime(2018, 12, 20, tzinfo=UTC)
    result = analyze(message("Fri, 14 Dec 2018 10:00:00 +0000", HOP_NEW, HOP_OLD), arrival=arrival)
    assert (result.delivered, result.delivered_source) == (arrival, "arrival")


def test_arrival_more_than_30_days_after_last_hop_means_refiled_not_late() -> None:
    arrival = datetime(2019, 3, 1, tzinfo=UTC)
    result = analyze(message("Fri, 14 Dec 2018 10:00:00 +0000", HOP_NEW, HOP_OLD), arrival=arrival)
    assert (result.delivered_source, result.delay_seconds, result.delayed) == ("received", 9, False)
    assert any("re-filed" in warning for warning in result.warnings)


def test_naive_arrival_is_read_as_utc() -> None:
    result = analyze(
        message("Fri, 14 Dec 2018 10:00:00 +0000"), arrival=datetime(2018, 12, 14, 10, 30)
    )
    assert result.delivered == datetime(2018, 12, 14, 10, 30, tzinfo=UTC)


def test_date_later_than_arrival_plus_an_hour_is_not_sent() -> None:
    result = analyze(
        message("Fri, 14 Dec 2018 14:00:00 +0000"), arrival=datetime(2018, 12, 14, 10, tzinfo=UTC)
    )
    assert (result.sent_source, result.delay_seconds) == ("arrival", 0)


def test_clock_skew_keeps_negative_hop_delay_and_warns() -> None:
    result = analyze(
        message(
            "Fri, 14 Dec 2018 10:00:00 +0000",
            "from b by c; Fri, 14 Dec 2018 10:00:03 +0000",
            "from a by b; Fri, 14 Dec 2018 10:00:05 +0000",
        )
    )
    assert [hop.delay_seconds for hop in result.hops] == [None, -2]
    assert result.warnings == ("clock skew: hop 1 (c) is dated 2 s before the hop below it",)


def test_undated_hop_is_skipped_for_delays() -> None:
    result = analyze(message(None, HOP_NEW, "from x by a.example with SMTP", HOP_OLD))
    assert [hop.delay_seconds for hop in result.hops] == [None, None, 4]
    assert result.hops[1].time is None


def test_dkim_time_is_reported_and_used_only_without_date_or_hops() -> None:
    dkim = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1;\r\n t=1544781600; h=from:date; bh=x; b=y\r\n"
    with_date = analyze(message("Fri, 14 Dec 2018 10:00:00 +0000", extra=dkim))
    assert (with_date.dkim_time, with_date.sent_source) == (
        datetime(2018, 12, 14, 10, tzinfo=UTC),
        "date",
    )
    alone = analyze(message(None, extra=dkim), arrival=datetime(2018, 12, 15, tzinfo=UTC))
    assert (alone.sent, alone.sent_source) == (datetime(2018, 12, 14, 10, tzinfo=UTC), "dkim")


def test_arrival_is_sent_when_nothing_else_is_known() -> None:
    arrival = datetime(2018, 12, 15, tzinfo=UTC)
    result = analyze(message(None), arrival=arrival)
    assert (result.sent, result.sent_source, result.delay_seconds) == (arrival, "arrival", 0)


def test_traps_are_not_hops_or_dates() -> None:
    data = (
        b"X-Received: by 10.0.0.1 with SMTP id x; Fri, 14 Dec 2018 09:00:00 +0000\r\n"
        b"Resent-Date: Fri, 14 Dec 2018 08:00:00 +0000\r\n"
        b"Delivery-Date: Fri, 14 Dec 2018 07:00:00 +0000\r\n"
        b"ARC-Seal: i=1; a=rsa-sha256; t=1544770000; cv=none\r\n"
        b"Received: from a by b; Fri, 14 Dec 2018 10:00:05 +0000\r\n"
        b"Date: Fri, 14 Dec 2018 10:00:00 +0000\r\n"
        b"Content-Type: message/rfc822\r\n\r\n"
        b"Received: from evil by evil; Mon, 1 Jan 2001 00:00:00 +0000\r\n"
        b"Date: Mon, 1 Jan 2001 00:00:00 +0000\r\n"
    )
    result = analyze(data)
    assert [hop.from_ for hop in result.hops] == ["a"]
    assert result.date_header == datetime(2018, 12, 14, 10, tzinfo=UTC)


def test_message_object_and_pairs_give_the_same_analysis_as_bytes() -> None:
    data = message("Fri, 14 Dec 2018 10:00:00 +0000", HOP_NEW, HOP_OLD)
    from_bytes = analyze(data)
    parsed = email.message_from_bytes(data)
    assert analyze(parsed) == from_bytes
    pairs = [(name.encode(), value.encode()) for name, value in parsed.items()]
    assert analyze(pairs) == from_bytes
    assert analyze(data.decode()) == from_bytes


def test_mbox_from_line_and_lf_and_cr_only_line_ends() -> None:
    data = message("Fri, 14 Dec 2018 10:00:00 +0000", HOP_NEW, HOP_OLD)
    expected = analyze(data)
    assert analyze(b"From someone@example Fri Dec 14 10:00:00 2018\r\n" + data) == expected
    assert analyze(data.replace(b"\r\n", b"\n")) == expected
    assert analyze(data.replace(b"\r\n", b"\r")) == expected


def test_unsupported_input_gives_an_empty_analysis_with_a_warning() -> None:
    result = analyze(42)
    assert (result.sent, result.hops) == (None, ())
    assert result.warnings[0] == "headers of type int cannot be read"


def test_thousands_of_received_headers_are_capped() -> None:
    data = message("Fri, 14 Dec 2018 10:00:00 +0000", *([HOP_NEW] * 2000))
    result = analyze(data)
    assert len(result.hops) == 100
    assert result.warnings[0] == "2000 Received headers: only the newest 100 are read"


def test_to_json_has_the_cli_schema() -> None:
    record = analyze(message("Fri, 14 Dec 2018 10:00:00 +0100", HOP_NEW, HOP_OLD)).to_json("m.eml")
    assert record["date_header"] == "2018-12-14T10:00:00+01:00"
    assert record["sent"] == "2018-12-14T09:00:00Z"
    assert list(record)[:10] == [
        "path", "date_header", "sent", "sent_source", "delivered", "delivered_source",
        "delay_seconds", "delayed", "hops", "warnings",
    ]  # fmt: skip
    assert list(record["hops"][0])[:7] == [
        "from",
        "by",
        "with",
        "id",
        "for",
        "time",
        "delay_seconds",
    ]
