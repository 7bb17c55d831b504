"""``extract_parts`` (several parts of a message with one parse, for the frame's ``cid:``
images) answers what ``extract_part`` answers for each section, on every message of the test
data and a generated newsletter, for sections that exist, do not, are multiparts or are
malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.newsletter import newsletter
from webmail.message.parse import extract_part, extract_parts

DATA = Path(__file__).resolve().parents[1] / "data"
MESSAGES = sorted((DATA / "safe").glob("*.eml")) + sorted((DATA / "hostile").glob("*.eml"))
SECTIONS = [
    "1", "2", "3", "4", "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "1.2.1", "1.2.2", "1.2.3",
    "1.1.1", "9", "0", "1.0", "x", "", "2.",
]


@pytest.mark.parametrize("raw", [p.read_bytes() for p in MESSAGES] + [newsletter(100_000)],
                         ids=[p.stem for p in MESSAGES] + ["newsletter"])
def test_several_parts_in_one_parse_are_each_what_one_part_alone_gives(raw: bytes) -> None:
    one_by_one = {s: extract_part(raw, s) for s in SECTIONS}
    together = extract_parts(raw, SECTIONS)
    assert together == {s: part for s, part in one_by_one.items() if part is not None}
    assert any(part is not None for part in one_by_one.values())


def test_no_sections_or_unreadable_bytes_give_nothing_and_never_raise() -> None:
    assert extract_parts(b"", []) == {}
    assert extract_parts(b"\xff\x00garbage", ["1", "2"]) == {
        s: p for s in ("1", "2") if (p := extract_part(b"\xff\x00garbage", s)) is not None
    }
