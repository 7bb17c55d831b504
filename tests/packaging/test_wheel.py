"""The package: pyproject.toml agrees with requirements.txt, and the wheel installs and runs.

The wheel is built offline from a copy of the working tree (``pip wheel --no-deps
--no-build-isolation --no-index``: the setuptools of requirements-dev.txt, no download, and no
build/ or egg-info left in the checkout) and installed with ``--no-deps`` into a fresh virtual
environment. That environment has no Flask, imapclient or bleach at all, so the header library
and its console script running there prove that they need none of them; the web app is then
started from the installed package with the test environment's own packages appended behind it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parents[2]
EML = REPO_ROOT / "tests" / "data" / "headers" / "held-at-relay.eml"
# What the wheel is built from: everything pyproject.toml names.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "webmail", "templates", "static")


def _env() -> dict[str, str]:
    """The environment for the builds and the installed programs: nothing that would let
    them import the checkout (PYTHONPATH) and no WEBMAIL_* setting of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WEBMAIL_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _run(args: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run one command outside the checkout (so ``-m`` cannot pick up its webmail/)."""
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_env() | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"{args} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _key(requirement: Requirement) -> tuple[str, tuple[str, ...], str, str]:
    return (
        canonicalize_name(requirement.name),
        tuple(sorted(requirement.extras)),
        str(requirement.specifier),
        str(requirement.marker or ""),
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert Version(version("setuptools")) >= Version("77"), (
        "the wheel build needs setuptools>=77: pip install -r requirements-dev.txt"
    )
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    for name in SOURCES:
        path = REPO_ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    out = root / "dist"
    # An absolute path: a bare "src" would be read as a project name to fetch.
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "--no-index", "-w", out, src.resolve()], cwd=root)  # fmt: skip
    (built,) = out.glob("*.whl")
    assert built.name == "timely_webmail-0.1.0-py3-none-any.whl"
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and nothing else (no dependencies)."""
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", root / "env"], cwd=root)
    env = root / "env"
    _run(
        [env / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel],
        cwd=root,
    )
    return env


def test_pyproject_dependencies_are_requirements_txt() -> None:
    """Every line of requirements.txt is a core dependency or an extra, with the same
    specifiers, and nothing else is: redis is the "redis" extra, the rest is core."""
    lines = [
        line.split("#")[0].strip()
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
    ]
    lines = [line for line in lines if line]
    assert not [line for line in lines if line.startswith("-")], "requirements.txt keeps plain pins"
    pinned = [_key(Requirement(line)) for line in lines]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    core = [_key(Requirement(text)) for text in project["dependencies"]]
    extras = {
        name: [_key(Requirement(text)) for text in reqs]
        for name, reqs in project["optional-dependencies"].items()
    }
    optional = [key for reqs in extras.values() for key in reqs]
    assert len(set(pinned)) == len(pinned)
    assert sorted(core + optional) == sorted(pinned)
    assert not set(core) & set(optional)
    assert [key[0] for key in extras["redis"]] == ["redis"]


def test_wheel_holds_the_package_the_schemas_the_templates_and_static(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tree = {
        f"webmail/{path.relative_to(REPO_ROOT / 'webmail').as_posix()}"
        for pattern in ("*.py", "*.sql")
        for path in (REPO_ROOT / "webmail").rglob(pattern)
        if "__pycache__" not in path.parts
    }
    assert {
        "webmail/headers/__init__.py",
        "webmail/headers/cli.py",
        "webmail/headers/__main__.py",
    } <= tree
    assert any(name.endswith(".sql") for name in tree)
    missing = tree - names
    assert not missing, (
        f"not in the wheel (a package missing from pyproject.toml's list?): {sorted(missing)}"
    )
    for folder in ("templates", "static"):
        files = {f"webmail/{folder}/{p.relative_to(REPO_ROOT / folder).as_posix()}"
                 for p in (REPO_ROOT / folder).rglob("*") if p.is_file()}  # fmt: skip
        assert files and files <= names, sorted(files - names)
    assert "webmail/templates/base.html" in names and "webmail/static/style.css" in names
    outside = {
        n for n in names if not n.startswith(("webmail/", "timely_webmail-0.1.0.dist-info/"))
    }
    assert not outside
    assert "timely_webmail-0.1.0.dist-info/licenses/LICENSE" in names
    with zipfile.ZipFile(wheel) as archive:
        scripts = archive.read("timely_webmail-0.1.0.dist-info/entry_points.txt").decode()
        metadata = archive.read("timely_webmail-0.1.0.dist-info/METADATA").decode()
    assert "webmail-headers = webmail.headers.cli:main" in scripts
    assert "webmail-admin = webmail.admin:main" in scripts
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.11" in metadata
    assert 'Requires-Dist: redis<8,>=5; extra == "redis"' in metadata


def test_installed_header_cli_is_python_m_webmail_headers(venv: Path, tmp_path: Path) -> None:
    script = _run([venv / "bin" / "webmail-headers", EML], cwd=tmp_path).stdout
    module = _run([venv / "bin" / "python", "-m", "webmail.headers", EML], cwd=tmp_path).stdout
    assert script == module
    assert "  sent         2025-03-22 20:36:10 UTC  (from the Date header)\n" in script
    assert "relay.example.com -> mx1.example.net with ESMTPS  <- held longest" in script
    assert "  verdict      LATE: delivered 2 d 3 h after it was sent (limit 1 h)\n" in script

    line = _run(
        [venv / "bin" / "python", "-m", "webmail.headers", "--json", EML], cwd=tmp_path
    ).stdout
    record = json.loads(line)
    assert {
        k: record[k]
        for k in ("sent", "sent_source", "delivered", "delay_seconds", "delayed", "bottleneck")
    } == {
        "sent": "2025-03-22T20:36:10Z",
        "sent_source": "date",
        "delivered": "2025-03-24T23:54:09Z",
        "delay_seconds": 2 * 86400 + 3 * 3600 + 17 * 60 + 59,
        "delayed": True,
        "bottleneck": 1,
    }
    assert [hop["by"] for hop in record["hops"]] == [
        "relay.example.com",
        "mx1.example.net",
        "mail.example.org",
    ]


def test_installed_library_needs_no_flask_imapclient_or_bleach(venv: Path, tmp_path: Path) -> None:
    probe = (
        "import importlib.util, sys, webmail.headers, webmail.headers.cli\n"
        "assert webmail.headers.__file__.startswith(sys.prefix), webmail.headers.__file__\n"
        "mods = ('flask', 'imapclient', 'bleach')\n"
        "assert not [m for m in mods if m in sys.modules], [m for m in mods if m in sys.modules]\n"
        "assert not [m for m in mods if importlib.util.find_spec(m)], 'the venv should be bare'\n"
        "print('ok')\n"
    )
    assert _run([venv / "bin" / "python", "-c", probe], cwd=tmp_path).stdout == "ok\n"


def test_installed_webmail_serves_its_templates_and_static_files(
    venv: Path, tmp_path: Path
) -> None:
    # The wheel was installed without dependencies: take them from this interpreter's
    # site-packages, appended after the venv's own, so webmail still comes from the venv.
    probe = f"""
import site, sys
for path in {site.getsitepackages()!r}:
    site.addsitedir(path)
import webmail
from webmail import create_app
assert webmail.__file__.startswith(sys.prefix), webmail.__file__
app = create_app({{"instance_path": {str(tmp_path / "instance")!r}, "TESTING": True}})
assert app.template_folder.startswith(sys.prefix) and app.static_folder.startswith(sys.prefix)
client = app.test_client()
login = client.get("/login")
assert login.status_code == 200 and b"<form" in login.data, login.status_code
css = client.get("/static/style.css")
assert css.status_code == 200 and len(css.data) > 100, css.status_code
css.close()
print("ok")
"""
    assert _run([venv / "bin" / "python", "-c", probe], cwd=tmp_path).stdout == "ok\n"


def test_installed_admin_script_purges_and_uses_the_apps_instance_folder(
    venv: Path, tmp_path: Path
) -> None:
    script = venv / "bin" / "webmail-admin"
    probe = f"""
import site, sys
for path in {site.getsitepackages()!r}:
    site.addsitedir(path)
from pathlib import Path
from webmail.admin import _instance_dir
from webmail.config import Settings
# Flask's default for an installed package, as create_app gets it: not inside site-packages.
assert _instance_dir(Settings.from_env({{}})) == Path(sys.prefix, "var", "webmail-instance")
sys.argv = [{str(script)!r}, "purge-user", "bob", "--server", "imap.example:993"]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"))
"""
    done = _run(
        [venv / "bin" / "python", "-c", probe], cwd=tmp_path, WEBMAIL_INSTANCE_PATH=str(tmp_path)
    )
    assert done.stdout == "purged 0 index rows of bob\n"
    assert (tmp_path / "index.sqlite3").is_file()  # the index WEBMAIL_INSTANCE_PATH points at
