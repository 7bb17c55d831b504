"""WSGI entry point: ``flask --app app run`` or ``gunicorn app:app``.

A configuration error stops start-up with its message and no traceback.
"""

import sys

from webmail import create_app
from webmail.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    print(f"webmail: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
