"""The delays service: every message of a folder (or of every folder) as the delays page
draws it, the delivery incidents among them, and the late news of the list banner. No Flask.

The page reads top to bottom like the list: the view brings each folder up to date in the
index the way the list does (:func:`webmail.listing.list_folder`), then :func:`delay_report`
reads it. With an index every row comes from it (:meth:`IndexStore.delay_rows`); above
:data:`MAX_MARKS` messages only the late rows are read one by one, and the on-time ones are
counted into buckets (:meth:`IndexStore.delay_buckets`: for SQLite one grouped query over a
covering index), so a 100,000-message folder costs about three list pages. Without an index
(``WEBMAIL_INDEX=off``, the demo) the rows come from :meth:`Mailbox.summaries`. Incidents
come from :func:`webmail.headers.incidents.group_incidents`, as in the command line.

:func:`late_news` counts what the list banner tells: late mail, still unread, that reached the
folder after the reader's previous visit (:func:`next_visit` keeps the visits).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from webmail.headers.incidents import Hold, Incident, group_incidents, hold_of, incident_query
from webmail.index import IndexStore
from webmail.index.rows import DELAY_BUCKETS_PER_DECADE, DelayRow, delay_bucket_of
from webmail.mailbox import Mailbox, MessageSummary

__all__ = [
    "CLUSTER_BUCKETS_PER_DECADE", "MAX_MARKS", "TIME_BUCKETS", "VISIT_GAP", "Cluster",
    "DelayReport", "LateNews", "Mark", "banner_text", "cluster_query", "delay_report",
    "late_news", "next_visit", "visit_changed",
]

#: Up to this many messages the plot has one mark per message; above, alike messages
#: (sent close together, delayed alike, held at the same host) share one mark.
MAX_MARKS = 2000
#: Shared marks: the plot's time span is cut into this many columns ...
TIME_BUCKETS = 96
#: ... and each power of ten of delay into this many rows (DELAY_BUCKETS_PER_DECADE, 20, is
#: a multiple of it).
CLUSTER_BUCKETS_PER_DECADE = 4
#: Rows the banner looks at, newest arrival first, before it stops counting.
MAX_NEWS_SCAN = 5000
#: On a first visit the banner counts late unread mail that arrived this long before the
#: folder's newest message (not years of it: one query of a few rows, whatever the folder).
FIRST_VISIT_WINDOW = timedelta(days=14)
#: A list page seen after this long away starts a new visit.
VISIT_GAP = timedelta(minutes=30)
#: A visit's "last seen" is written at most this often (not on every page load).
VISIT_WRITE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Mark:
    """One message on the plot.

    :ivar folder: its folder.
    :ivar uid: its UID there.
    :ivar sent: the true sent time, UTC.
    :ivar delivered: when it reached the mailbox, UTC, or ``None``.
    :ivar delay_seconds: delivered - sent, or ``None`` when unknown.
    :ivar late: it arrived late.
    :ivar held_at: the host where it waited longest, or ``None``.
    :ivar subject: its subject ("" when none).
    """

    folder: str
    uid: int
    sent: datetime
    delivered: datetime | None
    delay_seconds: int | None
    late: bool
    held_at: str | None
    subject: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """Alike messages of one folder sharing one mark (folders of more than :data:`MAX_MARKS`).

    :ivar folder: their folder.
    :ivar count: how many messages.
    :ivar first_sent: the earliest true sent time among them, UTC.
    :ivar last_sent: the latest.
    :ivar min_delay: the shortest delay, or ``None`` when unknown.
    :ivar max_delay: the longest, or ``None``.
    :ivar late: they arrived late.
    :ivar held_at: for late ones, the host that held them; else ``None``.
    """

    folder: str
    count: int
    first_sent: datetime
    last_sent: datetime
    min_delay: int | None
    max_delay: int | None
    late: bool
    held_at: str | None


@dataclass(frozen=True, slots=True)
class DelayReport:
    """What the delays page and ``/api/delays`` show.

    :ivar folder: the folder asked for, or ``None`` for every folder.
    :ivar threshold: mail delivered later than this after it was sent is late.
    :ivar total: messages drawn.
    :ivar late_count: how many of them arrived late (the all-time total).
    :ivar marks: one per message, oldest sent first, when ``total <= MAX_MARKS``; else ``()``.
    :ivar clusters: the shared marks when ``total > MAX_MARKS``; else ``()``.
    :ivar incidents: newest first (:func:`webmail.headers.incidents.group_incidents`).
    :ivar indexing: a folder is still being indexed: older mail may be missing.
    """

    folder: str | None
    threshold: timedelta
    total: int
    late_count: int
    marks: tuple[Mark, ...]
    clusters: tuple[Cluster, ...]
    incidents: tuple[Incident, ...]
    indexing: bool = False


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _hold(row: DelayRow) -> Hold | None:
    if row.hold_start is None or row.hold_end is None or not row.held_at:
        return None
    return Hold(
        row.held_at, _utc(row.hold_start), _utc(row.hold_end), _utc(row.sent),
        row.delay_seconds or 0,
    )


def delay_report(
    mbox: Mailbox,
    folders: Sequence[str],
    *,
    folder: str | None,
    threshold: timedelta,
    zone: tzinfo = UTC,
    index: IndexStore | None = None,
    account: str = "",
    indexing: bool = False,
    plot: bool = True,
) -> DelayReport:
    """The report of ``folders`` (the one asked for, or every folder when ``folder`` is
    ``None``), read from ``index`` under ``account`` when given (the caller synced them),
    else from ``mbox.summaries``. ``zone`` gives the days of the incidents' search queries.
    Without ``plot`` the report has no marks and no clusters (``/api/delays`` needs only the
    incidents and the counts, and an index then reads only the late rows)."""
    if index is None:
        rows = [s for name in folders for s in mbox.summaries(name)]
        return _from_summaries(rows, folder, threshold, zone, indexing, plot)
    counts = [index.counts(account, name) for name in folders]
    total = sum(c[0] for c in counts)
    late_count = sum(c[1] for c in counts)
    holds: list[Hold] = []
    marks: list[Mark] = []
    clusters: list[Cluster] = []
    if plot and total <= MAX_MARKS:
        for name in folders:
            for r in index.delay_rows(account, name):
                marks.append(_mark(name, r))
                hold = _hold(r) if r.late else None
                if hold is not None:
                    holds.append(hold)
        marks.sort(key=lambda m: (m.sent, m.folder, m.uid))
    else:
        late_rows = {name: index.delay_rows(account, name, late_only=True) for name in folders}
        for some in late_rows.values():
            holds.extend(h for h in map(_hold, some) if h is not None)
        if plot:
            clusters = _clusters(index, account, late_rows)
    return DelayReport(
        folder, threshold, total, late_count, tuple(marks), tuple(clusters),
        group_incidents(holds, threshold, zone=zone), indexing,
    )


def _mark(folder: str, r: DelayRow) -> Mark:
    return Mark(
        folder, r.uid, _utc(r.sent), None if r.delivered is None else _utc(r.delivered),
        r.delay_seconds, r.late, r.held_at, r.subject,
    )


def _from_summaries(
    rows: Sequence[MessageSummary], folder: str | None, threshold: timedelta, zone: tzinfo,
    indexing: bool, plot: bool,
) -> DelayReport:
    marks = sorted(
        (
            Mark(
                s.folder, s.uid, s.sent.astimezone(UTC),
                None if s.analysis.delivered is None else s.analysis.delivered.astimezone(UTC),
                s.analysis.delay_seconds, s.late, s.held_at, s.subject,
            )
            for s in rows
        ),
        key=lambda m: (m.sent, m.folder, m.uid),
    )
    holds = [h for h in (hold_of(s.analysis) for s in rows) if h is not None]
    late_count = sum(1 for s in rows if s.late)
    incidents = group_incidents(holds, threshold, zone=zone)
    if not plot:
        return DelayReport(folder, threshold, len(marks), late_count, (), (), incidents, indexing)
    if len(marks) <= MAX_MARKS:
        return DelayReport(folder, threshold, len(marks), late_count, tuple(marks), (),
                           incidents, indexing)  # fmt: skip
    return DelayReport(folder, threshold, len(marks), late_count, (), tuple(_merge(marks)),
                       incidents, indexing)  # fmt: skip


def _span(index: IndexStore, account: str, folders: Iterable[str]) -> tuple[int, int] | None:
    """(earliest, latest) true sent time of the folders' rows, epoch seconds (two one-row
    reads per folder through the index on the sent time)."""
    ends: list[int] = []
    for name in folders:
        for newest in (False, True):
            rows = index.page(account, name, "sent", limit=1, newest_first=newest)
            ends.extend(int(r.sent.timestamp()) for r in rows)
    return (min(ends), max(ends)) if ends else None


def _bucket_seconds(first: int, last: int) -> int:
    return max(60, -(-(last - first + 1) // TIME_BUCKETS))


class _Tally:
    """Figures of one shared mark while it is counted."""

    __slots__ = ("count", "first", "last", "low", "high")

    def __init__(self) -> None:
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None
        self.low: int | None = None
        self.high: int | None = None

    def add(self, count: int, first: int, last: int, low: int | None, high: int | None) -> None:
        self.count += count
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)
        if low is not None:
            self.low = low if self.low is None else min(self.low, low)
        if high is not None:
            self.high = high if self.high is None else max(self.high, high)

    def cluster(self, folder: str, late: bool, host: str | None) -> Cluster:
        return Cluster(
            folder, self.count, _utc(self.first or 0), _utc(self.last or 0), self.low, self.high,
            late, host,
        )


_ClusterKey = tuple[str, int, int | None, bool, str | None]  # folder, time, delay, late, host
_PER_CLUSTER = max(1, DELAY_BUCKETS_PER_DECADE // CLUSTER_BUCKETS_PER_DECADE)


def _clusters(
    index: IndexStore, account: str, late_rows: dict[str, list[DelayRow]]
) -> list[Cluster]:
    """Shared marks of the folders (``late_rows``: each folder's late rows): on-time mail from
    the index's buckets (a mark spans its bucket: its times and delays are the bucket's
    bounds), late mail from its rows (exact), in :data:`TIME_BUCKETS` columns and
    :data:`CLUSTER_BUCKETS_PER_DECADE` rows a power of ten."""
    span = _span(index, account, late_rows)
    if span is None:
        return []
    step = _bucket_seconds(*span)
    tallies: dict[_ClusterKey, _Tally] = {}
    for name, rows in late_rows.items():
        for b in index.delay_buckets(account, name, step):
            row = None if b.delay_bucket is None else b.delay_bucket // _PER_CLUSTER
            tally = tallies.setdefault((name, b.time_bucket, row, False, None), _Tally())
            low, high = _delay_bounds(row)
            first = max(span[0], b.time_bucket * step)
            tally.add(b.messages, first, min(span[1], first + step - 1), low, high)
        for r in rows:
            bucket = delay_bucket_of(r.delay_seconds)
            row = None if bucket is None else bucket // _PER_CLUSTER
            tally = tallies.setdefault((name, r.sent // step, row, True, r.held_at), _Tally())
            tally.add(1, r.sent, r.sent, r.delay_seconds, r.delay_seconds)
    return [t.cluster(k[0], k[3], k[4]) for k, t in tallies.items()]


def _delay_bounds(row: int | None) -> tuple[int | None, int | None]:
    """The whole seconds a cluster row of delays spans (row 0 from 0 s); ``None`` unknown."""
    if row is None:
        return None, None
    per = CLUSTER_BUCKETS_PER_DECADE
    low = 0 if row == 0 else math.ceil(10 ** (row / per))
    return low, max(low, math.ceil(10 ** ((row + 1) / per)) - 1)


def _merge(marks: Sequence[Mark]) -> list[Cluster]:
    """Shared marks of more than :data:`MAX_MARKS` messages read without an index (the same
    buckets as :func:`_clusters`); ``marks`` are sorted by sent time."""
    step = _bucket_seconds(int(marks[0].sent.timestamp()), int(marks[-1].sent.timestamp()))
    tallies: dict[_ClusterKey, _Tally] = {}
    for mark in marks:
        sent = int(mark.sent.timestamp())
        bucket = delay_bucket_of(mark.delay_seconds)
        row = None if bucket is None else bucket // _PER_CLUSTER
        key = (mark.folder, sent // step, row, mark.late, mark.held_at if mark.late else None)
        tally = tallies.get(key) or tallies.setdefault(key, _Tally())
        tally.add(1, sent, sent, mark.delay_seconds, mark.delay_seconds)
    return [t.cluster(k[0], k[3], k[4]) for k, t in tallies.items()]


def cluster_query(cluster: Cluster, zone: tzinfo = UTC) -> str:
    """The search that lists a shared mark's messages: the days of its sent times in ``zone``
    (``after:`` inclusive, ``before:`` exclusive), with ``held:HOST is:late`` for late mail
    and ``-is:late`` for mail on time."""
    if cluster.late and cluster.held_at:
        return incident_query(cluster.held_at, cluster.first_sent, cluster.last_sent, zone)
    try:
        after = cluster.first_sent.astimezone(zone).date()
        before = cluster.last_sent.astimezone(zone).date() + timedelta(days=1)
        days = f"after:{after.isoformat()} before:{before.isoformat()}"
    except (OverflowError, ValueError):
        days = ""
    return f"{days} {'is:late' if cluster.late else '-is:late'}".strip()


# -- the list banner: late mail that arrived since the previous visit ----------------------


@dataclass(frozen=True, slots=True)
class LateNews:
    """Late, unread mail that reached a folder after the reader's previous visit.

    :ivar count: how many messages (at least 1).
    :ivar first_sent: the earliest true sent time among them, UTC.
    :ivar last_sent: the latest.
    :ivar hosts: the hosts that held them, most messages first (ties by name).
    :ivar since: the end of the previous visit, or ``None`` on a first visit (late unread
        mail of the folder's last :data:`FIRST_VISIT_WINDOW` counts then).
    """

    count: int
    first_sent: datetime
    last_sent: datetime
    hosts: tuple[str, ...]
    since: datetime | None


def late_news(
    mbox: Mailbox,
    folder: str,
    since: datetime | None,
    *,
    index: IndexStore | None = None,
    account: str = "",
) -> LateNews | None:
    """The banner's news for ``folder``: late mail not read yet that arrived (IMAP arrival)
    after ``since``; on a first visit (``since`` is ``None``) after
    :data:`FIRST_VISIT_WINDOW` before the folder's newest arrival. From the index when given
    (newest arrival first, at most :data:`MAX_NEWS_SCAN` late rows looked at), else from
    ``mbox.summaries``. ``None`` when there is none."""
    found: list[tuple[datetime, str | None]] = []
    if index is None:
        rows = mbox.summaries(folder)
        cutoff = since
        if cutoff is None and rows:
            cutoff = max(s.arrival for s in rows) - FIRST_VISIT_WINDOW
        for s in rows:
            if s.late and not s.seen and (cutoff is None or s.arrival > cutoff):
                found.append((s.sent, s.held_at))
    else:
        cutoff = since
        if cutoff is None:
            newest = index.page(account, folder, "arrival", limit=1)
            if not newest:
                return None
            cutoff = newest[0].arrival - FIRST_VISIT_WINDOW
        unread = index.unread_late(account, folder, cutoff, MAX_NEWS_SCAN)
        if not unread.count or unread.first_sent is None or unread.last_sent is None:
            return None
        hosts = tuple(sorted(unread.hosts, key=lambda h: (-unread.hosts[h], h)))
        return LateNews(unread.count, unread.first_sent, unread.last_sent, hosts, since)
    if not found:
        return None
    sent = [when for when, _ in found]
    by_count = Counter(host for _, host in found if host)
    hosts = tuple(sorted(by_count, key=lambda h: (-by_count[h], h)))
    return LateNews(len(found), min(sent), max(sent), hosts, since)


def next_visit(
    visit: tuple[datetime | None, datetime] | None, now: datetime
) -> tuple[datetime | None, datetime]:
    """The reader's visit to a folder after a list page seen at ``now``: ``(since,
    last_seen)``. ``visit`` is the stored one (``None`` for a first visit). A page seen more
    than :data:`VISIT_GAP` after the last one starts a new visit, whose ``since`` is the old
    ``last_seen``; otherwise the visit goes on with the same ``since``."""
    if visit is None:
        return None, now
    since, last_seen = visit
    if now - last_seen > VISIT_GAP:
        return last_seen, now
    return since, max(last_seen, now)


def visit_changed(
    old: tuple[datetime | None, datetime] | None, new: tuple[datetime | None, datetime]
) -> bool:
    """The visit must be written: it is new, started over, or its last page is older than
    :data:`VISIT_WRITE_EVERY`."""
    return old is None or old[0] != new[0] or new[1] - old[1] >= VISIT_WRITE_EVERY


def banner_text(news: LateNews, zone: tzinfo) -> str:
    """``3 late messages delivered since your last visit — sent Fri–Sun, held at
    mx2.example.com`` (``... you have not read yet ...`` on a first visit); days in ``zone``."""
    noun = "late message" if news.count == 1 else "late messages"
    if news.since is None:
        head = f"{news.count} {noun} you have not read yet"
    else:
        head = f"{news.count} {noun} delivered since your last visit"
    parts = [f"sent {sent_days(news.first_sent, news.last_sent, zone)}"]
    if news.hosts:
        parts.append(f"held at {hosts_text(news.hosts)}")
    return f"{head} — {', '.join(parts)}"


def sent_days(first: datetime, last: datetime, zone: tzinfo) -> str:
    """``Fri``, ``Fri–Sun`` (within a week), else ``30 Oct–8 Nov`` (``30 Oct 2025–8 Jan 2026``
    across a new year); days in ``zone``."""
    try:
        a, b = first.astimezone(zone), last.astimezone(zone)
    except (OverflowError, ValueError):
        return "at unknown times"
    if a.date() == b.date():
        return f"{a:%a}"
    if (b.date() - a.date()).days < 7:
        return f"{a:%a}–{b:%a}"
    if a.year != b.year:
        return f"{a.day} {a:%b %Y}–{b.day} {b:%b %Y}"
    return f"{a.day} {a:%b}–{b.day} {b:%b}"


def hosts_text(hosts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``, ``a, b and 3 other hosts``."""
    if len(hosts) == 1:
        return hosts[0]
    if len(hosts) == 2:
        return f"{hosts[0]} and {hosts[1]}"
    if len(hosts) == 3:
        return f"{hosts[0]}, {hosts[1]} and {hosts[2]}"
    return f"{hosts[0]}, {hosts[1]} and {len(hosts) - 2} other hosts"
