"""When was a message really sent? Header analysis as a pure library.

This package cannot do any I/O, nor import Flask, IMAP or network code: it takes header
text and returns values. Nothing in it raises on bad input; what it cannot read is
``None`` plus a readable warning.

    >>> from webmail.headers import analyze
    >>> a = analyze(raw_bytes, arrival=internaldate)
    >>> a.sent, a.delivered, a.delay_seconds, a.delayed, a.bottleneck_hop
"""

from webmail.headers.model import Analysis, Hop, ParsedDate

__all__ = ["Analysis", "Hop", "ParsedDate", "analyze", "parse_date", "parse_received"]

# analyze, parse_date and parse_received are imported here once their modules exist:
#   from webmail.headers.dates import parse_date
#   from webmail.headers.received import parse_received
#   from webmail.headers.policy import analyze
