"""Settings read once from ``WEBMAIL_*`` environment variables, with safe defaults.

``Settings.from_env(os.environ)`` parses and checks every value and reports every bad
value at once in a single :class:`ConfigError`.
"""

from __future__ import annotations

import ipaddress
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

SECURITY_MODES = ("ssl", "starttls", "plain")
INDEX_BACKENDS = ("off", "sqlite", "redis")
SESSION_BACKENDS = ("sqlite", "redis")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "plain": 143}
SMTP_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "plain": 25}
SMTP_AUTH_MODES = ("login", "none")


class ConfigError(ValueError):
    """One or more configuration values are wrong; the message lists them all."""


def is_loopback(host: str) -> bool:
    """True when ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redis_problems(index_backend: str, session_backend: str, redis_url: str | None) -> list[str]:
    """What is wrong with the Redis settings: a URL is required when either backend is
    ``redis`` and must start with ``redis://``, ``rediss://`` or ``unix://``."""
    uses = [name for name, value in (("INDEX", index_backend), ("SESSION_BACKEND", session_backend))
            if value == "redis"]
    if redis_url is None:
        return [f"WEBMAIL_{name}=redis needs WEBMAIL_REDIS_URL" for name in uses]
    if not redis_url.lower().startswith(REDIS_SCHEMES):
        return [f"WEBMAIL_REDIS_URL must start with {', '.join(REDIS_SCHEMES)}"]
    return []


#: ``WEBMAIL_IMAP_USERNAME_CASE``: does the IMAP server tell ``Reader@`` from ``reader@``?
USERNAME_CASES = ("sensitive", "insensitive")


def account_name(username: str, username_case: str = "sensitive") -> str:
    """The one name of the mailbox ``username`` signs in to, under which this app keeps its
    index rows, preferences and login counters: trimmed and NFC-normalised, the domain (after
    the last ``@``) always lower-cased and in Unicode (``Bücher.EXAMPLE`` and
    ``xn--bcher-kva.example`` are ``bücher.example``: DNS names ignore case), the part before
    it lower-cased too when ``username_case`` is ``insensitive`` (servers that fold it, as
    Dovecot with ``auth_username_format = %Lu``, Exchange or Gmail), else kept as typed (as
    Dovecot's passwd-file compares it, so two mailboxes never share one name)."""
    name = unicodedata.normalize("NFC", username.strip())
    local, at, domain = name.rpartition("@")
    if not at:
        local, domain = name, ""
    labels = []
    for label in domain.lower().split("."):
        if label.startswith("xn--"):
            try:
                label = unicodedata.normalize("NFC", label[4:].encode("ascii").decode("punycode"))
            except UnicodeError:
                pass  # not punycode after all: kept as it is
        labels.append(label)
    if username_case == "insensitive":
        local = local.lower()
    return f"{local}@{'.'.join(labels)}" if at else local


@dataclass(frozen=True)
class Settings:
    """The whole configuration of one app instance.

    :ivar imap_host: IMAP server; ``None`` serves the bundled demo mailbox.
    :ivar imap_port: IMAP port (993 for ssl, 143 otherwise, by default).
    :ivar imap_security: ``ssl``, ``starttls`` or ``plain`` (plain only for loopback).
    :ivar imap_connect_timeout: seconds to wait for the TCP/TLS connection.
    :ivar imap_timeout: seconds to wait for any one IMAP response.
    :ivar request_deadline: seconds one request may wait for the mail server in all (a server
        that drips its answer byte by byte never trips ``imap_timeout``); then the reader gets
        "The mail server took too long to answer" (504).
    :ivar imap_tls_verify: verify the server's certificate (on by default).
    :ivar imap_username_case: ``sensitive`` (default) or ``insensitive``: whether the server
        tells ``Reader@example.org`` from ``reader@example.org`` (see :func:`account_name`).
    :ivar secret_key: signs the session id cookie and encrypts stored passwords.
    :ivar late_threshold_minutes: a message delivered later than this after it was sent is late.
    :ivar page_size: messages per list page.
    :ivar instance_path: folder for local state (sessions, index).
    :ivar session_idle_minutes: a session unused this long expires.
    :ivar session_max_hours: a session this old expires however busy it is (sign in again).
    :ivar behind_proxy: trust one reverse proxy's X-Forwarded-* headers (ProxyFix).
    :ivar secure_cookies: send cookies with ``Secure`` (on when behind a proxy, by default).
    :ivar index_backend: the list index (``WEBMAIL_INDEX``): ``sqlite`` (default, in the
        instance folder), ``off`` (every list straight from IMAP) or ``redis``.
    :ivar session_backend: where sessions live (``WEBMAIL_SESSION_BACKEND``): ``sqlite``
        (default, in the instance folder) or ``redis`` (shared by several app instances).
    :ivar redis_url: the Redis server (``WEBMAIL_REDIS_URL``, ``redis://``, ``rediss://`` or
        ``unix://``); required when either backend is ``redis``.
    :ivar smtp_host: the SMTP submission server; ``None``: sending is off (the demo mailbox
        still "sends", into its own folders).
    :ivar smtp_port: its port (587 for starttls, 465 for ssl, 25 for plain, by default).
    :ivar smtp_security: ``starttls`` (default), ``ssl`` or ``plain`` (loopback only).
    :ivar smtp_tls_verify: verify the SMTP server's certificate (on by default).
    :ivar smtp_auth: ``login`` (the signed-in user's IMAP credentials) or ``none`` (a relay
        that trusts this machine).
    :ivar smtp_timeout: seconds to wait for the SMTP connection and for each answer.
    :ivar max_message_mb: the largest message we send, attachments included, in MiB.
    :ivar mail_domain: the domain that makes a login name without ``@`` an address
        (``user1`` -> ``user1@<mail_domain>``); ``None``: the login name must be the address.
    :ivar warnings: notes for the admin (e.g. plain IMAP to a remote host).
    """

    imap_host: str | None = None
    imap_port: int = 993
    imap_security: str = "ssl"
    imap_connect_timeout: float = 10.0
    imap_timeout: float = 30.0
    request_deadline: float = 60.0
    imap_tls_verify: bool = True
    imap_username_case: str = "sensitive"
    secret_key: str | None = field(default=None, repr=False)  # never in a log line
    late_threshold_minutes: int = 60
    page_size: int = 50
    instance_path: str | None = None
    session_idle_minutes: int = 120
    session_max_hours: int = 24
    behind_proxy: bool = False
    secure_cookies: bool = False
    index_backend: str = "sqlite"
    session_backend: str = "sqlite"
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_tls_verify: bool = True
    smtp_auth: str = "login"
    smtp_timeout: float = 30.0
    max_message_mb: int = 25
    mail_domain: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def demo(self) -> bool:
        """True when no IMAP server is configured: the app serves the demo mailbox."""
        return not self.imap_host

    def account_name(self, username: str) -> str:
        """``username`` as this app keys the mailbox (:func:`account_name` with
        ``imap_username_case``): every variant that reaches one mailbox gives one name."""
        return account_name(username, self.imap_username_case)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read the ``WEBMAIL_*`` variables; raise :class:`ConfigError` listing every bad one."""
        errors: list[str] = []
        warnings: list[str] = []

        def get(name: str) -> str | None:
            value = env.get("WEBMAIL_" + name)
            return value.strip() if value is not None and value.strip() else None

        def number(name: str, default: Any, kind: type, low: float) -> Any:
            text = get(name)
            if text is None:
                return default
            try:
                value = kind(text)
            except ValueError:
                errors.append(f"WEBMAIL_{name}={text!r} is not a number")
                return default
            if value < low:
                errors.append(f"WEBMAIL_{name}={text!r} must be at least {low}")
                return default
            return value

        def flag(name: str, default: bool) -> bool:
            text = get(name)
            if text is None:
                return default
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            errors.append(f"WEBMAIL_{name}={text!r} must be true or false")
            return default

        host = get("IMAP_HOST")
        security = (get("IMAP_SECURITY") or "ssl").lower()
        if security not in SECURITY_MODES:
            errors.append(
                f"WEBMAIL_IMAP_SECURITY={security!r} must be one of {', '.join(SECURITY_MODES)}"
            )
            security = "ssl"
        if host and security == "plain" and not is_loopback(host):
            warnings.append(
                f"WEBMAIL_IMAP_SECURITY=plain sends passwords unencrypted to {host}; "
                "use ssl or starttls for any server that is not on this machine"
            )
        port = number("IMAP_PORT", DEFAULT_PORTS[security], int, 1)
        if port > 65535:
            errors.append(f"WEBMAIL_IMAP_PORT={port} is not a port number")
        username_case = (get("IMAP_USERNAME_CASE") or "sensitive").lower()
        if username_case not in USERNAME_CASES:
            errors.append(
                f"WEBMAIL_IMAP_USERNAME_CASE={username_case!r} must be one of "
                f"{', '.join(USERNAME_CASES)}"
            )
            username_case = "sensitive"
        secret = get("SECRET_KEY")
        if host and not secret:
            errors.append(
                "WEBMAIL_SECRET_KEY is required when WEBMAIL_IMAP_HOST is set "
                '(generate one with: python -c "import secrets; print(secrets.token_hex(32))")'
            )
        behind_proxy = flag("BEHIND_PROXY", False)
        index_backend = (get("INDEX") or "sqlite").lower()
        if index_backend not in INDEX_BACKENDS:
            errors.append(
                f"WEBMAIL_INDEX={index_backend!r} must be one of {', '.join(INDEX_BACKENDS)}"
            )
            index_backend = "sqlite"
        session_backend = (get("SESSION_BACKEND") or "sqlite").lower()
        if session_backend not in SESSION_BACKENDS:
            errors.append(
                f"WEBMAIL_SESSION_BACKEND={session_backend!r} must be one of "
                f"{', '.join(SESSION_BACKENDS)}"
            )
            session_backend = "sqlite"
        redis_url = get("REDIS_URL")
        errors.extend(redis_problems(index_backend, session_backend, redis_url))
        smtp = _smtp_settings(get, number, flag, errors, warnings)
        settings = cls(
            imap_host=host,
            imap_port=port,
            imap_security=security,
            imap_connect_timeout=number("IMAP_CONNECT_TIMEOUT", 10.0, float, 0.1),
            imap_timeout=number("IMAP_TIMEOUT", 30.0, float, 0.1),
            request_deadline=number("REQUEST_DEADLINE", 60.0, float, 1.0),
            imap_tls_verify=flag("IMAP_TLS_VERIFY", True),
            imap_username_case=username_case,
            secret_key=secret,
            late_threshold_minutes=number("LATE_THRESHOLD_MINUTES", 60, int, 1),
            page_size=min(number("PAGE_SIZE", 50, int, 1), 500),
            instance_path=get("INSTANCE_PATH"),
            session_idle_minutes=number("SESSION_IDLE_MINUTES", 120, int, 1),
            session_max_hours=number("SESSION_MAX_HOURS", 24, int, 1),
            behind_proxy=behind_proxy,
            secure_cookies=flag("SECURE_COOKIES", behind_proxy),
            index_backend=index_backend,
            session_backend=session_backend,
            redis_url=redis_url,
            **smtp,
            warnings=tuple(warnings),
        )
        if errors:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
        return settings

    @property
    def max_message_bytes(self) -> int:
        """``max_message_mb`` in bytes: the whole message as transmitted."""
        return self.max_message_mb * 1024 * 1024

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with the named fields replaced (for tests); unknown names raise KeyError."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise KeyError(f"unknown settings: {sorted(unknown)}")
        return replace(self, **overrides)

    def instance_dir(self, default: str | os.PathLike[str]) -> Path:
        """The instance folder: ``instance_path`` or the given default."""
        return Path(self.instance_path or default)


def _smtp_settings(
    get: Callable[[str], str | None],
    number: Callable[[str, Any, type, float], Any],
    flag: Callable[[str, bool], bool],
    errors: list[str],
    warnings: list[str],
) -> dict[str, Any]:
    """The sending settings (``WEBMAIL_SMTP_*``, ``WEBMAIL_MAX_MESSAGE_MB``,
    ``WEBMAIL_MAIL_DOMAIN``) as Settings fields; bad values go to ``errors``."""
    host = get("SMTP_HOST")
    security = (get("SMTP_SECURITY") or "starttls").lower()
    if security not in SECURITY_MODES:
        errors.append(
            f"WEBMAIL_SMTP_SECURITY={security!r} must be one of {', '.join(SECURITY_MODES)}"
        )
        security = "starttls"
    if host and security == "plain" and not is_loopback(host):
        warnings.append(
            f"WEBMAIL_SMTP_SECURITY=plain sends mail and passwords unencrypted to {host}; "
            "use starttls or ssl for any server that is not on this machine"
        )
    port = number("SMTP_PORT", SMTP_DEFAULT_PORTS[security], int, 1)
    if port > 65535:
        errors.append(f"WEBMAIL_SMTP_PORT={port} is not a port number")
    auth = (get("SMTP_AUTH") or "login").lower()
    if auth not in SMTP_AUTH_MODES:
        errors.append(f"WEBMAIL_SMTP_AUTH={auth!r} must be one of {', '.join(SMTP_AUTH_MODES)}")
        auth = "login"
    domain = get("MAIL_DOMAIN")
    if domain is not None and (
        "@" in domain or any(c.isspace() for c in domain) or "." not in domain.strip(".")
    ):
        errors.append(f"WEBMAIL_MAIL_DOMAIN={domain!r} must be a domain name (example.org)")
        domain = None
    return {
        "smtp_host": host,
        "smtp_port": port,
        "smtp_security": security,
        "smtp_tls_verify": flag("SMTP_TLS_VERIFY", True),
        "smtp_auth": auth,
        "smtp_timeout": number("SMTP_TIMEOUT", 30.0, float, 0.1),
        "max_message_mb": min(number("MAX_MESSAGE_MB", 25, int, 1), 1024),
        "mail_domain": domain.lower().strip(".") if domain else None,
    }
