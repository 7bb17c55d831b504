"""The delays page against the plain list page: ``python3 -m bench.delays [--sizes 1000,100000]``.

Starts a Dovecot like the test fixture (``tests/support/imapserver.py``, plus
``maildir_very_dirty_syncs`` as in :mod:`bench.index`), writes one user per size with
:mod:`bench.maildir` (~5 % late, held at one of five relays), builds the app pointed at it
(``--backend sqlite``: the SQLite index; ``--backend redis``: a redis-server started for the
run) and signs in through the forms. The first list page syncs the folder into the index
inline (not timed). Then, in the same run and on the same signed-in session, rounds
interleaved, medians of ``--rounds``:

- **list**: ``GET /folder/INBOX`` (LIST with STATUS, the sync check on the pooled connection,
  one page of 50 rows from the index, the banner's late-news query, rendering) -- the baseline;
- **/delays**: ``GET /delays?folder=INBOX`` (the same sync check, every row of the folder:
  one mark per message up to 2,000, else the index's grouped buckets; the incidents; the SVG);
- **/api/delays**: ``GET /api/delays?folder=INBOX`` (the same without the plot);

and prints the milliseconds, the ratios to the list page, and the size of the /delays page.
In-process through Flask's test client, so HTTP parsing and the network are left out of both
sides alike. Every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.delays")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))

    from bench.folders import bench_folders

    sizes = [int(s) for s in args.sizes.split(",")]
    with bench_folders(sizes, args.backend, "webmail-bench-delays-") as folders:
        print(
            f"\ncpus={os.cpu_count()}  python={sys.version.split()[0]}  index={args.backend}"
            f"  (ms, median of {args.rounds})\n"
        )
        print(
            f"{'size':>7} | {'late':>5} | {'incidents':>9} | {'list':>7} | {'/delays':>8} |"
            f" {'ratio':>5} | {'/api/delays':>11} | {'ratio':>5} | {'page KB':>7} | {'marks':>6}"
        )
        for i, size in enumerate(sizes, 1):
            opened = folders.open(i)
            reader = opened.reader
            paths = {
                "list": "/folder/INBOX",
                "delays": "/delays?folder=INBOX",
                "api": "/api/delays?folder=INBOX",
            }
            for path in paths.values():  # warm: templates compiled, caches filled
                reader.page(path)
            times: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, path in paths.items():
                    t = time.perf_counter()
                    body = reader.page(path)
                    times[name].append(time.perf_counter() - t)
                    if name == "delays":
                        page_kb = len(body.encode()) / 1024
                        marks = body.count('<path class="mark ')
                    elif name == "api":
                        incidents = body.count('"host"')
            ms = {name: statistics.median(v) * 1000 for name, v in times.items()}
            print(
                f"{size:>7} | {folders.late[size]:>5} | {incidents:>9} | {ms['list']:7.1f} |"
                f" {ms['delays']:8.1f} | {ms['delays'] / ms['list']:5.2f} |"
                f" {ms['api']:11.1f} | {ms['api'] / ms['list']:5.2f} | {page_kb:7.0f} |"
                f" {marks:>6}   (first sync {opened.synced:.0f} s)",
                flush=True,
            )
            opened.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
