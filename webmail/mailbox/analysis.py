"""Helper processes that build a big fill's rows (:func:`webmail.mailbox.sync.sync_folder`).

The header analysis of a row is pure Python: in the web worker it would hold the GIL for most
of a 100,000-message first sync, the pages that worker serves meanwhile would queue behind it,
and one core would do all of it. So a big fill hands each chunk's raw FETCH data to a helper:
a fresh interpreter (never a fork of a threaded web worker) given this process's import path
(and, unlike multiprocessing's ``spawn``, never a re-import of its ``__main__``), speaking
length-prefixed pickles over its stdin and stdout (a private pair of pipes between this
process and its own child). It answers each chunk with its stored rows, built by
:func:`chunk_rows`, the same function the sync uses without helpers. The helpers of a
background job's sync in a web worker's thread are niced by :data:`BACKGROUND_NICE` (a page
request in the web worker goes first); those of a fill process (``webmail.mailbox.jobs``)
inherit its niceness; those of a sync its caller waits for run at the caller's priority. A
helper ends when its stdin closes: when the sync is done or its process dies. A helper's
interpreter loads only what building rows needs (see ``_BOOTSTRAP``): ~18 MB of RSS at rest,
not ~27 MB with the app's settings, sqlite3, hashlib and imapclient.

:class:`Helpers` keeps two chunks in each helper's hands (one it works on, the next waiting;
a thread reads the answers as they come, so neither side can block the other on a full pipe)
and hands the rows back in the order the chunks went in. Any failure (the interpreter does not
start, a helper dies) raises :class:`HelperFailed`; the sync then builds the rows itself.
"""

from __future__ import annotations

import contextvars
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import IO, Any

from webmail.index.rows import row_values
from webmail.mailbox import wire

#: How much the helpers of a background sync lower their priority (``os.nice``).
BACKGROUND_NICE = 5
#: The niceness of helpers started from this context: ``webmail.mailbox.jobs`` sets
#: :data:`BACKGROUND_NICE` in its job threads; elsewhere helpers run at the caller's priority.
HELPER_NICE: contextvars.ContextVar[int] = contextvars.ContextVar("helper_nice", default=0)
#: Chunks in one helper's hands at most.
PER_HELPER = 2
_HEAD = struct.Struct(">Q")
# What the helper's interpreter runs (``python -S -c``): take the parent's import path from the
# first frame on stdin, as multiprocessing's spawn does, but import nothing of the parent's
# ``__main__``; then :func:`_main`. The niceness comes as the argument. ``-S``: no ``site``
# (the parent's path has its site directories already; ``site`` and its ``.pth`` files cost
# ~4 MB). The packages ``webmail``, ``webmail.index`` and ``webmail.mailbox`` are made bare
# (their ``__init__`` would import the settings, sqlite3 and the mailbox seam, ~10 MB that a
# helper never uses): the helper imports only the modules the rows need (``chunk_rows``).
_BOOTSTRAP = (
    "import pickle, struct, sys, types\n"
    "size = struct.unpack('>Q', sys.stdin.buffer.read(8))[0]\n"
    "sys.path[:] = pickle.loads(sys.stdin.buffer.read(size))\n"
    "import importlib.util\n"
    "for name in ('webmail', 'webmail.index', 'webmail.mailbox'):\n"
    "    spec = importlib.util.find_spec(name)\n"
    "    package = types.ModuleType(name)\n"
    "    package.__path__ = list(spec.submodule_search_locations)\n"
    "    package.__spec__ = spec\n"
    "    sys.modules[name] = package\n"
    "    if '.' in name:\n"
    "        setattr(sys.modules[name.rpartition('.')[0]], name.rpartition('.')[2], package)\n"
    "from webmail.mailbox.analysis import _main\n"
    "sys.exit(_main())\n"
)
Rows = list[tuple[object, ...]]


class HelperFailed(Exception):
    """A helper did not start, died, or answered garbage: build the rows in this process."""


def chunk_rows(data: Sequence[Any], folder: str, threshold: timedelta) -> Rows:
    """The stored rows (``webmail.index.rows.DB_ORDER``) of one chunk's FETCH data: every
    record read by :func:`webmail.mailbox.wire.list_records`, its row built by
    ``wire.summary_of`` (``webmail.message.summary.summarize``) and ``row_values``."""
    return [
        row_values(wire.summary_of(record, folder, threshold)) for record in wire.list_records(data)
    ]


def write_frame(out: IO[bytes], obj: object) -> None:
    """Write ``obj`` to ``out`` as one frame: its pickle's length (8 bytes), then the pickle."""
    write_payload(out, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def write_payload(out: IO[bytes], payload: bytes) -> None:
    """Write a pickle made already as one frame (:func:`write_frame`)."""
    out.write(_HEAD.pack(len(payload)))
    out.write(payload)
    out.flush()


def read_frame(inp: IO[bytes]) -> Any:
    """The object of the next frame on ``inp`` (:func:`write_frame`); EOFError when it ends."""
    head = inp.read(_HEAD.size)
    if len(head) < _HEAD.size:
        raise EOFError
    (size,) = _HEAD.unpack(head)
    payload = inp.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


class _Helper:
    """One helper process and its pipes."""

    def __init__(self) -> None:
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-S", "-c", _BOOTSTRAP, str(HELPER_NICE.get())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
            )
        except OSError as exc:
            raise HelperFailed(f"the helper did not start: {exc}") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.in_flight = 0
        # Answers are read as soon as they come, so the helper never waits on a full pipe while
        # this process writes it the next chunk.
        self._answers: queue.Queue[object] = queue.Queue()
        self._reader = threading.Thread(
            target=self._read_answers, name="webmail-sync-helper", daemon=True
        )
        self._reader.start()
        # The first frame: this process's import path, so the helper imports the same webmail.
        try:
            self.send_raw(list(sys.path))
        except HelperFailed:
            self.close()
            raise

    def send_raw(self, obj: object) -> None:
        try:
            write_frame(self.stdin, obj)
        except (OSError, ValueError) as exc:
            raise HelperFailed(f"a helper stopped reading: {exc}") from exc

    def _read_answers(self) -> None:
        while True:
            try:
                answer = read_frame(self.stdout)
            except (EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
                self._answers.put(_Died(exc))
                return
            self._answers.put(answer)

    def send(self, payload: bytes) -> None:
        """Send a job's pickle (see :meth:`Helpers.submit`)."""
        try:
            write_payload(self.stdin, payload)
        except (OSError, ValueError) as exc:
            raise HelperFailed(f"a helper stopped reading: {exc}") from exc
        self.in_flight += 1

    def receive(self) -> Rows:
        rows = self._answers.get()
        if isinstance(rows, _Died):
            self._answers.put(rows)  # every later receive fails the same way
            code = self.proc.poll()
            raise HelperFailed(f"a helper died (exit {code}): {rows.cause!r}")
        self.in_flight -= 1
        if isinstance(rows, BaseException):
            raise rows
        if not isinstance(rows, list):
            raise HelperFailed(f"a helper answered {type(rows).__name__}")
        return rows

    def close(self) -> None:
        try:
            self.stdin.close()  # the helper ends, its stdout closes, the reader thread ends
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        try:
            self.stdout.close()
        except OSError:
            pass


class _Died:
    """A helper's stdout ended or broke (what the reader thread saw)."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause


class Helpers:
    """``count`` helper processes; :meth:`submit` a chunk, :meth:`take` the oldest chunk's rows.

    Up to :data:`PER_HELPER` chunks in each helper's hands (one it works on, one waiting, so it
    never waits for this process), round robin, so the rows come back in submission order.
    """

    def __init__(self, count: int, folder: str, threshold: timedelta) -> None:
        self.folder, self.seconds = folder, threshold.total_seconds()
        self._helpers: list[_Helper] = []
        self._sent = 0  # chunks submitted
        self._taken = 0  # chunks whose rows were taken
        try:
            for _ in range(max(1, count)):
                self._helpers.append(_Helper())
        except HelperFailed:
            self.close()
            raise

    @property
    def free(self) -> bool:
        """The next helper in turn has room for a chunk: :meth:`submit` may go ahead."""
        return self._helpers[self._sent % len(self._helpers)].in_flight < PER_HELPER

    @property
    def pids(self) -> list[int]:
        """The helpers' process ids."""
        return [helper.proc.pid for helper in self._helpers]

    @property
    def in_flight(self) -> int:
        return self._sent - self._taken

    def submit(self, data: Sequence[Any]) -> bytes:
        """Hand ``data`` to the next helper in turn; it must be :attr:`free`. Returns the job
        as sent, a pickle (:func:`job_data` gives ``data`` back): one bytes object holds the
        chunk until its rows are back, not the thousands ``data`` is made of."""
        helper = self._helpers[self._sent % len(self._helpers)]
        assert helper.in_flight < PER_HELPER, "take() the oldest rows first"
        payload = pickle.dumps((self.folder, self.seconds, data), protocol=pickle.HIGHEST_PROTOCOL)
        helper.send(payload)
        self._sent += 1
        return payload

    def take(self) -> Rows:
        """The rows of the oldest chunk not taken yet (waits for them)."""
        assert self.in_flight > 0
        helper = self._helpers[self._taken % len(self._helpers)]
        rows = helper.receive()
        self._taken += 1
        return rows

    def close(self) -> None:
        """End every helper (closing its stdin ends it)."""
        for helper in self._helpers:
            helper.close()
        self._helpers = []


def job_data(payload: bytes) -> Any:
    """The FETCH data of a job :meth:`Helpers.submit` sent."""
    return pickle.loads(payload)[2]


def lower_priority_from_argv() -> None:
    """In a helper or fill process: lower its priority by the niceness its command line's
    first argument gives (started by :class:`Helpers` or ``jobs.start_fill_process``); a
    system that refuses leaves it as it is."""
    nice = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass


def _main() -> int:
    """The helper: answer each job on stdin with its rows on stdout until stdin closes."""
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot break the pipe
    lower_priority_from_argv()
    while True:
        try:
            folder, seconds, data = read_frame(inp)
        except EOFError:
            return 0
        try:
            answer: object = chunk_rows(data, folder, timedelta(seconds=seconds))
        except Exception as exc:  # handed to the sync, which raises it as its own
            answer = exc
        del data
        try:
            write_frame(out, answer)
        except (BrokenPipeError, OSError):
            return 0


