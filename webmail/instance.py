"""The instance folder is private: the folder 0700, every file in it 0600.

It holds the session database (encrypted IMAP passwords, login counters, preferences), the
index of every reader's list rows and, in demo mode, the secret key. :func:`make_private`
creates it so, and when it exists already (an older version made it 0755 with 0644 files,
as the umask gave them) fixes the modes, SQLite's ``-wal``/``-shm`` files included; SQLite
gives the ``-wal``/``-shm`` files it creates later the mode of their database file, and the
databases are created 0600 (:func:`private_file`). What cannot be fixed stops the start-up.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from webmail.config import ConfigError

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_file(path: Path) -> None:
    """Create ``path`` (empty) with mode 0600 unless it exists, and make it 0600."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)


def make_private(folder: Path) -> None:
    """Create ``folder`` 0700 (its parents as the umask says), or make an existing one 0700,
    and every file in it (not below it) 0600, every folder in it 0700. Raises
    :class:`ConfigError` with one line when that cannot be done (not a folder, not ours, a
    read-only file system)."""
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
        for entry in folder.iterdir():
            mode = entry.lstat().st_mode
            if stat.S_ISREG(mode) and stat.S_IMODE(mode) != FILE_MODE:
                os.chmod(entry, FILE_MODE)
            elif stat.S_ISDIR(mode) and stat.S_IMODE(mode) != FOLDER_MODE:
                os.chmod(entry, FOLDER_MODE)  # the compiled translations
    except OSError as exc:
        raise ConfigError(
            f"the instance folder {folder} cannot be made private (0700, files 0600): "
            f"{exc.strerror or exc}; set WEBMAIL_INSTANCE_PATH to a folder of this user's own"
        ) from None


__all__ = ["FILE_MODE", "FOLDER_MODE", "make_private", "private_file"]
