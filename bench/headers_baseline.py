"""The standard library's baseline for ``bench/headers.py``, as a command line of its own:

    python bench/headers_baseline.py PATH...

Written the way someone would write it with the standard library alone: every file under the
PATHs (directories walked recursively in sorted order, as ``python -m webmail.headers`` walks
them), ``BytesHeaderParser`` (compat32) over the file, ``parsedate_to_datetime`` on the Date
header and on each Received header's trailing date (after the last ``;``), one JSON line per
message. It imports nothing but the standard library, so its start-up is the stdlib's too.
"""

from __future__ import annotations

import json
import os
import sys
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime


def _date(text: str) -> str | None:
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _files(paths: list[str]) -> list[str]:
    found: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            found.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs.sort()
            found.extend(os.path.join(root, name) for name in sorted(files))
    return found


def main(paths: list[str]) -> int:
    parser = BytesHeaderParser(policy=policy.compat32)
    out = sys.stdout
    for path in _files(paths):
        with open(path, "rb") as handle:
            message = parser.parsebytes(handle.read())
        record = {
            "path": path,
            "date": _date(str(message.get("Date", ""))),
            "received": [
                _date(str(r).rpartition(";")[2]) for r in message.get_all("Received") or []
            ],
        }
        out.write(json.dumps(record) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
