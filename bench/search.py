"""Search against the plain list page: ``python3 -m bench.search [--sizes 1000,100000]``.

Starts a Dovecot like the test fixture (``tests/support/imapserver.py``, plus
``maildir_very_dirty_syncs`` as in :mod:`bench.index`), writes one user per size with
:mod:`bench.maildir` (``Sender <n % 997>``, "Report <n>: quarterly figures for the <north,
south, east, west> office", one arrival every 37 s from 14 Nov 2023, ~5 % late at one of five
relays), builds the app pointed at it (``--backend sqlite``: the SQLite index; ``redis``: a
redis-server started for the run; ``off``: no index, every search builds every row from
IMAP) and signs in through the forms. The first list page syncs the folder into the index
inline (not timed). Then, in the same run and on the same signed-in session, rounds
interleaved, medians of ``--rounds``:

- **list**: ``GET /folder/INBOX`` (LIST with STATUS, the sync check, one page of 50 rows from
  the index, the late-news banner, rendering) -- the baseline;
- **from:** ``from:sender42@`` (a header field: about 1 message in 1,000);
- **subject:** ``subject:"report 4242:"`` (one message);
- **words** ``"west office"`` (a phrase in any field: a quarter of the folder);
- **range** ``after:… before:…`` (three days of true sent time: ~7,000 messages at 100k);
- **incident** ``held:HOST after:… before:… is:late`` (the delays page's query);
- **-is:read** (a negated flag: ~30 %), **is:flagged** (~5 %), **is:read** (~70 %).

Each search is the same page as the list (``GET /folder/INBOX?q=…``: the same LIST, sync
check and rendering, one page of 50 matches) plus the count of every match. It prints the
milliseconds and the ratio of each to the list page. In-process through Flask's test client,
so HTTP parsing and the network are left out of both sides alike. Every process it starts is
stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
COUNT = re.compile(r'class="result-count" role="status">([\d,]+) result')


def _day(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.search")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--backend", choices=("sqlite", "redis", "off"), default="sqlite")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))

    from bench.folders import bench_folders
    from bench.maildir import RELAYS, START, STEP

    sizes = [int(s) for s in args.sizes.split(",")]
    with bench_folders(sizes, args.backend, "webmail-bench-search-") as folders:
        print(
            f"\ncpus={os.cpu_count()}  python={sys.version.split()[0]}  index={args.backend}"
            f"  (ms, median of {args.rounds}; ratio to the list page; matches)\n"
        )
        for i, size in enumerate(sizes, 1):
            middle = START + (size // 2) * STEP
            span = f"after:{_day(middle)} before:{_day(middle + 3 * 86400)}"
            queries = {
                "from:": "from:sender42@",
                "subject:": f'subject:"report {size // 2 + 7}:"',
                "words": '"west office"',
                "range": span,
                "incident": f"held:{RELAYS[1]} {span} is:late",
                "-is:read": "-is:read",
                "is:flagged": "is:flagged",
                "is:read": "is:read",
            }
            opened = folders.open(i)
            reader = opened.reader
            paths = {"list": "/folder/INBOX"} | {
                name: f"/folder/INBOX?q={quote(q)}" for name, q in queries.items()
            }
            matches: dict[str, int] = {}
            for name, path in paths.items():  # warm: templates compiled, caches filled
                body = reader.page(path)
                found = COUNT.search(body)
                matches[name] = int(found.group(1).replace(",", "")) if found else 0
            times: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, path in paths.items():
                    t = time.perf_counter()
                    reader.page(path)
                    times[name].append(time.perf_counter() - t)
            ms = {name: statistics.median(v) * 1000 for name, v in times.items()}
            print(f"size {size:,} (first sync {opened.synced:.0f} s): list {ms['list']:.1f} ms")
            for name, q in queries.items():
                print(
                    f"  {name:<10} {ms[name]:8.1f} ms  {ms[name] / ms['list']:5.2f}x"
                    f"  {matches[name]:>7,} matches   q={q}",
                    flush=True,
                )
            opened.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
