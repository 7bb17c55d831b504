"""The webmail: read any IMAP mailbox at the time each message was really sent.

``create_app(test_config=None)`` is the application factory and the only thing here, with
``asset_folder`` (where the templates and static files are, in a checkout or installed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only what every import of the package needs is imported here: ``python -m webmail.headers``
# (the header analysis' command line) starts by importing this package, so the app's modules
# (webmail.config: dataclasses, secrets, hashlib ...) come in inside create_app, when an app is
# built. ``ConfigError`` and ``Settings`` stay reachable as attributes (``__getattr__``).
if TYPE_CHECKING:  # Flask is imported inside create_app: ``import webmail.headers`` stays pure
    from flask import Flask

    from webmail.config import Settings
    from webmail.sessions import SessionStore
    from webmail.sessions.limits import LoginLimiter
    from webmail.sessions.prefs import Preferences

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
SECRET_KEY_FILE = "secret_key"


def __getattr__(name: str) -> Any:
    """``webmail.ConfigError`` and ``webmail.Settings`` as before, imported when first asked."""
    if name in ("ConfigError", "Settings"):
        from webmail import config

        return getattr(config, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def asset_folder(name: str) -> Path:
    """``templates`` or ``static``: inside the package when installed from a wheel
    (pyproject.toml maps them there), else beside the package, at the top of a checkout."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else ROOT / name


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: env settings, then ``test_config`` overrides, then the instance folder.

    ``test_config`` may hold :class:`~webmail.config.Settings` field names (lower case, e.g.
    ``instance_path``) and Flask config keys (upper case, e.g. ``TESTING``). Raises
    :class:`ConfigError` with one clear line when no secret key is set outside demo mode.
    """
    from flask import Flask

    from webmail.config import Settings
    from webmail.instance import make_private
    from webmail.sessions.limits import DEFAULTS as LOGIN_LIMITS

    overrides = dict(test_config or {})
    flask_config = {k: v for k, v in overrides.items() if k.isupper()}
    field_overrides = {k: v for k, v in overrides.items() if not k.isupper()}
    settings = Settings.from_env(os.environ).with_overrides(field_overrides)

    app = Flask(
        __name__,
        template_folder=str(asset_folder("templates")),
        static_folder=str(asset_folder("static")),
        instance_path=str(Path(settings.instance_path).resolve())
        if settings.instance_path
        else None,
        instance_relative_config=True,
    )
    instance = Path(app.instance_path)
    make_private(instance)  # 0700, every file 0600; raises ConfigError when it cannot
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key or _demo_secret_key(settings, instance),
        SESSION_COOKIE_NAME="webmail_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.config.update(LOGIN_LIMITS)  # the sign-in limits' defaults (webmail.sessions.limits)
    app.config.update(flask_config)
    for warning in settings.warnings:
        app.logger.warning("%s", warning)

    if settings.behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from webmail import sessions
    from webmail.index import open_index
    from webmail.mailbox.jobs import SyncJobs
    from webmail.mailbox.pool import MailboxPool
    from webmail.mailbox.recent import RecentMessages
    from webmail.outbox import Outbox
    from webmail.services import Services, init_app
    from webmail.sessions import security
    from webmail.views import auth, compose, errors, explain, mail, message, progress, timefmt
    from webmail.views import delays as delays_view
    from webmail.views import settings as settings_view
    from webmail.views.urls import UidConverter

    store = _session_store(settings, instance, app.config["SECRET_KEY"])
    reader_prefs, limiter = _prefs_and_limits(settings, store, app.config)
    app.session_interface = sessions.ServerSessionInterface(store, settings)
    init_app(
        app,
        Services(
            settings=settings,
            sessions=store,
            prefs=reader_prefs,
            limiter=limiter,
            pool=MailboxPool(settings),
            # The list index: None when off, and for the demo, which lists from memory.
            index=None if settings.demo else open_index(settings, instance),
            sync_jobs=SyncJobs(),
            opened=RecentMessages(),
            outbox=Outbox(settings, instance, store.path),
        ),
    )
    security.init_app(app)
    from webmail import i18n

    i18n.init_app(app)  # the pages' language: catalogs compiled, Flask-Babel (issue 13)
    timefmt.init_app(app)
    from webmail.views import words

    words.init_app(app)
    explain.init_app(app)
    app.url_map.converters["uid"] = UidConverter  # before the routes that use <uid:uid>
    for blueprint in (auth.bp, mail.bp, message.bp, compose.bp, settings_view.bp, errors.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(delays_view.bp)
    app.register_blueprint(progress.bp)
    from webmail.views import folders, organise, original  # issue 11: search, organise
    from webmail.views import search as search_view
    app.register_blueprint(search_view.bp)
    app.register_blueprint(organise.bp)
    app.register_blueprint(original.bp)
    app.register_blueprint(folders.bp)
    return app


def _session_store(settings: Settings, instance: Path, secret_key: str) -> SessionStore:
    """The session store ``settings.session_backend`` names (``WEBMAIL_SESSION_BACKEND``)."""
    from webmail.config import ConfigError, redis_problems
    from webmail.sessions import SessionStore

    path = instance / "webmail.sqlite3"
    if settings.session_backend != "redis":
        return SessionStore(path, secret_key)
    problems = redis_problems(settings.index_backend, settings.session_backend, settings.redis_url)
    if problems or not settings.redis_url:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    from webmail.sessions.redis import RedisSessionStore

    return RedisSessionStore.from_url(
        path, secret_key, settings.redis_url, settings.session_idle_minutes * 60
    )


def _prefs_and_limits(
    settings: Settings, store: SessionStore, config: Mapping[str, Any]
) -> tuple[Preferences, LoginLimiter]:
    """The readers' preferences and the sign-in limits, beside the sessions: in the instance
    database, or in the sessions' Redis (``WEBMAIL_SESSION_BACKEND=redis``), where every
    instance shares them."""
    from webmail.sessions.limits import LoginLimiter, Policy
    from webmail.sessions.prefs import Preferences

    policy, secret = Policy.from_config(config), str(config["SECRET_KEY"])
    if settings.session_backend == "redis":
        from webmail.sessions.redis import RedisLoginLimiter, RedisPreferences, RedisSessionStore

        assert isinstance(store, RedisSessionStore)  # _session_store made it so
        return (
            RedisPreferences(store.path, store.client, settings.account_name),
            RedisLoginLimiter(store.path, secret, policy, store.client),
        )
    return (
        Preferences(store.path, settings.account_name),
        LoginLimiter(store.path, secret, policy),
    )


def _demo_secret_key(settings: Settings, instance: Path) -> str:
    """The demo's key: random, made once and kept in the instance folder (mode 0600)."""
    import secrets

    from webmail.config import ConfigError

    if not settings.demo:  # Settings.from_env already refuses this; overrides may not
        raise ConfigError(
            "WEBMAIL_SECRET_KEY is required when WEBMAIL_IMAP_HOST is set "
            '(generate one with: python -c "import secrets; print(secrets.token_hex(32))")'
        )
    path = instance / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
