"""Command line: ``python -m webmail.headers [--json] [--arrival ISO] [--threshold-minutes N] PATH...``

The I/O edge of the library: it reads files (directories recursively, in sorted order)
and prints a readable timeline per message, or with ``--json`` one JSON object per
message per line in the schema of ``Analysis.to_json``. A file that cannot be read gets
its own line with a warning and the run goes on (exit status 1 at the end). A closed
pipe (``| head``) ends the run quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO

from webmail.headers.fields import MAX_HEADER_BYTES
from webmail.headers.model import Analysis
from webmail.headers.policy import analyze, format_duration

_SOURCES = {
    "date": "the Date header",
    "received": "the Received chain",
    "dkim": "the DKIM signature time",
    "arrival": "the arrival time",
}


def _arrival(text: str) -> datetime:
    """``--arrival``: ISO 8601; a naive value is UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of minutes >= 0: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and the tests)."""
    parser = argparse.ArgumentParser(
        prog="python -m webmail.headers",
        description="Show when each message was really sent, when it arrived, and where it was held.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="message files or directories (recursive)")
    parser.add_argument("--json", action="store_true", help="one JSON object per message per line")
    parser.add_argument("--arrival", type=_arrival, metavar="ISO", help="arrival time (IMAP INTERNALDATE)")
    parser.add_argument(
        "--threshold-minutes",
        type=_minutes,
        default=60.0,
        metavar="N",
        help="a message is late when its delay exceeds N minutes (default 60)",
    )
    return parser


def iter_files(paths: Sequence[str]) -> Iterator[str]:
    """Each path; directories expand to the files below them, sorted, recursively."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    yield os.path.join(root, name)
        else:
            yield path


def read_head(path: str) -> bytes:
    """The first bytes of a file: enough for any header block the library reads."""
    with open(path, "rb") as handle:
        return handle.read(MAX_HEADER_BYTES + 4)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (0, or 1 when a file was unreadable)."""
    args = build_parser().parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    threshold = timedelta(minutes=args.threshold_minutes)
    status = 0
    try:
        for path in iter_files(args.paths):
            try:
                data = read_head(path)
            except OSError as exc:
                status = 1
                result = Analysis(warnings=(f"cannot read file: {exc.strerror or exc}",))
            else:
                result = analyze(data, arrival=args.arrival, threshold=threshold)
            if args.json:
                out.write(json.dumps(result.to_json(path)) + "\n")
            else:
                out.write(format_timeline(path, result, threshold))
        out.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Lib/json/tool.py does.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1
    return status


def _when(value: datetime | None) -> str:
    if value is None:
        return "unknown"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _delay(seconds: int | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else "+"
    return sign + format_duration(timedelta(seconds=abs(seconds)))


def format_timeline(path: str, result: Analysis, threshold: timedelta) -> str:
    """The readable report of one message: sent, each hop with its delay, delivered, verdict."""
    lines = [path]
    if result.date_header is not None:
        lines.append(f"  Date header  {result.date_header.strftime('%Y-%m-%d %H:%M:%S %z')}")
    else:
        lines.append("  Date header  none readable")
    if result.dkim_time is not None:
        lines.append(f"  DKIM t=      {_when(result.dkim_time)}  (the signer's clock)")
    source = _SOURCES.get(result.sent_source or "", "nothing")
    lines.append(f"  sent         {_when(result.sent)}  (from {source})")
    marker = "  <- held longest" + (f" at {result.held_at}" if result.held_at else "")
    for index, hop in enumerate(result.hops):
        route = f"{hop.from_ or '?'} -> {hop.by or '?'}"
        if hop.with_:
            route += f" with {hop.with_}"
        held = marker if index == result.bottleneck else ""
        delay = _delay(hop.delay_seconds)
        lines.append(f"  hop {index:<8} {_when(hop.time)}  {delay:>10}  {route}{held}")
    source = _SOURCES.get(result.delivered_source or "", "nothing")
    lines.append(f"  delivered    {_when(result.delivered)}  (from {source})")
    limit = format_duration(threshold)
    if result.delay_seconds is None:
        verdict = "unknown: not enough dates"
    elif result.delayed:
        late = format_duration(timedelta(seconds=result.delay_seconds))
        verdict = f"LATE: delivered {late} after it was sent (limit {limit})"
    else:
        verdict = f"on time: {_delay(result.delay_seconds)} (limit {limit})"
    lines.append(f"  verdict      {verdict}")
    lines.extend(f"  warning: {warning}" for warning in result.warnings)
    return "\n".join(lines) + "\n\n"
