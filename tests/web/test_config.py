"""Start-up configuration: the secret key rule, the demo key, bad values."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from webmail import create_app
from webmail.config import ConfigError


def test_refuses_to_start_against_a_server_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEBMAIL_IMAP_HOST", "imap.example.org")
    with pytest.raises(ConfigError) as raised:
        create_app({"instance_path": str(tmp_path)})
    assert str(raised.value) == (
        "invalid configuration:\n  WEBMAIL_SECRET_KEY is required when WEBMAIL_IMAP_HOST is set "
        '(generate one with: python -c "import secrets; print(secrets.token_hex(32))")'
    )


def test_refuses_a_server_without_key_given_through_test_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^WEBMAIL_SECRET_KEY is required"):
        create_app({"instance_path": str(tmp_path), "imap_host": "imap.example.org"})


def test_starts_against_a_server_with_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEBMAIL_IMAP_HOST", "imap.example.org")
    monkeypatch.setenv("WEBMAIL_SECRET_KEY", "k" * 64)
    app = create_app({"instance_path": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "k" * 64
    assert not (tmp_path / "secret_key").exists()


def test_demo_makes_a_private_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = create_app({"instance_path": str(tmp_path)})
    second = create_app({"instance_path": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_bad_values_are_all_reported_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEBMAIL_PAGE_SIZE", "lots")
    monkeypatch.setenv("WEBMAIL_IMAP_SECURITY", "tls")
    with pytest.raises(ConfigError) as raised:
        create_app({"instance_path": str(tmp_path)})
    assert "WEBMAIL_PAGE_SIZE='lots' is not a number" in str(raised.value)
    assert "WEBMAIL_IMAP_SECURITY='tls' must be one of ssl, starttls, plain" in str(raised.value)


def test_instance_path_from_the_environment_holds_local_state(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEBMAIL_INSTANCE_PATH", str(tmp_path / "state"))
    app = create_app()
    assert app.instance_path == str(tmp_path / "state")
    assert (tmp_path / "state" / "webmail.sqlite3").exists()


def test_app_entry_point_stops_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBMAIL_")}
    env.update(WEBMAIL_IMAP_HOST="imap.example.org", WEBMAIL_INSTANCE_PATH=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[:2] == [
        "webmail: invalid configuration:",
        "  WEBMAIL_SECRET_KEY is required when WEBMAIL_IMAP_HOST is set (generate one with: "
        'python -c "import secrets; print(secrets.token_hex(32))")',
    ]
    assert "Traceback" not in proc.stderr
