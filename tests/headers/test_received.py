"""Received headers (RFC 5321 §4.4) from the MTAs that write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from webmail.headers import Hop, parse_received


def tz(hours: int = 0, minutes: int = 0) -> timezone:
    return timezone(timedelta(hours=hours, minutes=minutes))


def fields(hop: Hop) -> tuple[str | None, ...]:
    return (hop.from_, hop.by, hop.via, hop.with_, hop.id, hop.for_)


def test_postfix_received_with_tls_comment() -> None:
    hop = parse_received(
        "from mail.tatra.nl (unknown\r\n        [IPv6:2a02:c207:3ee8:8161:5487::a926]) (using TLSv1.2 with\r\n"
        '        cipher AES256-SHA (256/256 bits)) (Client CN "mail.tatra.nl",\r\n'
        '        Issuer "R3" (not verified)) by mailin.contoso-mail.net (Postfix)\r\n'
        "        with ESMTPS id 62E65BB8A8FE for <l.garcia@contoso-mail.net>; Thu, 13 Dec 2012 01:56:32 +0000"
    )
    assert fields(hop) == (
        "mail.tatra.nl",
        "mailin.contoso-mail.net",
        None,
        "ESMTPS",
        "62E65BB8A8FE",
        "l.garcia@contoso-mail.net",
    )
    assert hop.time == datetime(2012, 12, 13, 1, 56, 32, tzinfo=UTC)


def test_postfix_local_pickup_has_no_from() -> None:
    hop = parse_received(
        "by mail.bluefin.org (Postfix, from userid 1001) id AA89D562AA8; Sun, 26 Jul 2020 03:37:23 +0200 (CEST)"
    )
    assert fields(hop) == (None, "mail.bluefin.org", None, None, "AA89D562AA8", None)
    assert hop.time == datetime(2020, 7, 26, 3, 37, 23, tzinfo=tz(2))


def test_sendmail_received() -> None:
    hop = parse_received(
        "from 848957.dsl.sakura.example (848957.dsl.sakura.example\n [172.18.101.19]) by mx.fabrikamtech.ca "
        "(8.11.6/8.11.6) with SMTP id\n oy3v2840757072 for <noreply@oakridge.com.au>; Sat, 31 Mar 2018\n 09:57:40 -0700 (PDT)"
    )
    assert fields(hop) == (
        "848957.dsl.sakura.example",
        "mx.fabrikamtech.ca",
        None,
        "SMTP",
        "oy3v2840757072",
        "noreply@oakridge.com.au",
    )
    assert hop.time == datetime(2018, 3, 31, 9, 57, 40, tzinfo=tz(-7))


def test_sendmail_submit_with_from_in_a_comment() -> None:
    hop = parse_received(
        "(from postmaster@localhost) by mx2.alpine.org (8.14.7/Submit) id uA1a68414919; Fri, 10 Jan 2020 15:48:56 +0100"
    )
    assert fields(hop) == (None, "mx2.alpine.org", None, None, "uA1a68414919", None)


def test_exim_received_with_envelope_from_and_tls() -> None:
    hop = parse_received(
        "from [10.17.236.124] (helo=localhost) by mail.tatra.nl with esmtps\n\t(TLS1.3) tls TLS_AES_256_GCM_SHA384 "
        "(Exim 4.92) (envelope-from <frank@tatra.nl>) id BXUhj7-WPQ5iW-Ou for\n\tl.garcia@contoso-mail.net; Sat, 13 Aug 2005 01:50:52 +0000"
    )
    assert fields(hop) == (
        "[10.17.236.124]",
        "mail.tatra.nl",
        None,
        "esmtps",
        "BXUhj7-WPQ5iW-Ou",
        "l.garcia@contoso-mail.net",
    )


def test_exim_local_delivery() -> None:
    hop = parse_received(
        "from sivanova by mx239.ironbridge.be with local\n (Exim 4.89) (envelope-from <s.ivanova@litwarecorp.ch>) id\n"
        " pucISG-RYXONz-VM for a.kowalski@ironbridge.be; Mon, 05 Oct\n 2015 22:21:49 +0900"
    )
    assert fields(hop) == (
        "sivanova",
        "mx239.ironbridge.be",
        None,
        "local",
        "pucISG-RYXONz-VM",
        "a.kowalski@ironbridge.be",
    )
    assert hop.time == datetime(2015, 10, 5, 22, 21, 49, tzinfo=tz(9))


def test_qmail_invoked_by_uid_has_only_a_date() -> None:
    hop = parse_received("(qmail 10120 invoked by uid 505); 14 Jun 2002 19:51:06 -0000")
    assert fields(hop) == (None, None, None, None, None, None)
    assert hop.time == datetime(2002, 6, 14, 19, 51, 6, tzinfo=UTC)


def test_qmail_invoked_from_network() -> None:
    hop = parse_received("(qmail 24448 invoked from network); 3 Jun 2002 13:35:26 -0000")
    assert fields(hop) == (None, None, None, None, None, None)
    assert hop.time == datetime(2002, 6, 3, 13, 35, 26, tzinfo=UTC)


def test_qmail_smtp_hop() -> None:
    hop = parse_received(
        "from unknown (HELO mail.example.com) (192.0.2.7)\n  by mx.example.org with SMTP; 3 Jun 2002 13:35:26 -0000"
    )
    assert fields(hop) == ("unknown", "mx.example.org", None, "SMTP", None, None)


def test_exchange_received_keeps_id_after_version_comment() -> None:
    hop = parse_received(
        "from DB8PR01MB4361.gbrprd06.prod.outlook.com (80.205.44.65) by\n VI1PR03MB2665.namprd02.prod.outlook.com "
        "(2603:10b6:c39b::37e8) with\n Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) "
        "id 15.1.1816.37 via Mailbox Transport; Sat, 22\n Mar 2025 20:36:14 +0000"
    )
    assert fields(hop) == (
        "DB8PR01MB4361.gbrprd06.prod.outlook.com", "VI1PR03MB2665.namprd02.prod.outlook.com", "Mailbox",
        "Microsoft", "15.1.1816.37", None,
    )  # fmt: skip
    assert hop.time == datetime(2025, 3, 22, 20, 36, 14, tzinfo=UTC)


def test_exchange_mapi_with_ipv6_literals() -> None:
    hop = parse_received(
        "from mailgw.litware.edu\n ([fe80::5f5c:cbd1:ff36:8496]) by EXCH05.corp.litware.edu\n "
        "([fe80::5f5c:cbd1:ff36:8496%11]) with mapi id 15.20.5555.5;\n Thu, 10 May 2018 20:48:30 +0000"
    )
    assert fields(hop) == (
        "mailgw.litware.edu",
        "EXCH05.corp.litware.edu",
        None,
        "mapi",
        "15.20.5555.5",
        None,
    )


def test_gmail_received_by_ipv6_address() -> None:
    hop = parse_received(
        "by 2002:a05:6f82:86e3:0:0:0:0 with SMTP id h2bcsp7588064hra;\n        Fri, 28 Mar 2014 02:03:06 -0800 (PST)"
    )
    assert fields(hop) == (
        None,
        "2002:a05:6f82:86e3:0:0:0:0",
        None,
        "SMTP",
        "h2bcsp7588064hra",
        None,
    )
    assert hop.time == datetime(2014, 3, 28, 2, 3, 6, tzinfo=tz(-8))


def test_gmail_received_with_transport_security_comment_after_for() -> None:
    hop = parse_received(
        "from smtp37.mailhaus.org (smtp37.mailhaus.org.\n [217.245.191.201]) by mx.google.com with SMTPS id\n"
        " kfta6amr38392938xbd.128.7075753805316 for\n <grace@atlasmailtech.se> (Google Transport Security); 02\n Mar 2025 06:56:59 -0800 (PST)"
    )
    assert fields(hop) == (
        "smtp37.mailhaus.org",
        "mx.google.com",
        None,
        "SMTPS",
        "kfta6amr38392938xbd.128.7075753805316",
        "grace@atlasmailtech.se",
    )


def test_yahoo_capitalised_id_keyword() -> None:
    hop = parse_received(
        "by smtp420.mail.ne1.yahoo.com (Oath Hermes SMTP\n Server) with ESMTPA ID d3a9b087ce2d017c7543f19736fa032e;\n Thu, 19 Apr 2018 07:40:04 +0000"
    )
    assert fields(hop) == (
        None,
        "smtp420.mail.ne1.yahoo.com",
        None,
        "ESMTPA",
        "d3a9b087ce2d017c7543f19736fa032e",
        None,
    )


def test_capitalised_keywords() -> None:
    hop = parse_received(
        "FROM a.example BY b.example WITH ESMTP ID 42 FOR <x@example.org>; Fri, 14 Dec 2018 10:00:00 +0000"
    )
    assert fields(hop) == ("a.example", "b.example", None, "ESMTP", "42", "x@example.org")


def test_amavisd_hop_by_localhost() -> None:
    hop = parse_received(
        "from zimbra.riverside.net ([127.0.0.1]) by localhost\n\t(zimbra.riverside.net [127.0.0.1]) (amavisd-new, port 10026)\n"
        "\twith ESMTP id TGAEj1Rf_zG0 for <hr-team@litware.edu>; Thu, 10\n\tMay 2018 10:20:35 -0600 (CST)"
    )
    assert fields(hop) == (
        "zimbra.riverside.net",
        "localhost",
        None,
        "ESMTP",
        "TGAEj1Rf_zG0",
        "hr-team@litware.edu",
    )


def test_dovecot_lmtp_hop() -> None:
    hop = parse_received(
        "from mx1.northwind.edu by imap.northwind.edu with LMTP id ae6iDW8WEU3RQkkpjnf/+t (envelope-from <noreply@harbor.ch>) "
        "for\n    <a.kowalski@northwind.edu>; Mon, 20 Feb 2023 04:06:09 +0100"
    )
    assert fields(hop) == (
        "mx1.northwind.edu",
        "imap.northwind.edu",
        None,
        "LMTP",
        "ae6iDW8WEU3RQkkpjnf/+t",
        "a.kowalski@northwind.edu",
    )


def test_fetchmail_hop() -> None:
    hop = parse_received(
        "from imap.northwind.edu [77.147.195.168] by\n localhost with IMAP (fetchmail-6.4.37) for\n <a.kowalski@northwind.edu> (single-drop); Sun, 19\n Feb 2023 20:06:11 -0700 (MST)"
    )
    assert fields(hop) == (
        "imap.northwind.edu",
        "localhost",
        None,
        "IMAP",
        None,
        "a.kowalski@northwind.edu",
    )
    assert hop.time == datetime(2023, 2, 19, 20, 6, 11, tzinfo=tz(-7))


def test_lotus_domino_space_before_semicolon() -> None:
    hop = parse_received(
        "from a.example ([192.0.2.1]) by notes.example (Lotus Domino Release 8.5.3FP6) with ESMTP id 2018121410000012-345 ; Fri, 14 Dec 2018 10:00:00 +0100"
    )
    assert (hop.by, hop.id) == ("notes.example", "2018121410000012-345")
    assert hop.time == datetime(2018, 12, 14, 10, tzinfo=tz(1))


def test_courier_id_after_the_date_is_not_a_clause() -> None:
    hop = parse_received(
        "from a.example (a.example [192.0.2.1]) by b.example with ESMTP; Fri, 14 Dec 2018 10:00:00 +0000\n  id 00000000000A1B2C.000000005C137FB0.00001234"
    )
    assert (hop.from_, hop.by, hop.with_) == ("a.example", "b.example", "ESMTP")
    assert hop.time == datetime(2018, 12, 14, 10, tzinfo=UTC)


def test_clauses_out_of_order() -> None:
    hop = parse_received("by b.example with SMTP from a.example id 7; 14 Dec 2018 10:00:00 +0000")
    assert fields(hop) == ("a.example", "b.example", None, "SMTP", "7", None)


def test_nested_comments_are_skipped() -> None:
    hop = parse_received(
        "from a.example (x (y (z) y) x) by b.example (p (q)) with SMTP; 14 Dec 2018 10:00:00 +0000"
    )
    assert fields(hop) == ("a.example", "b.example", None, "SMTP", None, None)


def test_semicolon_inside_a_trailing_comment_is_not_the_date_separator() -> None:
    hop = parse_received("from a by b; Fri, 14 Dec 2018 10:00:00 +0000 (a; b)")
    assert hop.time == datetime(2018, 12, 14, 10, tzinfo=UTC)


def test_no_date_at_all() -> None:
    hop = parse_received("from a.example by b.example with SMTP id 1")
    assert fields(hop) == ("a.example", "b.example", None, "SMTP", "1", None)
    assert hop.time is None
    assert hop.warnings == ("Received header has no date",)


def test_sendgrid_date_without_semicolon_is_not_read() -> None:
    hop = parse_received(
        "by filter0042p1mdw1.sendgrid.net with SMTP id abc Fri, 14 Dec 2018 10:00:00 +0000 (UTC)"
    )
    assert hop.time is None


def test_unterminated_comment_is_reported_and_the_date_still_read() -> None:
    hop = parse_received(
        "from a.example (unterminated by b.example; Fri, 14 Dec 2018 10:00:00 +0000"
    )
    assert hop.from_ == "a.example"
    assert hop.time == datetime(2018, 12, 14, 10, tzinfo=UTC)
    assert "unterminated comment in Received header" in hop.warnings


def test_huge_received_keeps_head_clauses_and_tail_date() -> None:
    hop = parse_received(
        "from a.example by b.example " + "(x) " * 100_000 + "; Fri, 14 Dec 2018 10:00:00 +0000"
    )
    assert (hop.from_, hop.by) == ("a.example", "b.example")
    assert hop.time == datetime(2018, 12, 14, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "junk",
    ["", ";", ";;;;", "(", ")", "from", "from by", "\x00\x00", "for <>;", "\\", "(\\", "from (((((( by x; 1:1",
     "\ud800; \udfff", "by " + "a" * 100_000, "(" * 60_000, ";" * 100_000],
)  # fmt: skip
def test_junk_never_raises(junk: str) -> None:
    hop = parse_received(junk)
    assert isinstance(hop, Hop)
    assert hop.delay_seconds is None


def test_bytes_are_accepted() -> None:
    hop = parse_received(b"from a by b; 14 Dec 2018 10:00:00 +0000")
    assert (hop.from_, hop.by) == ("a", "b")
