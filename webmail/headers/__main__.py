"""``python -m webmail.headers``: see :mod:`webmail.headers.cli`."""
from webmail.headers.cli import main

raise SystemExit(main())
