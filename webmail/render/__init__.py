"""A parsed message -> what the read view and its sandboxed frame show. Pure: no Flask, no IMAP.

- :mod:`~webmail.render.reading`: one message as the read view shows it (body, remote-content
  decision, listed attachments, warnings).
- :mod:`~webmail.render.sanitize` (with :mod:`~webmail.render.htmlparse` and
  :mod:`~webmail.render.css`): hostile HTML and CSS made inert (bleach, html5lib, tinycss2).
- :mod:`~webmail.render.plaintext`: a text body as escaped HTML with links and quotes.
- :mod:`~webmail.render.download`: headers that make a part download, never render.
"""
