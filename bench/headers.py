"""Benchmark: header analysis against the standard library, in process and end to end.

    python -m bench.headers [--rounds N] [--messages N] [--compare CHECKOUT] [CORPUS_DIR]

``CORPUS_DIR`` holds ``synthetic/messages/*.eml`` and ``real/**/*.eml``; the default is the
whole development corpus beside the clone (``../shared/corpus``, 748 messages), else the
sample in tests/data/corpus (91 messages, without the multi-megabyte hostile headers where the
stdlib is slowest, so its ratio is far below the whole corpus's: judge the goal on the whole
corpus or any bigger corpus of the same layout).

Two ratios, each ours / baseline, from rounds that alternate the contenders (which one goes
first alternates too) and take the median of each:

- **in process**: every message of the corpus, in memory (no I/O): the stdlib baseline
  (``BytesHeaderParser`` with compat32, ``parsedate_to_datetime`` on the Date header and on
  each Received header's trailing date, after the last ``;``) against
  ``webmail.headers.analyze`` (the whole analysis: every Received clause, the policy, the
  warnings). Goal: at least 3.0.
- **end to end**: the corpus's files copied ``--messages`` / 748 times over into a temporary
  folder (at least 20,000 messages; hard links when possible), then a fresh process per round:
  ``python -m webmail.headers --json FOLDER`` against ``python bench/headers_baseline.py
  FOLDER`` (the same baseline, written the same way as a command line: one JSON line per
  message), process start-up included, output to /dev/null. Wall time is the goal's figure
  (at least 2.0); the children's CPU time is printed beside it (less disturbed by other jobs
  on a shared machine). ``--compare CHECKOUT`` runs another checkout's command line in the same
  rounds (before/after figures from one run).

Then the start-up alone (both command lines on one small message) and what a list row costs:
``webmail.message.summary.summarize`` and ``analyze`` alone on ``bench/maildir.py`` headers
(µs per message). If ``mail-parser`` is installed its in-process figure is printed too.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from webmail.headers import analyze

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
BUNDLED_CORPUS = REPO_ROOT / "tests" / "data" / "corpus"
BASELINE_CLI = REPO_ROOT / "bench" / "headers_baseline.py"


def corpus_files(corpus: Path) -> list[Path]:
    """Every ``.eml`` file of the corpus's message folders, sorted."""
    folders = [corpus / "synthetic" / "messages", corpus / "real"]
    return sorted(p for folder in folders for p in folder.rglob("*.eml"))


def load(corpus: Path) -> list[bytes]:
    """Every file of the corpus's message folders, in memory (I/O is not measured)."""
    return [p.read_bytes() for p in corpus_files(corpus)]


def baseline(data: bytes) -> None:
    """The stdlib's easy part: headers, the Date, each Received's trailing date."""
    message = BytesHeaderParser(policy=policy.compat32).parsebytes(data)
    try:
        parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        pass
    for received in message.get_all("Received") or []:
        try:
            parsedate_to_datetime(str(received).rpartition(";")[2])
        except (TypeError, ValueError, IndexError):
            pass


def ours(data: bytes) -> None:
    analyze(data)


def one_pass(function: Callable[[bytes], object], messages: list[bytes]) -> float:
    """Seconds for one pass of ``function`` over every message."""
    started = time.perf_counter()
    for data in messages:
        function(data)
    return time.perf_counter() - started


def rate(function: Callable[[bytes], object], messages: list[bytes], rounds: int) -> float:
    """Best-of-``rounds`` messages per second."""
    return len(messages) / min(one_pass(function, messages) for _ in range(rounds))


def interleaved(contenders: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each contender once per round, the order rotating from round to round."""
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(contenders[name]())
    return times


def copy_corpus(files: list[Path], root: Path, corpus: Path, at_least: int) -> int:
    """The corpus's files copied enough times over under ``root`` (``00/synthetic/...``,
    ``01/...``) to hold ``at_least`` messages; returns how many files were written."""
    copies = max(1, math.ceil(at_least / len(files)))
    for copy in range(copies):
        for source in files:
            target = root / f"{copy:02d}" / source.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
    return copies * len(files)


def child_env(pycache: Path) -> dict[str, str]:
    """The children's environment: bytecode cached (in ``pycache``, outside the checkouts), as
    an installed package has it; without it every start compiles the webmail's modules while
    the baseline's standard library comes compiled."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


CHILD_ENV: dict[str, str] | None = None


def run_child(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process, its output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, check=True, env=CHILD_ENV)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def end_to_end(
    folder: Path, rounds: int, compare: Path | None
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds per round of each command line over ``folder``."""
    cpu: dict[str, list[float]] = {}
    commands = {
        "baseline": ([sys.executable, str(BASELINE_CLI), str(folder)], REPO_ROOT),
        "ours": ([sys.executable, "-m", "webmail.headers", "--json", str(folder)], REPO_ROOT),
    }
    if compare is not None:
        ours = [sys.executable, "-m", "webmail.headers", "--json", str(folder)]
        commands["compare"] = (ours, compare)

    def runner(name: str) -> Callable[[], float]:
        def run() -> float:
            command, cwd = commands[name]
            wall, used = run_child(command, cwd)
            cpu.setdefault(name, []).append(used)
            return wall

        return run

    walls = interleaved({name: runner(name) for name in commands}, rounds)
    return walls, cpu


def maildir_headers(count: int) -> list[bytes]:
    """Header blocks of ``bench/maildir.py`` messages: what a cold sync analyses."""
    from bench.maildir import message
    from webmail.message.summary import header_block

    rng = random.Random(7)
    arrival = 1_700_000_000
    return [
        header_block(message(n, arrival + 37 * n, rng, n % 20 == 0, n % 10 == 0))
        for n in range(count)
    ]


def row_costs(rounds: int) -> tuple[float, float, float]:
    """µs per message of ``summarize`` (a list row), of ``analyze`` alone on the same header
    blocks, and of the stdlib baseline on them: medians of interleaved rounds."""
    from webmail.message.summary import summarize

    headers = maildir_headers(2000)
    arrival = datetime(2023, 11, 15, tzinfo=UTC)
    threshold = timedelta(hours=1)

    def rows() -> float:
        started = time.perf_counter()
        for uid, header in enumerate(headers, 1):
            summarize(uid=uid, folder="INBOX", header=header, arrival=arrival, flags=(b"\\Seen",),
                      size=len(header), has_attachments=False, threshold=threshold)
        return time.perf_counter() - started

    times = interleaved(
        {
            "rows": rows,
            "analyze": lambda: one_pass(lambda h: analyze(h, arrival=arrival), headers),
            "baseline": lambda: one_pass(baseline, headers),
        },
        rounds,
    )
    per = {name: statistics.median(values) / len(headers) * 1e6 for name, values in times.items()}
    return per["rows"], per["analyze"], per["baseline"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.headers", description=__doc__.splitlines()[0]
    )
    default = SHARED_CORPUS if SHARED_CORPUS.is_dir() else BUNDLED_CORPUS
    parser.add_argument("corpus", nargs="?", type=Path, default=default)
    parser.add_argument("--rounds", type=int, default=7, help="rounds per measurement (medians)")
    parser.add_argument("--messages", type=int, default=22_000,
                        help="at least this many messages end to end (default 22,000)")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="another checkout whose command line runs in the same rounds")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    files = corpus_files(corpus)
    if not files:
        print(f"no messages under {corpus}", file=sys.stderr)
        return 1
    messages = [p.read_bytes() for p in files]
    size = sum(map(len, messages)) / 1e6
    print(f"corpus: {corpus}: {len(messages)} messages, {size:.1f} MB; medians of {args.rounds} "
          "interleaved rounds")

    times = interleaved(
        {
            "baseline": lambda: one_pass(baseline, messages),
            "ours": lambda: one_pass(ours, messages),
        },
        args.rounds,
    )
    base, mine = (statistics.median(times[name]) for name in ("baseline", "ours"))
    n = len(messages)
    print("in process (no I/O):")
    print(f"  stdlib baseline (BytesHeaderParser + parsedate_to_datetime): {n / base:8.0f} msg/s"
          f"  {base / n * 1e6:6.1f} µs/message")
    print(f"  webmail.headers.analyze (full analysis):                     {n / mine:8.0f} msg/s"
          f"  {mine / n * 1e6:6.1f} µs/message")
    print(f"  ratio: {base / mine:.2f}x (goal >= 3.0)")

    if not args.skip_end_to_end:
        with tempfile.TemporaryDirectory(prefix="bench-headers-") as tmp:
            global CHILD_ENV
            CHILD_ENV = child_env(Path(tmp) / "pycache")
            folder = Path(tmp) / "corpus"
            count = copy_corpus(files, folder, corpus, args.messages)
            # Warm the page cache and the bytecode caches, untimed.
            run_child([sys.executable, str(BASELINE_CLI), str(folder)], REPO_ROOT)
            run_child([sys.executable, "-m", "webmail.headers", "--json", str(folder)], REPO_ROOT)
            if args.compare is not None:
                run_child([sys.executable, "-m", "webmail.headers", "--json", str(folder)],
                          args.compare)
            walls, cpu = end_to_end(folder, args.rounds, args.compare)
            tiny = folder / "00" / files[0].relative_to(corpus)
            starts = end_to_end(tiny, args.rounds, args.compare)[0]
        print(f"end to end ({count:,} files, a fresh process per round, start-up included):")
        labels = {
            "baseline": "python bench/headers_baseline.py",
            "ours": "python -m webmail.headers --json",
            "compare": f"--compare {args.compare}",
        }
        for name in walls:
            wall, used = statistics.median(walls[name]), statistics.median(cpu[name])
            start = statistics.median(starts[name]) * 1e3
            print(f"  {labels[name]:<40} wall {wall:6.2f} s  CPU {used:6.2f} s"
                  f"  {wall / count * 1e6:6.1f} µs/message  start-up {start:5.1f} ms")
        base_wall = statistics.median(walls["baseline"])
        base_cpu = statistics.median(cpu["baseline"])
        for name in [n for n in walls if n != "baseline"]:
            print(f"  ratio {name}: wall {base_wall / statistics.median(walls[name]):.2f}x"
                  f"  CPU {base_cpu / statistics.median(cpu[name]):.2f}x (goal: wall >= 2.0)")

    row, alone, stdlib = row_costs(args.rounds)
    print("a list row (bench/maildir.py headers, 2,000 messages):")
    print(f"  summarize {row:.1f} µs/message, of which analyze {alone:.1f} µs"
          f" (stdlib baseline on the same headers: {stdlib:.1f} µs)")

    try:
        import mailparser  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print("mail-parser: not installed (pip install mail-parser)")
    else:
        logging.disable(logging.CRITICAL)  # mail-parser logs every MIME part it skips

        def with_mailparser(data: bytes) -> None:
            try:
                parsed = mailparser.parse_from_bytes(data)
                parsed.received  # noqa: B018 - its hop analysis
            except Exception:
                pass

        other = rate(with_mailparser, messages, max(1, args.rounds // 2))
        print(f"mail-parser (parse_from_bytes + received): {other:9.0f} messages/s"
              f"  (ours is {n / mine / other:.1f}x faster)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
