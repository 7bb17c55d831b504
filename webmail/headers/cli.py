"""Command line: ``python -m webmail.headers [--json] [--incidents] [--arrival ISO]
[--threshold-minutes N] PATH...``

The I/O edge of the library, with :mod:`webmail.headers.mailfiles`: it reads message files,
mbox files and Maildir folders (other directories recursively, in sorted order; see
:func:`webmail.headers.mailfiles.iter_messages`) and prints a readable timeline per message,
or with ``--json`` one JSON object per message per line in the schema of
``Analysis.to_json`` (plus ``"index"``, the message's position in its mbox file, from 0).
With ``--incidents`` it prints instead the delivery incidents of everything it read
(:mod:`webmail.headers.incidents`): a table, or with ``--json`` one line holding a JSON
array of incidents in the shape of ``/api/delays``' ``incidents``, newest first. Messages
stream through one at a time: memory is one header block plus, with ``--incidents``, one
small hold per late message.

A file that cannot be read gets its own line with a warning (with ``--incidents``, a line on
stderr) and the run goes on (exit status 1 at the end). A closed pipe (``| head``) ends the
run quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TextIO

from webmail.headers.incidents import Hold, Incident, group_incidents, hold_of
from webmail.headers.mailfiles import MessageFile, iter_messages
from webmail.headers.model import Analysis, iso_utc
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
        description=(
            "Show when each message was really sent, when it arrived, and where it was held."
        ),
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH",
        help="message files, mbox files, Maildir folders or directories (recursive)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per message per line")
    parser.add_argument(
        "--incidents", action="store_true",
        help="print the delivery incidents of all the mail read instead of each message",
    )
    parser.add_argument(
        "--arrival", type=_arrival, metavar="ISO", help="arrival time (IMAP INTERNALDATE)"
    )
    parser.add_argument(
        "--threshold-minutes",
        type=_minutes,
        default=60.0,
        metavar="N",
        help="a message is late when its delay exceeds N minutes (default 60)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status (0, or 1 when a file was unreadable)."""
    args = build_parser().parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    threshold = timedelta(minutes=args.threshold_minutes)
    status = 0
    holds: list[Hold] = []
    read = late = 0
    try:
        for item in iter_messages(args.paths):
            result = _analysis(item, args.arrival, threshold)
            if item.error is not None:
                status = 1
            if args.incidents:
                if item.error is not None:
                    err.write(f"{_label(item)}: cannot read file: {item.error}\n")
                    continue
                read += 1
                late += result.delayed
                hold = hold_of(result)
                if hold is not None:
                    holds.append(hold)
            elif args.json:
                out.write(json_line(item, result))
            else:
                out.write(format_timeline(_label(item), result, threshold))
        if args.incidents:
            incidents = group_incidents(holds, threshold)
            if args.json:
                out.write(json.dumps([i.to_json() for i in incidents]) + "\n")
            else:
                out.write(format_incidents(incidents, read, late, threshold))
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


def _analysis(item: MessageFile, arrival: datetime | None, threshold: timedelta) -> Analysis:
    if item.error is not None:
        return Analysis(warnings=(f"cannot read file: {item.error}",))
    return analyze(item.head, arrival=arrival, threshold=threshold)


def _label(item: MessageFile) -> str:
    """How the timeline names a message: its path, with ``[n]`` for the n-th of an mbox."""
    return item.path if item.index is None else f"{item.path}[{item.index}]"


def _record(item: MessageFile, result: Analysis) -> dict[str, object]:
    """The JSON line of one message: ``Analysis.to_json`` with ``index`` after ``path`` for
    a message of an mbox file."""
    record = result.to_json(item.path)
    if item.index is None:
        return record
    return {"path": item.path, "index": item.index, **record}


def json_line(item: MessageFile, result: Analysis) -> str:
    """``json.dumps(_record(item, result)) + "\\n"``, the same text built directly: the
    record's keys and types are known, so only its strings go through the JSON encoder's own
    escaping (``encode_basestring_ascii``)."""
    text = _json_text
    stamp = _json_stamp
    enc = _encode_text
    hops = ", ".join([
        f'{{"from": {"null" if h.from_ is None else enc(h.from_)}, '
        f'"by": {"null" if h.by is None else enc(h.by)}, '
        f'"with": {"null" if h.with_ is None else enc(h.with_)}, '
        f'"id": {"null" if h.id is None else enc(h.id)}, '
        f'"for": {"null" if h.for_ is None else enc(h.for_)}, "time": {stamp(h.time)}, '
        f'"delay_seconds": {"null" if h.delay_seconds is None else int.__repr__(h.delay_seconds)}, '
        f'"via": {"null" if h.via is None else enc(h.via)}}}'
        for h in result.hops
    ])  # fmt: skip
    warnings = ", ".join([_encode_text(w) for w in result.warnings])
    index = "" if item.index is None else f'"index": {int.__repr__(item.index)}, '
    date_header = "null" if result.date_header is None else enc(result.date_header.isoformat())
    return (
        f'{{"path": {text(item.path)}, {index}'
        f'"date_header": {date_header}, '
        f'"sent": {stamp(result.sent)}, "sent_source": {text(result.sent_source)}, '
        f'"delivered": {stamp(result.delivered)}, '
        f'"delivered_source": {text(result.delivered_source)}, '
        f'"delay_seconds": {_json_int(result.delay_seconds)}, '
        f'"delayed": {"true" if result.delayed else "false"}, "hops": [{hops}], '
        f'"warnings": [{warnings}], "bottleneck": {_json_int(result.bottleneck)}, '
        f'"dkim_time": {stamp(result.dkim_time)}, "held_at": {text(result.held_at)}}}\n'
    )  # fmt: skip


_encode_text = json.encoder.encode_basestring_ascii


def _json_text(value: str | None) -> str:
    return "null" if value is None else _encode_text(value)


def _json_int(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


def _json_stamp(value: datetime | None) -> str:
    """``iso_utc(value)`` as JSON (digits, "-", ":", "T" and "Z": nothing to escape)."""
    if value is None:
        return "null"
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)  # +0000 dates are in UTC
    if utc.year >= 1000:  # as iso_utc, one call fewer
        return f'"{utc.isoformat()[:19]}Z"'
    return f'"{iso_utc(value)}"'


def format_incidents(
    incidents: Sequence[Incident], read: int, late: int, threshold: timedelta
) -> str:
    """The readable list of incidents, newest first, under a line of totals."""
    limit = format_duration(threshold)
    noun = "incident" if len(incidents) == 1 else "incidents"
    lines = [f"{len(incidents)} {noun} in {read:,} messages ({late:,} late, limit {limit})"]
    for i in incidents:
        longest = format_duration(timedelta(seconds=i.max_delay_seconds))
        median = format_duration(timedelta(seconds=i.median_delay_seconds))
        messages = "message" if i.count == 1 else "messages"
        lines.append(
            f"  {i.host}  {_when(i.start)} -> {_when(i.end)}  {i.count:,} {messages}"
            f"  longest {longest}, median {median}"
        )
        lines.append(f"    search: {i.query}")
    return "\n".join(lines) + "\n"


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
        lines.append(f"  hop {index + 1:<8} {_when(hop.time)}  {delay:>10}  {route}{held}")
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
