"""A Dovecot of a test's own with users of given names and passwords (``josé@bücher.example``
with ``pässwort-ü``, ``reader@example.org`` ...), beside the pre-made ``user<N>`` ones.

The names go into the passwd-file before the server starts: users appended to a running
server's passwd-file were not always seen at once (see ``Dovecot.__init__``). Dovecot refuses
non-ASCII names unless ``auth_username_chars`` is emptied (:data:`ANY_USERNAME`).
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.support.imapserver import Dovecot, MailUser

#: Dovecot's default ``auth_username_chars`` allows ASCII letters, digits and ``.-_@`` only.
ANY_USERNAME = "auth_username_chars ="


def start_dovecot_with_users(
    named: Mapping[str, str], extra_config: str = "", users: int = 10
) -> tuple[Dovecot, dict[str, MailUser]]:
    """A started Dovecot whose passwd-file also holds ``named`` (name -> password), and those
    users by name. Raises DovecotError when Dovecot cannot run (its directory is removed)."""
    server = Dovecot(users=users, extra_config=extra_config)
    try:
        with server.passwd.open("a", encoding="utf-8") as passwd:
            for name, password in named.items():
                if any(c in name + password for c in ":\n"):
                    raise ValueError(f"a passwd-file field cannot hold ':' or a newline: {name!r}")
                passwd.write(f"{name}:{{PLAIN}}{password}::::::\n")
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server, {name: MailUser(name, password) for name, password in named.items()}
