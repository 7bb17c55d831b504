"""Writing mail, pure: what a person typed -> a checked :class:`Letter` -> the RFC 5322 bytes
we send; and the forms a reply, a reply to all, a forward or a resumed draft start from.

The rule, as for ``webmail.message`` and ``webmail.render``: no I/O, no Flask, no IMAP, no SMTP,
no database. Every function takes values and returns values; the time and the reader's zone
come in as arguments, so a test can pin them. Bad input never raises: it is a
:class:`Problem` naming the field, for the form to show (``webmail.views.compose``).

- :mod:`~webmail.compose.addresses`: recipient fields -> :class:`Recipient` (email-validator,
  IDN domains to ASCII), line breaks refused.
- :mod:`~webmail.compose.letter`: :func:`check_letter`, :func:`write_message` (the
  ``EmailMessage`` with the SMTP policy: Date with the writer's own offset, Message-ID on the
  sender's domain, In-Reply-To/References, RFC 2231 file names, encoded words; Bcc never in
  the transmitted bytes).
- :mod:`~webmail.compose.replies`: :func:`reply_prefill`, :func:`forward_prefill`,
  :func:`draft_prefill` (one "Re: ", the attribution line with the original's true sent time).
- :mod:`~webmail.compose.quote`: HTML -> plain text for quoting, ``> `` quoting.
"""

from __future__ import annotations

from webmail.compose.addresses import (
    Problem,
    Recipient,
    format_recipients,
    has_line_break,
    parse_recipients,
    recipient_of,
)
from webmail.compose.letter import (
    Attachment,
    Fields,
    Letter,
    Threading,
    Written,
    check_letter,
    clean_content_type,
    clean_filename,
    new_message_id,
    write_message,
)
from webmail.compose.replies import (
    ANSWERED,
    FORWARDED,
    DraftInfo,
    Prefill,
    draft_prefill,
    forward_prefill,
    forward_subject,
    reply_prefill,
    reply_subject,
)

__all__ = [
    "ANSWERED",
    "FORWARDED",
    "Attachment",
    "DraftInfo",
    "Fields",
    "Letter",
    "Prefill",
    "Problem",
    "Recipient",
    "Threading",
    "Written",
    "check_letter",
    "clean_content_type",
    "clean_filename",
    "draft_prefill",
    "format_recipients",
    "forward_prefill",
    "forward_subject",
    "has_line_break",
    "new_message_id",
    "parse_recipients",
    "recipient_of",
    "reply_prefill",
    "reply_subject",
    "write_message",
]
