"""The README's command-line example runs, on a message in this repository, and prints exactly
what the README shows."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = re.compile(r"^\$ (python -m webmail\.headers [^\n]+)\n(.*?)^```", re.M | re.S)


def test_readme_cli_example_prints_what_the_readme_shows() -> None:
    match = EXAMPLE.search((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md has no `$ python -m webmail.headers ...` example"
    command, shown = shlex.split(match.group(1)), match.group(2)
    paths = [arg for arg in command[3:] if not arg.startswith("-")]
    assert paths and all((REPO_ROOT / p).is_file() for p in paths), paths  # in the repository
    proc = subprocess.run(
        [sys.executable, *command[1:]], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip("\n") == shown.rstrip(
        "\n"
    )  # the README leaves out the last blank line
