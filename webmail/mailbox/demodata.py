"""The demo mailbox's mail: real RFC 5322 messages that replay a provider outage.

The story: the reader's provider (``example.com``) has two inbound mail exchangers. From a
Friday evening to a Sunday evening, ``mx2.example.com`` accepted mail but could not hand it to
the mail store ``imap.example.com``; it held the mail in its queue and released it from Sunday
night to Wednesday, out of order. Mail through ``mx1.example.com`` kept arriving on time.

The mail is a data table, :data:`DEMO_MESSAGES`: one :class:`DemoRow` per message, each with a
stable :attr:`~DemoRow.name` that tests and docs use to find it. :func:`generate` turns the
table into messages for a reference instant ("now"): the outage weekend is the most recent
Friday–Wednesday that has fully passed, so the dates always look recent. The same reference (to
the day) always gives the same messages; the two most recent messages are placed relative to
the reference itself.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

DEMO_ADDRESS = "demo@example.com"
DEMO_NAME = "Dana Demo"
HELD_HOST = "mx2.example.com"  # the inbound MX that held mail over the weekend
ONTIME_MX = "mx1.example.com"
MAILSTORE_HOST = "imap.example.com"

# Kinds of demo message, so tests and docs can find them.
OUTAGE = "outage"
ONTIME = "ontime"
NO_DATE = "no-date"
FUTURE_SPAM = "future-spam"
LOCAL = "local"  # written by the reader (Sent, Drafts): no Received chain

# The outage window, in hours after the outage Friday 00:00 UTC: outage mail is sent at random
# times in SENT_WINDOW and released by the held MX at random times in RELEASE_WINDOW.
OUTAGE_SENT_WINDOW = (18.0, 66.0)  # Friday 18:00 to Sunday 18:00
OUTAGE_RELEASE_WINDOW = (70.5, 108.0)  # Sunday 22:30 to Wednesday 12:00

_POLICY = email_policy.SMTP.clone(max_line_length=78)
_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
# Attachment content by file extension: (MIME type, stand-in bytes).
_ATTACHMENT_DATA = {".pdf": ("application/pdf", _PDF), ".jpg": ("image/jpeg", _JPEG)}

SEEN = (r"\Seen",)


@dataclass(frozen=True, slots=True)
class DemoRow:
    """One demo message as data: :func:`generate` turns it into a :class:`DemoMessage`.

    :ivar name: stable, unique key of the message (``DemoStore.uid_of(name)`` finds its UID).
    :ivar folder: the folder it is filed in.
    :ivar kind: ``outage`` (through :data:`HELD_HOST`, sent and released at random times in the
        outage window), ``ontime``, ``no-date`` or ``future-spam`` (through :data:`ONTIME_MX`,
        delivered within a minute), or ``local`` (written by the reader: no Received chain).
    :ivar sender: (display name, address) of From.
    :ivar subject: the Subject.
    :ivar body: the plain-text body.
    :ivar at: when it was really sent, in hours after the outage Friday 00:00 UTC; ``None`` for
        outage mail (drawn in the window) and for mail placed by ``ago``.
    :ivar ago: when it was really sent, as a time before the reference instant.
    :ivar zone: the sender's UTC offset in hours, as the Date header writes it.
    :ivar date_ahead: how far the Date header is ahead of the real sending time (a sender's
        wrong clock); ``None``: no Date header.
    :ivar to: (display name, address) of To.
    :ivar flags: initial IMAP flags.
    :ivar attachments: file names (``.pdf`` or ``.jpg``), attached with stand-in content.
    :ivar html: an HTML alternative to ``body``.
    :ivar headers: extra header fields, in order.
    :ivar filed_after: local mail only: the time from the Date to filing (its INTERNALDATE).
    """

    name: str
    folder: str
    kind: str
    sender: tuple[str, str]
    subject: str
    body: str
    at: float | None = None
    ago: timedelta | None = None
    zone: float = 0.0
    date_ahead: timedelta | None = timedelta(0)
    to: tuple[str, str] = (DEMO_NAME, DEMO_ADDRESS)
    flags: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    filed_after: timedelta = timedelta(0)


@dataclass(frozen=True)
class DemoMessage:
    """One generated message.

    :ivar folder: the folder it is filed in.
    :ivar raw: the RFC 5322 bytes (CRLF line ends).
    :ivar arrival: the INTERNALDATE: when the mail store received it, tz-aware UTC.
    :ivar flags: initial IMAP flags.
    :ivar kind: ``outage``, ``ontime``, ``no-date``, ``future-spam`` or ``local``.
    :ivar name: the :attr:`DemoRow.name` it was made from.
    """

    folder: str
    raw: bytes
    arrival: datetime
    flags: frozenset[str]
    kind: str
    name: str


_NEWSLETTER_HTML = """<!doctype html><html><body style="font-family:sans-serif">
<h1>The Weekly Byte</h1><p><b>This week:</b> why your mail arrives late, and how to read a
<code>Received</code> header.</p><p><a href="https://byte.example.net/212">Read online</a></p>
<img src="https://byte.example.net/pixel.gif" width="1" height="1" alt="">
</body></html>
"""

_WELCOME = """Welcome to the demo mailbox.

From Friday evening to Sunday evening, our provider's second inbound mail exchanger
(mx2.example.com) accepted mail but could not pass it on to the mail store. It released
the mail from Sunday night to Wednesday, in no particular order.

This webmail shows every message at the time it was really sent, and badges the late
ones: open one to see where it was held. Sort by arrival to see the order the mail
server delivered them in.
"""

_ME = (DEMO_NAME, DEMO_ADDRESS)
_SORRY = "Sorry! Your mail only reached me today: our provider held it.\n"

# Every demo message, in the order generate() builds them. One seeded random generator makes
# the queue IDs, IP addresses and hop times in this order (the outage window first), so a row
# added at the end keeps every other message's bytes; inserting or reordering rows does not.
# fmt: off
DEMO_MESSAGES: tuple[DemoRow, ...] = (
    # The outage: sent Friday 18:00 to Sunday 18:00 UTC, released Sunday 22:30 to Wednesday 12:00.
    DemoRow("brunch-saturday", "INBOX", OUTAGE,
            ("Priya Natarajan", "priya@example.org"), "Are we still on for Saturday brunch?",
            "Hi Dana,\n\nAre we still on for brunch on Saturday at 11? Let me know tonight.\n\n"
            "Priya",
            zone=1, flags=SEEN),
    DemoRow("oncall-handover", "INBOX", OUTAGE,
            ("Ops rota", "oncall@ops.example.net"), "Weekend on-call handover",
            "You are on call from Saturday 08:00. Pager test at 08:05, please acknowledge.\n"),
    DemoRow("order-shipped", "INBOX", OUTAGE,
            ("Lumen Shop", "orders@shop.example.net"), "Your order #48213 has shipped",
            "Good news! Order #48213 left our warehouse and should arrive Monday.\n",
            zone=-5),
    DemoRow("contract-cancelled", "INBOX", OUTAGE,
            ("Jonas Weber", "jonas.weber@example.de"), "Kündigungsbestätigung Ihres Vertrags",
            "Sehr geehrte Frau Demo,\n\nhiermit bestätigen wir Ihre Kündigung zum Monatsende.\n",
            zone=2),
    DemoRow("flight-checkin", "INBOX", OUTAGE,
            ("Sky Air", "checkin@air.example.net"), "Flight check-in is open: LIS → BER",
            "Check-in for your Sunday flight LIS → BER is now open.\n",
            zone=1, flags=SEEN),
    DemoRow("hike-photos", "INBOX", OUTAGE,
            ("Marta Silva", "marta@example.org"), "Photos from the hike",
            "Here are the photos from today. The view from the ridge was worth it!\n",
            zone=1, attachments=("ridge.jpg", "summit.jpg")),
    DemoRow("invoice-held-weekend", "INBOX", OUTAGE,
            ("Accounts", "billing@example.net"), "Invoice INV-117 (due Monday)",
            "Please find invoice INV-117 attached, due on Monday.\n",
            attachments=("INV-117.pdf",)),
    DemoRow("pr-review-request", "INBOX", OUTAGE,
            ("Alex Kim", "alex.kim@example.org"), "Can you review my PR before Monday?",
            "Hi Dana, could you look at the parser PR over the weekend? "
            "It blocks Monday's release.\n",
            zone=-7),
    DemoRow("dinner-sunday", "INBOX", OUTAGE,
            ("Priya Natarajan", "priya@example.org"), "Dinner Sunday? 🍝",
            "Dinner at ours on Sunday at 7? Bring nothing but yourself.\n",
            zone=1, flags=SEEN),
    DemoRow("security-alert", "INBOX", OUTAGE,
            ("Security", "no-reply@accounts.example.net"), "Security alert: new sign-in",
            "We noticed a new sign-in to your account from Lisbon. "
            "If this was you, ignore this.\n"),
    DemoRow("pr-review-never-mind", "INBOX", OUTAGE,
            ("Alex Kim", "alex.kim@example.org"), "Re: Can you review my PR before Monday?",
            "Never mind, Sam reviewed it. Enjoy your weekend!\n",
            zone=-7),
    DemoRow("parents-meeting", "INBOX", OUTAGE,
            ("École Jean Moulin", "office@ecole.example.fr"),
            "Rappel : réunion de parents lundi 8h",
            "Bonjour,\n\nNous vous rappelons la réunion de parents lundi à 8h.\n",
            zone=2),
    DemoRow("parcel-missed", "INBOX", OUTAGE,
            ("Parcel Post", "tracking@parcel.example.net"), "Delivery attempt failed",
            "We tried to deliver your parcel on Saturday. Book a new slot online.\n",
            zone=1, flags=SEEN),
    DemoRow("standup-moved", "INBOX", OUTAGE,
            ("Sam Ortiz", "sam@example.org"), "Moving the Monday standup to 10:00",
            "Heads up: Monday's standup moves to 10:00 because of the release.\n",
            zone=-4),
    DemoRow("birthday", "INBOX", OUTAGE,
            ("Grandma", "oma@example.de"), "Happy birthday! 🎂",
            "Alles Gute zum Geburtstag, mein Schatz! Ruf mich an, wenn du Zeit hast.\n",
            zone=2),
    DemoRow("dinner-sunday-reply", "INBOX", OUTAGE,
            ("Marta Silva", "marta@example.org"), "Re: Dinner Sunday? 🍝",
            "Count me in too if there is room!\n",
            zone=1),
    DemoRow("pager-test-missed", "INBOX", OUTAGE,
            ("Ops rota", "oncall@ops.example.net"), "Pager test not acknowledged",
            "The 08:05 pager test was not acknowledged. Escalating to the secondary.\n",
            flags=SEEN),
    DemoRow("brunch-where-are-you", "INBOX", OUTAGE,
            ("Priya Natarajan", "priya@example.org"), "Where are you? Brunch table is ready",
            "We are at the usual place. Did you get my message on Friday?\n",
            zone=1),
    # On-time mail through mx1, before, during and after the outage.
    DemoRow("quarterly-report", "INBOX", ONTIME,
            ("Team Lead", "lead@work.example.org"), "Quarterly report draft",
            "Draft attached. Comments by Thursday please.\n",
            at=-100.0, zone=-4, flags=SEEN, attachments=("report.pdf",)),
    DemoRow("meeting-materials", "INBOX", ONTIME,
            ("Kenji Sato", "kenji@example.jp"), "会議の資料 (meeting materials)",
            "資料を添付します。よろしくお願いします。\n",
            at=-90.5, zone=9, flags=SEEN, attachments=("report.pdf",)),
    DemoRow("newsletter", "INBOX", ONTIME,
            ("The Weekly Byte", "newsletter@byte.example.net"), "The Weekly Byte — issue 212",
            "This week: why your mail arrives late, and how to read a Received header.\n",
            at=-75.2, flags=SEEN, html=_NEWSLETTER_HTML,
            headers=(("List-Unsubscribe", "<https://byte.example.net/unsub>"),)),
    DemoRow("quarterly-report-reply", "INBOX", ONTIME,
            ("Team Lead", "lead@work.example.org"), "Re: Quarterly report draft",
            "Thanks, looks good. One comment on page 3.\n",
            at=-70.0, zone=-4, flags=(r"\Seen", r"\Answered")),
    DemoRow("coffee-receipt", "INBOX", ONTIME,
            ("Example Coffee", "receipts@coffee.example.net"), "Your receipt from Example Café",
            "Flat white 3.20 EUR. Thank you for your visit!\n",
            at=-52.3, zone=1, flags=SEEN),
    DemoRow("book-club", "INBOX", ONTIME,
            ("Book Club", "club@books.example.org"), "Book club: next pick",
            "The next pick is 'The Long Way Round'. See you in two weeks.\n",
            at=-30.1, flags=SEEN),
    DemoRow("offsite-ideas", "INBOX", ONTIME,
            ("Sam Ortiz", "sam@example.org"), "Team offsite ideas",
            "Ideas for the offsite: hiking, a cooking class, or a boat trip?\n",
            at=-12.4, zone=-4, flags=SEEN),
    DemoRow("ticket-resolved", "INBOX", ONTIME,
            ("Helpdesk", "helpdesk@work.example.org"), "Ticket #5531 resolved",
            "Your ticket #5531 (VPN drops) has been resolved.\n",
            at=10.7, flags=SEEN),
    DemoRow("cafe-tomorrow", "INBOX", ONTIME,
            ("Zoë Brontë", "zoe@example.org"), "Café tomorrow?",
            "Fancy a coffee tomorrow morning at the café on the corner?\n",
            at=20.2, zone=1, flags=SEEN),
    DemoRow("garden-update", "INBOX", ONTIME,
            ("Marta Silva", "marta@example.org"), "Garden update 🌱",
            "The tomatoes are finally red. Photo attached.\n",
            at=33.8, zone=1, flags=SEEN, attachments=("tomatoes.jpg",)),
    DemoRow("electricity-bill", "INBOX", ONTIME,
            ("Power Co", "billing@power.example.net"), "Your electricity bill is ready",
            "Your bill is ready in your account. Amount due: 61.40 EUR.\n",
            at=58.5, flags=SEEN),
    DemoRow("offsite-ideas-reply", "INBOX", ONTIME,
            ("Sam Ortiz", "sam@example.org"), "Re: Team offsite ideas",
            "Boat trip it is, unless it rains.\n",
            at=81.0, zone=-4, flags=SEEN),
    DemoRow("maintenance-window", "INBOX", ONTIME,
            ("IT Operations", "it@work.example.org"), "Server maintenance window (Thursday)",
            "The mail servers will be patched on Thursday from 22:00 to 23:00 UTC.\n",
            at=92.4, flags=SEEN),
    DemoRow("password-reset", "INBOX", ONTIME,
            ("Account Service", "no-reply@accounts.example.net"), "Password reset requested",
            "Someone asked to reset your password. If it was not you, ignore this mail.\n",
            at=107.9, flags=SEEN),
    DemoRow("meeting-materials-reply", "INBOX", ONTIME,
            ("Kenji Sato", "kenji@example.jp"), "Re: 会議の資料 (meeting materials)",
            "ありがとうございました。\n",
            at=121.3, zone=9, flags=SEEN),
    DemoRow("welcome", "INBOX", ONTIME,
            ("Demo Provider", "welcome@example.com"),
            "Welcome to the demo mailbox: the lost weekend",
            _WELCOME,
            at=-110.0, flags=(r"\Seen", r"\Flagged")),
    # Recent mail, relative to now itself (unread).
    DemoRow("cafe-tomorrow-reply", "INBOX", ONTIME,
            ("Zoë Brontë", "zoe@example.org"), "Re: Café tomorrow?",
            "Just a quick note.\n",
            ago=timedelta(hours=3, minutes=10), zone=1),
    DemoRow("release-went-out", "INBOX", ONTIME,
            ("Alex Kim", "alex.kim@example.org"), "Release went out 🚀",
            "Just a quick note.\n",
            ago=timedelta(minutes=47), zone=1),
    # No Date header at all (a script's report); the Received chain dates it.
    DemoRow("disk-report-no-date", "INBOX", NO_DATE,
            ("NAS", "root@nas.example.net"), "Disk usage report",
            "/volume1 is 81% full.\n",
            at=44.6, date_ahead=None),
    # Spam whose Date is years in the future: it would sit on top of a Date-sorted list forever.
    DemoRow("lottery-spam-future", "INBOX", FUTURE_SPAM,
            ("Prize Office", "winner@lottery.example.net"),
            "You have WON €1,000,000!!! Claim now",
            "Send your bank details to claim your prize.\n",
            at=50.3, zone=8, date_ahead=timedelta(days=3 * 365 + 1)),
    # The other folders.
    DemoRow("junk-pharmacy", "Junk", ONTIME,
            ("Pharmacy", "deals@pills.example.net"), "Cheap meds, no prescription",
            "Best prices online.\n",
            at=-20.0, zone=-3),
    DemoRow("trash-summer-sale", "Trash", ONTIME,
            ("Old Newsletter", "news@old.example.net"), "Last chance: summer sale",
            "Everything must go.\n",
            at=-24 * 40, flags=SEEN),
    DemoRow("archive-tax-papers", "Archive", ONTIME,
            ("Records", "records@example.org"), "Tax papers 2023",
            "For your files.\n",
            at=-24 * 60, flags=SEEN, attachments=("scan.pdf",)),
    DemoRow("archive-lease", "Archive", ONTIME,
            ("Records", "records@example.org"), "Lease renewal signed",
            "For your files.\n",
            at=-24 * 33, flags=SEEN, attachments=("scan.pdf",)),
    DemoRow("sent-quarterly-reply", "Sent", LOCAL,
            _ME, "Re: Quarterly report draft", _SORRY,
            at=-68.0, zone=1, to=("Team Lead", "lead@work.example.org"), flags=SEEN,
            filed_after=timedelta(seconds=2)),
    DemoRow("sent-brunch-reply", "Sent", LOCAL,
            _ME, "Re: Where are you? Brunch table is ready", _SORRY,
            at=96.0, zone=1, to=("Priya Natarajan", "priya@example.org"), flags=SEEN,
            filed_after=timedelta(seconds=2)),
    DemoRow("draft-pr-reply", "Drafts", LOCAL,
            _ME, "Re: Can you review my PR before Monday?",
            "Sorry, I only saw this on Tuesday…\n",
            at=97.0, to=("Alex Kim", "alex.kim@example.org"), flags=(r"\Seen", r"\Draft")),
)
# fmt: on


def outage_friday(now: datetime) -> datetime:
    """Midnight UTC of the outage's Friday: the latest Friday whose Wednesday 18:00 has passed."""
    now = now.astimezone(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    friday = day - timedelta(days=(day.weekday() - 4) % 7)
    while friday + timedelta(days=5, hours=18) > now:
        friday -= timedelta(days=7)
    return friday


def _tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


def _received(
    from_host: str, from_ip: str, by_host: str, with_: str, ident: str, when: datetime
) -> str:
    """A Postfix-style Received header, folded as Postfix folds it."""
    helo = (
        f"{from_host} ({from_host} [{from_ip}])"
        if from_host
        else f"[{from_ip}] (unknown [{from_ip}])"
    )
    return (
        f"Received: from {helo}\r\n\tby {by_host} (Postfix) with {with_} id {ident}\r\n"
        f"\tfor <{DEMO_ADDRESS}>; {format_datetime(when)}\r\n"
    )


class _Builder:
    """Builds messages with a seeded RNG so the same reference gives the same bytes."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0

    def queue_id(self) -> str:
        return "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRSTVWXYZ") for _ in range(10))

    def build(self, row: DemoRow, sent: datetime, path: Sequence[datetime]) -> bytes:
        """The bytes of ``row`` really sent at ``sent``; ``path`` gives the hop times
        (submission, inbound MX, mail store), or is empty for local mail."""
        self.count += 1
        domain = row.sender[1].rpartition("@")[2]
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = Address(row.sender[0], addr_spec=row.sender[1])
        msg["To"] = Address(row.to[0], addr_spec=row.to[1])
        msg["Subject"] = row.subject
        if row.date_ahead is not None:
            msg["Date"] = format_datetime((sent + row.date_ahead).astimezone(_tz(row.zone)))
        msg["Message-ID"] = f"<demo-{self.count:03d}.{self.queue_id().lower()}@{domain}>"
        for name, value in row.headers:
            msg[name] = value
        msg.set_content(row.body)
        if row.html is not None:
            msg.add_alternative(row.html, subtype="html")
        for filename in row.attachments:
            mimetype, data = _ATTACHMENT_DATA[filename[filename.rindex(".") :]]
            maintype, _, subtype = mimetype.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
            part.set_boundary(f"=_demo{self.count:03d}_{n}")  # deterministic bytes
        return self._received_chain(row, domain, path) + msg.as_bytes(policy=_POLICY)

    def _received_chain(self, row: DemoRow, domain: str, path: Sequence[datetime]) -> bytes:
        """The three Received headers of ``path``, newest on top (RFC 5321 §4.4: each relay
        prepends its line); empty for an empty path."""
        if not path:
            return b""
        submit, inbound, store = path
        via = HELD_HOST if row.kind == OUTAGE else ONTIME_MX
        smtp = f"smtp.{domain}"
        ip = f"198.51.100.{self.rng.randint(2, 250)}"
        received = _received(via, "203.0.113.25", MAILSTORE_HOST, "LMTP", self.queue_id(), store)
        received += _received(smtp, ip, via, "ESMTPS", self.queue_id(), inbound)
        received += _received(
            "", f"192.0.2.{self.rng.randint(2, 250)}", smtp, "ESMTPSA", self.queue_id(), submit
        )
        return received.encode("ascii")


def _outage_window(
    rng: random.Random, friday: datetime, rows: Sequence[DemoRow]
) -> dict[str, tuple[datetime, datetime]]:
    """Name → (sent, released by the held MX) of each outage row: sending times drawn in
    :data:`OUTAGE_SENT_WINDOW` and given in row order; releases drawn unsorted, so the held
    mail is delivered out of order."""
    sends = sorted(rng.uniform(*OUTAGE_SENT_WINDOW) for _ in rows)
    releases = [rng.uniform(*OUTAGE_RELEASE_WINDOW) for _ in rows]
    return {
        row.name: (_whole(friday + timedelta(hours=s)), _whole(friday + timedelta(hours=r)))
        for row, s, r in zip(rows, sends, releases, strict=True)
    }


def _whole(when: datetime) -> datetime:
    """``when`` in UTC, to the whole second."""
    return when.astimezone(UTC).replace(microsecond=0)


def _sent_time(
    row: DemoRow, friday: datetime, now: datetime, window: dict[str, tuple[datetime, datetime]]
) -> datetime:
    """When ``row`` was really sent (UTC, whole seconds): drawn for outage mail, ``ago``
    before ``now``, or ``at`` hours after the outage Friday."""
    if row.kind == OUTAGE:
        return window[row.name][0]
    if row.ago is not None:
        return _whole(now - row.ago)
    if row.at is None:
        raise ValueError(f"demo row {row.name!r} has no sending time")
    return _whole(friday + timedelta(hours=row.at))


def _hop_times(
    rng: random.Random, row: DemoRow, sent: datetime, window: dict[str, tuple[datetime, datetime]]
) -> list[datetime]:
    """Submission, inbound MX and mail store times: outage mail reaches the held MX within
    seconds and the store at its release; other mail passes within a minute; local mail has
    no hops (``[]``)."""
    if row.kind == LOCAL:
        return []
    if row.kind == OUTAGE:
        submit = sent + timedelta(seconds=rng.randint(1, 5))
        inbound = submit + timedelta(seconds=rng.randint(2, 15))
        return [submit, inbound, window[row.name][1]]
    s = rng.randint(1, 9)
    return [
        sent + timedelta(seconds=s),
        sent + timedelta(seconds=s + rng.randint(2, 20)),
        sent + timedelta(seconds=s + rng.randint(21, 40)),
    ]


def _message(
    b: _Builder,
    row: DemoRow,
    friday: datetime,
    now: datetime,
    window: dict[str, tuple[datetime, datetime]],
) -> DemoMessage:
    """``row`` as a filed message: delivered mail arrives a second after the store's stamp,
    local mail ``filed_after`` its Date."""
    sent = _sent_time(row, friday, now, window)
    path = _hop_times(b.rng, row, sent, window)
    raw = b.build(row, sent, path)
    arrival = path[-1] + timedelta(seconds=1) if path else sent + row.filed_after
    return DemoMessage(
        row.folder, raw, arrival.astimezone(UTC), frozenset(row.flags), row.kind, row.name
    )


@functools.lru_cache(maxsize=4)  # messages are immutable; tests build many stores per reference
def generate(now: datetime) -> tuple[DemoMessage, ...]:
    """All demo messages for a reference instant ``now`` (tz-aware), in arrival order per folder.

    One per row of :data:`DEMO_MESSAGES`. Every arrival is before ``now``. Deterministic for
    the same outage Friday, except the two newest messages, which are placed 47 minutes and 3
    hours 10 minutes before ``now``.
    """
    friday = outage_friday(now)
    b = _Builder(seed=int(friday.timestamp()) // 86400)
    window = _outage_window(b.rng, friday, [row for row in DEMO_MESSAGES if row.kind == OUTAGE])
    out = [_message(b, row, friday, now, window) for row in DEMO_MESSAGES]
    out.sort(key=lambda m: m.arrival)
    return tuple(out)
