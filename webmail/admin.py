"""Admin commands: ``webmail-admin purge-user USER [--server HOST:PORT]`` (the console script
of an installed package), the same as ``python -m webmail.admin purge-user ...``.

``purge-user`` deletes every index row and folder state of one user (``Index.purge``) from
the index the ``WEBMAIL_*`` settings select (sqlite in ``WEBMAIL_INSTANCE_PATH``, or redis),
and prints how many rows went. The server defaults to ``WEBMAIL_IMAP_HOST:WEBMAIL_IMAP_PORT``
(the account key is derived from server and user). Exit status 0 on success, 2 on a usage or
configuration error (the message on stderr), e.g. when the index is off.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from webmail.config import ConfigError, Settings
from webmail.index import account_key, open_index

#: The console script's name (pyproject.toml: ``webmail-admin = "webmail.admin:main"``).
SCRIPT = "webmail-admin"


def _instance_dir(settings: Settings) -> Path:
    """The instance folder the app uses: ``WEBMAIL_INSTANCE_PATH`` or Flask's default, as
    create_app gets it: ``instance/`` in a checkout, ``PREFIX/var/webmail-instance`` when
    installed (``webmail-admin``)."""
    from flask import Flask

    return settings.instance_dir(Flask("webmail").instance_path)


def purge_user(settings: Settings, user: str, server: str | None = None) -> int:
    """Delete ``user``'s index rows on ``server`` ("host:port", default the configured
    server), under every variant of the name that reaches the same mailbox
    (``WEBMAIL_IMAP_USERNAME_CASE``, :meth:`Settings.account_name`); returns how many rows went.
    Raises ConfigError when the index is off."""
    if server is None:
        if not settings.imap_host:
            raise ConfigError("no --server given and WEBMAIL_IMAP_HOST is not set")
        server = f"{settings.imap_host}:{settings.imap_port}"
    index = open_index(settings, _instance_dir(settings))
    if index is None:
        raise ConfigError("the index is off (WEBMAIL_INDEX=off): nothing to purge")
    try:
        return index.purge(account_key(server, settings.account_name(user)))
    finally:
        index.close()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring): the ``webmail-admin`` console script and
    ``python -m webmail.admin``. ``argv`` defaults to ``sys.argv[1:]``; returns the exit status
    (a usage error exits with 2 from argparse)."""
    prog = SCRIPT if Path(sys.argv[0]).name == SCRIPT else "python -m webmail.admin"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    purge = commands.add_parser("purge-user", help="delete one user's rows from the index")
    purge.add_argument("user")
    purge.add_argument("--server", help="HOST:PORT of the IMAP server (default: configured)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        removed = purge_user(settings, args.user, args.server)
    except ConfigError as exc:
        print(f"webmail.admin: {exc}", file=sys.stderr)
        return 2
    print(f"purged {removed} index rows of {args.user}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
