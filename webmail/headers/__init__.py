"""When was a message really sent? Header analysis as a pure library.

This package cannot do any I/O, nor import Flask, IMAP or network code: it takes header
text and returns values (only the command line, ``cli.py`` and ``mailfiles.py``, reads
files: messages, mbox files, Maildir folders). Nothing in it
raises on bad input; what it cannot read is ``None`` plus a readable warning. Work is
linear in the input and bounded by named caps (``MAX_HEADER_BYTES``, ``MAX_HOPS`` ...).

    >>> from webmail.headers import analyze
    >>> a = analyze(raw_bytes, arrival=internaldate)
    >>> a.sent, a.delivered, a.delay_seconds, a.delayed, a.bottleneck_hop, a.held_at

The policy (what ``sent``, ``delivered`` and ``delayed`` mean) is in
:mod:`webmail.headers.policy`; ``Analysis.to_json()`` gives the CLI's JSON schema. Late mail
held at one host at one time groups into delivery incidents in :mod:`webmail.headers.incidents`
(``hold_of(analysis)`` for each late message, then ``group_incidents(holds, threshold)``).
"""

from webmail.headers.dates import parse_date
from webmail.headers.incidents import Hold, Incident, group_incidents, hold_of
from webmail.headers.model import Analysis, Hop, ParsedDate
from webmail.headers.policy import analyze
from webmail.headers.received import parse_received

__all__ = [
    "Analysis", "Hold", "Hop", "Incident", "ParsedDate", "analyze", "group_incidents", "hold_of",
    "parse_date", "parse_received",
]
