"""When was a message really sent? Header analysis as a pure library.

This package cannot do any I/O, nor import Flask, IMAP or network code: it takes header
text and returns values (only ``cli.py``, the command line, reads files). Nothing in it
raises on bad input; what it cannot read is ``None`` plus a readable warning. Work is
linear in the input and bounded by named caps (``MAX_HEADER_BYTES``, ``MAX_HOPS`` ...).

    >>> from webmail.headers import analyze
    >>> a = analyze(raw_bytes, arrival=internaldate)
    >>> a.sent, a.delivered, a.delay_seconds, a.delayed, a.bottleneck_hop, a.held_at

The policy (what ``sent``, ``delivered`` and ``delayed`` mean) is in
:mod:`webmail.headers.policy`; ``Analysis.to_json()`` gives the CLI's JSON schema.
"""

from webmail.headers.dates import parse_date
from webmail.headers.model import Analysis, Hop, ParsedDate
from webmail.headers.policy import analyze
from webmail.headers.received import parse_received

__all__ = ["Analysis", "Hop", "ParsedDate", "analyze", "parse_date", "parse_received"]
