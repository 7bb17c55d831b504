"""One message's bytes -> text and structure. Pure: no Flask, no IMAP, no database, no I/O.

- :mod:`~webmail.message.text`: THE charset and encoded-word decoder (bodies, header values,
  MIME parameters); nothing else in the webmail decodes a header.
- :mod:`~webmail.message.summary`: THE list-row builder,
  :func:`~webmail.message.summary.summarize`, the only place list rows call
  ``webmail.headers.analyze``.
- :mod:`~webmail.message.structure`: THE attachment rule (the list's paperclip).
- :mod:`~webmail.message.parse` (with :mod:`~webmail.message.parts` and
  :mod:`~webmail.message.model`): the MIME walk the read view uses;
  :mod:`~webmail.message.transfer`: transfer decoding of a part slice by slice, for streamed
  downloads.
"""
