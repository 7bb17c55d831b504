"""WEBMAIL_SESSION_BACKEND and WEBMAIL_REDIS_URL are checked with the other settings."""

from __future__ import annotations

import pytest

from webmail.config import ConfigError, Settings


def test_redis_backends_are_read_from_the_environment() -> None:
    s = Settings.from_env(
        {
            "WEBMAIL_SESSION_BACKEND": "Redis",
            "WEBMAIL_INDEX": "redis",
            "WEBMAIL_REDIS_URL": "redis://127.0.0.1:6379/2",
        }
    )
    assert (s.session_backend, s.index_backend, s.redis_url) == (
        "redis",
        "redis",
        "redis://127.0.0.1:6379/2",
    )


def test_defaults_are_sqlite_without_redis() -> None:
    s = Settings.from_env({})
    assert (s.session_backend, s.index_backend, s.redis_url) == ("sqlite", "sqlite", None)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"WEBMAIL_SESSION_BACKEND": "memcached"},
            "WEBMAIL_SESSION_BACKEND='memcached' must be one of sqlite, redis",
        ),
        (
            {"WEBMAIL_SESSION_BACKEND": "redis"},
            "WEBMAIL_SESSION_BACKEND=redis needs WEBMAIL_REDIS_URL",
        ),
        ({"WEBMAIL_INDEX": "redis"}, "WEBMAIL_INDEX=redis needs WEBMAIL_REDIS_URL"),
        (
            {"WEBMAIL_INDEX": "redis", "WEBMAIL_REDIS_URL": "http://cache:6379"},
            "WEBMAIL_REDIS_URL must start with redis://, rediss://, unix://",
        ),
    ],
)
def test_bad_redis_settings_are_refused_with_their_reason(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert str(caught.value) == "invalid configuration:\n  " + message
