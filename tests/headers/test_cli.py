"""``python -m webmail.headers``: JSON lines, the readable timeline, directories, bad files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from webmail.headers.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
MESSAGE = (
    b"Received: from mx.example by mbox.example with LMTP id 2; Sun, 16 Dec 2018 10:00:09 +0000\r\n"
    b"Received: from a.example by mx.example with ESMTP id 1; Fri, 14 Dec 2018 10:00:05 +0000\r\n"
    b"Date: Fri, 14 Dec 2018 11:00:00 +0100\r\n\r\nbody\r\n"
)


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    status = main(argv, stdout=out)
    return status, out.getvalue()


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.eml").write_bytes(MESSAGE)
    (tmp_path / "1.eml").write_bytes(MESSAGE)
    return tmp_path


def test_json_line_has_the_exact_schema(mail_dir: Path) -> None:
    status, out = run(["--json", str(mail_dir / "1.eml")])
    assert status == 0
    record = json.loads(out)
    assert {
        k: record[k]
        for k in (
            "path",
            "date_header",
            "sent",
            "sent_source",
            "delivered",
            "delivered_source",
            "delay_seconds",
            "delayed",
        )
    } == {
        "path": str(mail_dir / "1.eml"),
        "date_header": "2018-12-14T11:00:00+01:00",
        "sent": "2018-12-14T10:00:00Z",
        "sent_source": "date",
        "delivered": "2018-12-16T10:00:09Z",
        "delivered_source": "received",
        "delay_seconds": 2 * 86400 + 9,
        "delayed": True,
    }
    assert record["hops"][1] == {
        "from": "mx.example", "by": "mbox.example", "with": "LMTP", "id": "2", "for": None,
        "time": "2018-12-16T10:00:09Z", "delay_seconds": 2 * 86400 + 4, "via": None,
    }  # fmt: skip
    assert record["warnings"] == []


def test_directories_are_walked_recursively_in_sorted_order(mail_dir: Path) -> None:
    _, out = run(["--json", str(mail_dir)])
    assert [json.loads(line)["path"] for line in out.splitlines()] == [
        str(mail_dir / "1.eml"),
        str(mail_dir / "b" / "2.eml"),
    ]


def test_arrival_and_threshold_options(mail_dir: Path) -> None:
    _, out = run(
        [
            "--json",
            "--arrival",
            "2018-12-14T10:30:00Z",
            "--threshold-minutes",
            "20",
            str(mail_dir / "1.eml"),
        ]
    )
    record = json.loads(out)
    assert (record["delivered"], record["delivered_source"], record["delay_seconds"], record["delayed"]) == (
        "2018-12-14T10:30:00Z", "arrival", 1800, True,
    )  # fmt: skip
    _, out = run(
        [
            "--json",
            "--arrival",
            "2018-12-14T10:30:00+00:00",
            "--threshold-minutes",
            "31",
            str(mail_dir / "1.eml"),
        ]
    )
    assert json.loads(out)["delayed"] is False


def test_unreadable_file_gets_its_own_line_and_the_run_goes_on(mail_dir: Path) -> None:
    status, out = run(["--json", str(mail_dir / "missing.eml"), str(mail_dir / "1.eml")])
    first, second = (json.loads(line) for line in out.splitlines())
    assert status == 1
    assert (first["path"], first["sent"], first["hops"]) == (
        str(mail_dir / "missing.eml"),
        None,
        [],
    )
    assert first["warnings"] == ["cannot read file: No such file or directory"]
    assert second["sent_source"] == "date"


def test_readable_timeline_names_sent_hops_delivered_and_verdict(mail_dir: Path) -> None:
    _, out = run([str(mail_dir / "1.eml")])
    assert out.splitlines() == [
        str(mail_dir / "1.eml"),
        "  Date header  2018-12-14 11:00:00 +0100",
        "  sent         2018-12-14 10:00:00 UTC  (from the Date header)",
        "  hop 1        2018-12-14 10:00:05 UTC              a.example -> mx.example with ESMTP",
        "  hop 2        2018-12-16 10:00:09 UTC        +2 d  mx.example -> mbox.example with LMTP  <- held longest at mx.example",
        "  delivered    2018-12-16 10:00:09 UTC  (from the Received chain)",
        "  verdict      LATE: delivered 2 d after it was sent (limit 1 h)",
        "",
    ]


def test_bad_arrival_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--arrival", "yesterday", "x"], stdout=io.StringIO())
    assert exit_info.value.code == 2


def test_broken_pipe_ends_quietly(mail_dir: Path) -> None:
    for index in range(200):
        (mail_dir / f"m{index:03}.eml").write_bytes(MESSAGE)
    proc = subprocess.run(
        f"{sys.executable} -m webmail.headers --json {mail_dir} | head -n 1",
        shell=True, cwd=REPO_ROOT, capture_output=True, timeout=60,
    )  # fmt: skip
    assert proc.stdout.count(b"\n") == 1
    assert b"Traceback" not in proc.stderr


def test_module_entry_point_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "webmail.headers", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: python -m webmail.headers")
