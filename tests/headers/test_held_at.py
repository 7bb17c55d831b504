"""``Analysis.held_at``: the host where a message waited longest, one rule for every view."""

from __future__ import annotations

import io
import json
from pathlib import Path

from webmail.headers import Analysis, Hop, analyze
from webmail.headers.cli import main

DATE = "Fri, 14 Dec 2018 18:00:00 +0000"


def message(*received: str) -> bytes:
    """Received headers are given newest first, as they appear in a message."""
    lines = [f"Received: {r}" for r in received] + [f"Date: {DATE}", "Subject: test"]
    return ("\r\n".join(lines) + "\r\n\r\nbody\r\n").encode()


# The outage story: the inbound MX held the mail two days before handing it to the mail store.
HELD_AT_MX = message(
    "from mx2.example by store.example with LMTP; Sun, 16 Dec 2018 18:00:10 +0000",
    "from smtp.sender.example by mx2.example with ESMTPS; Fri, 14 Dec 2018 18:00:08 +0000",
    "from laptop by smtp.sender.example with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
)


def test_held_at_is_the_previous_hops_by_host() -> None:
    result = analyze(HELD_AT_MX)
    assert result.bottleneck == 2
    assert result.held_at == "mx2.example"


def test_previous_by_wins_over_the_bottlenecks_own_from() -> None:
    # The bottleneck's "from" is the name the relay gave itself in HELO; the previous hop's
    # "by" is the machine that stamped the mail when it arrived there, where it then waited.
    result = analyze(
        message(
            "from relay-out.example by mx.example with ESMTP; Sun, 16 Dec 2018 18:00:00 +0000",
            "from laptop by relay.example with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    assert result.bottleneck == 1
    assert result.held_at == "relay.example"


def test_previous_hop_without_by_falls_back_to_the_bottlenecks_from() -> None:
    result = analyze(
        message(
            "from relay.example by mx.example with ESMTP; Sun, 16 Dec 2018 18:00:00 +0000",
            "from laptop with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    assert result.bottleneck == 1
    assert result.held_at == "relay.example"


def test_bottleneck_without_from_falls_back_to_its_by() -> None:
    result = analyze(
        message(
            "by mx.example with ESMTP; Sun, 16 Dec 2018 18:00:00 +0000",
            "from laptop with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    assert result.bottleneck == 1
    assert result.held_at == "mx.example"


def test_no_host_named_anywhere_is_none() -> None:
    result = analyze(
        message(
            "with ESMTP; Sun, 16 Dec 2018 18:00:00 +0000",
            "with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    assert result.bottleneck == 1
    assert result.held_at is None


def test_undated_hop_in_between_is_the_previous_hop() -> None:
    # The delay runs from the last dated hop, but the hop just below the bottleneck handed it on.
    result = analyze(
        message(
            "from relay.example by mx.example with ESMTP; Sun, 16 Dec 2018 18:00:00 +0000",
            "from out.example by relay.example with ESMTP",
            "from laptop by out.example with ESMTPSA; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    assert result.bottleneck == 2
    assert result.held_at == "relay.example"


def test_no_bottleneck_means_no_host() -> None:
    single = analyze(message("from a.example by mx.example; Fri, 14 Dec 2018 18:00:02 +0000"))
    same_second = analyze(
        message(
            "from mx.example by store.example; Fri, 14 Dec 2018 18:00:02 +0000",
            "from a.example by mx.example; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    skewed = analyze(
        message(
            "from mx.example by store.example; Fri, 14 Dec 2018 17:59:00 +0000",
            "from a.example by mx.example; Fri, 14 Dec 2018 18:00:02 +0000",
        )
    )
    for result in (single, same_second, skewed, analyze(message())):
        assert (result.bottleneck, result.held_at) == (None, None)


def test_hand_built_analysis_with_a_bottleneck_out_of_range_is_none() -> None:
    hops = (Hop(from_="a.example", by="mx.example"),)
    assert Analysis(hops=hops, bottleneck=0).held_at == "a.example"
    assert Analysis(hops=hops, bottleneck=1).held_at is None
    assert Analysis(hops=hops, bottleneck=-1).held_at is None
    assert Analysis().held_at is None


def test_to_json_carries_held_at() -> None:
    assert analyze(HELD_AT_MX).to_json("m.eml")["held_at"] == "mx2.example"
    assert analyze(message()).to_json()["held_at"] is None


def test_cli_names_the_host_in_the_timeline_and_the_json(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(HELD_AT_MX)
    out = io.StringIO()
    assert main([str(path)], stdout=out) == 0
    [marked] = [line for line in out.getvalue().splitlines() if "held longest" in line]
    assert marked == (
        "  hop 3        2018-12-16 18:00:10 UTC        +2 d  "
        "mx2.example -> store.example with LMTP  <- held longest at mx2.example"
    )
    out = io.StringIO()
    assert main(["--json", str(path)], stdout=out) == 0
    record = json.loads(out.getvalue())
    assert (record["bottleneck"], record["held_at"]) == (2, "mx2.example")


def test_cli_marks_the_bottleneck_without_a_host_when_none_is_known(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(
        message(
            "with LMTP; Sun, 16 Dec 2018 18:00:10 +0000",
            "with ESMTP; Fri, 14 Dec 2018 18:00:08 +0000",
        )
    )
    out = io.StringIO()
    main([str(path)], stdout=out)
    [marked] = [line for line in out.getvalue().splitlines() if "held longest" in line]
    assert marked.endswith("? -> ? with LMTP  <- held longest")
