"""The demo mailbox's mail: real RFC 5322 messages that replay a provider outage.

The story: the reader's provider (``example.com``) has two inbound mail exchangers. From a
Friday evening to a Sunday evening, ``mx2.example.com`` accepted mail but could not hand it to
the mail store ``imap.example.com``; it held the mail in its queue and released it from Sunday
night to Wednesday, out of order. Mail through ``mx1.example.com`` kept arriving on time.

:func:`generate` builds every message from a reference instant ("now"): the outage weekend is
the most recent Friday–Wednesday that has fully passed, so the dates always look recent. The
same reference (to the day) always gives the same messages; the two most recent messages are
placed relative to the reference itself.
"""

from __future__ import annotations

import functools
import random
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

_POLICY = email_policy.SMTP.clone(max_line_length=78)
_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@dataclass(frozen=True)
class DemoMessage:
    """One generated message.

    :ivar folder: the folder it is filed in.
    :ivar raw: the RFC 5322 bytes (CRLF line ends).
    :ivar arrival: the INTERNALDATE: when the mail store received it, tz-aware UTC.
    :ivar flags: initial IMAP flags.
    :ivar kind: ``outage``, ``ontime``, ``no-date``, ``future-spam`` or ``local``.
    """

    folder: str
    raw: bytes
    arrival: datetime
    flags: frozenset[str]
    kind: str


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

    def build(
        self,
        *,
        sender: tuple[str, str],
        subject: str,
        sent: datetime | None,
        body: str,
        to: tuple[str, str] = (DEMO_NAME, DEMO_ADDRESS),
        path: list[datetime] | None = None,
        via: str = ONTIME_MX,
        attachments: tuple[tuple[str, str, bytes], ...] = (),
        html: str | None = None,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> bytes:
        """One message. ``path`` gives the hop times: submission, inbound MX, mail store."""
        self.count += 1
        domain = sender[1].rpartition("@")[2]
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = Address(sender[0], addr_spec=sender[1])
        msg["To"] = Address(to[0], addr_spec=to[1])
        msg["Subject"] = subject
        if sent is not None:
            msg["Date"] = format_datetime(sent)
        msg["Message-ID"] = f"<demo-{self.count:03d}.{self.queue_id().lower()}@{domain}>"
        for name, value in extra:
            msg[name] = value
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
        for filename, mimetype, data in attachments:
            maintype, _, subtype = mimetype.partition("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
            part.set_boundary(f"=_demo{self.count:03d}_{n}")  # deterministic bytes
        received = ""
        if path:
            submit, inbound, store = path
            smtp = f"smtp.{domain}"
            ip = f"198.51.100.{self.rng.randint(2, 250)}"
            # Newest hop on top (RFC 5321 §4.4: each relay prepends its Received line).
            received += _received(
                via, "203.0.113.25", MAILSTORE_HOST, "LMTP", self.queue_id(), store
            )
            received += _received(smtp, ip, via, "ESMTPS", self.queue_id(), inbound)
            received += _received(
                "", f"192.0.2.{self.rng.randint(2, 250)}", smtp, "ESMTPSA", self.queue_id(), submit
            )
        return received.encode("ascii") + msg.as_bytes(policy=_POLICY)


# Outage mail: (sender, subject, sender UTC offset, body). Sent Friday evening to Sunday.
# fmt: off
_OUTAGE = [
    (('Priya Natarajan', 'priya@example.org'), 'Are we still on for Saturday brunch?', 1,
     'Hi Dana,\n\nAre we still on for brunch on Saturday at 11? Let me know tonight.\n\nPriya'),
    (('Ops rota', 'oncall@ops.example.net'), 'Weekend on-call handover', 0,
     'You are on call from Saturday 08:00. Pager test at 08:05, please acknowledge.\n'),
    (('Lumen Shop', 'orders@shop.example.net'), 'Your order #48213 has shipped', -5,
     'Good news! Order #48213 left our warehouse and should arrive Monday.\n'),
    (('Jonas Weber', 'jonas.weber@example.de'), 'Kündigungsbestätigung Ihres Vertrags', 2,
     'Sehr geehrte Frau Demo,\n\nhiermit bestätigen wir Ihre Kündigung zum Monatsende.\n'),
    (('Sky Air', 'checkin@air.example.net'), 'Flight check-in is open: LIS → BER', 1,
     'Check-in for your Sunday flight LIS → BER is now open.\n'),
    (('Marta Silva', 'marta@example.org'), 'Photos from the hike', 1,
     'Here are the photos from today. The view from the ridge was worth it!\n'),
    (('Accounts', 'billing@example.net'), 'Invoice INV-117 (due Monday)', 0,
     'Please find invoice INV-117 attached, due on Monday.\n'),
    (('Alex Kim', 'alex.kim@example.org'), 'Can you review my PR before Monday?', -7,
     "Hi Dana, could you look at the parser PR over the weekend? It blocks Monday's release.\n"),
    (('Priya Natarajan', 'priya@example.org'), 'Dinner Sunday? 🍝', 1,
     'Dinner at ours on Sunday at 7? Bring nothing but yourself.\n'),
    (('Security', 'no-reply@accounts.example.net'), 'Security alert: new sign-in', 0,
     'We noticed a new sign-in to your account from Lisbon. If this was you, ignore this.\n'),
    (('Alex Kim', 'alex.kim@example.org'), 'Re: Can you review my PR before Monday?', -7,
     'Never mind, Sam reviewed it. Enjoy your weekend!\n'),
    (('École Jean Moulin', 'office@ecole.example.fr'), 'Rappel : réunion de parents lundi 8h', 2,
     'Bonjour,\n\nNous vous rappelons la réunion de parents lundi à 8h.\n'),
    (('Parcel Post', 'tracking@parcel.example.net'), 'Delivery attempt failed', 1,
     'We tried to deliver your parcel on Saturday. Book a new slot online.\n'),
    (('Sam Ortiz', 'sam@example.org'), 'Moving the Monday standup to 10:00', -4,
     "Heads up: Monday's standup moves to 10:00 because of the release.\n"),
    (('Grandma', 'oma@example.de'), 'Happy birthday! 🎂', 2,
     'Alles Gute zum Geburtstag, mein Schatz! Ruf mich an, wenn du Zeit hast.\n'),
    (('Marta Silva', 'marta@example.org'), 'Re: Dinner Sunday? 🍝', 1,
     'Count me in too if there is room!\n'),
    (('Ops rota', 'oncall@ops.example.net'), 'Pager test not acknowledged', 0,
     'The 08:05 pager test was not acknowledged. Escalating to the secondary.\n'),
    (('Priya Natarajan', 'priya@example.org'), 'Where are you? Brunch table is ready', 1,
     'We are at the usual place. Did you get my message on Friday?\n'),
]
# fmt: on

# On-time mail: (hours after the outage Friday 00:00 UTC, sender, subject, offset, body, extra).
# fmt: off
_ONTIME = [
    (-100.0, ('Team Lead', 'lead@work.example.org'), 'Quarterly report draft', -4,
     'Draft attached. Comments by Thursday please.\n', 'pdf'),
    (-90.5, ('Kenji Sato', 'kenji@example.jp'), '会議の資料 (meeting materials)', 9,
     '資料を添付します。よろしくお願いします。\n', 'pdf'),
    (-75.2, ('The Weekly Byte', 'newsletter@byte.example.net'), 'The Weekly Byte — issue 212', 0,
     'This week: why your mail arrives late, and how to read a Received header.\n', 'html'),
    (-70.0, ('Team Lead', 'lead@work.example.org'), 'Re: Quarterly report draft', -4,
     'Thanks, looks good. One comment on page 3.\n', ''),
    (-52.3, ('Example Coffee', 'receipts@coffee.example.net'), 'Your receipt from Example Café', 1,
     'Flat white 3.20 EUR. Thank you for your visit!\n', ''),
    (-30.1, ('Book Club', 'club@books.example.org'), 'Book club: next pick', 0,
     "The next pick is 'The Long Way Round'. See you in two weeks.\n", ''),
    (-12.4, ('Sam Ortiz', 'sam@example.org'), 'Team offsite ideas', -4,
     'Ideas for the offsite: hiking, a cooking class, or a boat trip?\n', ''),
    (10.7, ('Helpdesk', 'helpdesk@work.example.org'), 'Ticket #5531 resolved', 0,
     'Your ticket #5531 (VPN drops) has been resolved.\n', ''),
    (20.2, ('Zoë Brontë', 'zoe@example.org'), 'Café tomorrow?', 1,
     'Fancy a coffee tomorrow morning at the café on the corner?\n', ''),
    (33.8, ('Marta Silva', 'marta@example.org'), 'Garden update 🌱', 1,
     'The tomatoes are finally red. Photo attached.\n', 'jpg'),
    (58.5, ('Power Co', 'billing@power.example.net'), 'Your electricity bill is ready', 0,
     'Your bill is ready in your account. Amount due: 61.40 EUR.\n', ''),
    (81.0, ('Sam Ortiz', 'sam@example.org'), 'Re: Team offsite ideas', -4,
     'Boat trip it is, unless it rains.\n', ''),
    (92.4, ('IT Operations', 'it@work.example.org'), 'Server maintenance window (Thursday)', 0,
     'The mail servers will be patched on Thursday from 22:00 to 23:00 UTC.\n', ''),
    (107.9, ('Account Service', 'no-reply@accounts.example.net'), 'Password reset requested', 0,
     'Someone asked to reset your password. If it was not you, ignore this mail.\n', ''),
    (121.3, ('Kenji Sato', 'kenji@example.jp'), 'Re: 会議の資料 (meeting materials)', 9,
     'ありがとうございました。\n', ''),
]
# fmt: on

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


@functools.lru_cache(maxsize=4)  # messages are immutable; tests build many stores per reference
def generate(now: datetime) -> tuple[DemoMessage, ...]:
    """All demo messages for a reference instant ``now`` (tz-aware), in arrival order per folder.

    Every arrival is before ``now``. Deterministic for the same outage Friday, except the two
    newest messages, which are placed 47 minutes and 3 hours 10 minutes before ``now``.
    """
    friday = outage_friday(now)
    b = _Builder(seed=int(friday.timestamp()) // 86400)
    out: list[DemoMessage] = []

    def hours(h: float) -> datetime:
        return friday + timedelta(hours=h)

    def ontime_path(sent_utc: datetime) -> list[datetime]:
        s = b.rng.randint(1, 9)
        return [
            sent_utc + timedelta(seconds=s),
            sent_utc + timedelta(seconds=s + b.rng.randint(2, 20)),
            sent_utc + timedelta(seconds=s + b.rng.randint(21, 40)),
        ]

    def add(folder: str, raw: bytes, arrival: datetime, kind: str, *flags: str) -> None:
        out.append(DemoMessage(folder, raw, arrival.astimezone(UTC), frozenset(flags), kind))

    # The outage: sent Friday 18:00 to Sunday 18:00 UTC, released Sunday 22:30 to Wednesday 12:00.
    sends = sorted(b.rng.uniform(18.0, 66.0) for _ in _OUTAGE)
    releases = [b.rng.uniform(70.5, 108.0) for _ in _OUTAGE]  # unsorted: out of order
    for i, ((sender, subject, offset, body), sent_h, release_h) in enumerate(
        zip(_OUTAGE, sends, releases, strict=True)
    ):
        sent = hours(sent_h).replace(microsecond=0)
        submit = sent + timedelta(seconds=b.rng.randint(1, 5))
        inbound = submit + timedelta(seconds=b.rng.randint(2, 15))
        store = hours(release_h).replace(microsecond=0)
        attachments: tuple[tuple[str, str, bytes], ...] = ()
        if subject.startswith("Photos"):
            attachments = (("ridge.jpg", "image/jpeg", _JPEG), ("summit.jpg", "image/jpeg", _JPEG))
        elif subject.startswith("Invoice"):
            attachments = (("INV-117.pdf", "application/pdf", _PDF),)
        raw = b.build(
            sender=sender,
            subject=subject,
            sent=sent.astimezone(_tz(offset)),
            body=body,
            path=[submit, inbound, store],
            via=HELD_HOST,
            attachments=attachments,
        )
        flags = (r"\Seen",) if i % 4 == 0 else ()
        add("INBOX", raw, store + timedelta(seconds=1), OUTAGE, *flags)

    for h, sender, subject, offset, body, extra in _ONTIME:
        sent = hours(h).replace(microsecond=0)
        path = ontime_path(sent)
        attachments = ()
        if extra == "pdf":
            attachments = (("report.pdf", "application/pdf", _PDF),)
        elif extra == "jpg":
            attachments = (("tomatoes.jpg", "image/jpeg", _JPEG),)
        raw = b.build(
            sender=sender,
            subject=subject,
            sent=sent.astimezone(_tz(offset)),
            body=body,
            path=path,
            attachments=attachments,
            html=_NEWSLETTER_HTML if extra == "html" else None,
            extra=(("List-Unsubscribe", "<https://byte.example.net/unsub>"),)
            if extra == "html"
            else (),
        )
        read_flags = [r"\Seen"]
        if subject.startswith("Re: Quarterly"):
            read_flags.append(r"\Answered")
        add("INBOX", raw, path[-1] + timedelta(seconds=1), ONTIME, *read_flags)

    welcome_sent = hours(-110.0)
    path = ontime_path(welcome_sent)
    add(
        "INBOX",
        b.build(
            sender=("Demo Provider", "welcome@example.com"),
            subject="Welcome to the demo mailbox: the lost weekend",
            sent=welcome_sent,
            body=_WELCOME,
            path=path,
        ),
        path[-1] + timedelta(seconds=1),
        ONTIME,
        r"\Seen",
        r"\Flagged",
    )

    # Recent mail, relative to now itself (unread).
    for ago, sender, subject in (
        (timedelta(hours=3, minutes=10), ("Zoë Brontë", "zoe@example.org"), "Re: Café tomorrow?"),
        (timedelta(minutes=47), ("Alex Kim", "alex.kim@example.org"), "Release went out 🚀"),
    ):
        sent = (now - ago).astimezone(UTC).replace(microsecond=0)
        path = ontime_path(sent)
        add(
            "INBOX",
            b.build(
                sender=sender,
                subject=subject,
                sent=sent.astimezone(_tz(1)),
                body="Just a quick note.\n",
                path=path,
            ),
            path[-1] + timedelta(seconds=1),
            ONTIME,
        )

    # No Date header at all (a script's report); the Received chain dates it.
    nodate = hours(44.6).replace(microsecond=0)
    path = ontime_path(nodate)
    add(
        "INBOX",
        b.build(
            sender=("NAS", "root@nas.example.net"),
            subject="Disk usage report",
            sent=None,
            body="/volume1 is 81% full.\n",
            path=path,
        ),
        path[-1] + timedelta(seconds=1),
        NO_DATE,
    )

    # Spam whose Date is years in the future: it would sit on top of a Date-sorted list forever.
    spam_arrival = hours(50.3).replace(microsecond=0)
    future = spam_arrival + timedelta(days=3 * 365 + 1)
    path = ontime_path(spam_arrival)
    add(
        "INBOX",
        b.build(
            sender=("Prize Office", "winner@lottery.example.net"),
            subject="You have WON €1,000,000!!! Claim now",
            sent=future.astimezone(_tz(8)),
            body="Send your bank details to claim your prize.\n",
            path=path,
        ),
        path[-1] + timedelta(seconds=1),
        FUTURE_SPAM,
    )

    junk = hours(-20.0).replace(microsecond=0)
    path = ontime_path(junk)
    add(
        "Junk",
        b.build(
            sender=("Pharmacy", "deals@pills.example.net"),
            subject="Cheap meds, no prescription",
            sent=junk.astimezone(_tz(-3)),
            body="Best prices online.\n",
            path=path,
        ),
        path[-1] + timedelta(seconds=1),
        ONTIME,
    )

    old = hours(-24 * 40).replace(microsecond=0)
    path = ontime_path(old)
    add(
        "Trash",
        b.build(
            sender=("Old Newsletter", "news@old.example.net"),
            subject="Last chance: summer sale",
            sent=old,
            body="Everything must go.\n",
            path=path,
        ),
        path[-1] + timedelta(seconds=1),
        ONTIME,
        r"\Seen",
    )

    for days, subject in ((60, "Tax papers 2023"), (33, "Lease renewal signed")):
        when = hours(-24 * days).replace(microsecond=0)
        path = ontime_path(when)
        add(
            "Archive",
            b.build(
                sender=("Records", "records@example.org"),
                subject=subject,
                sent=when,
                body="For your files.\n",
                path=path,
                attachments=(("scan.pdf", "application/pdf", _PDF),),
            ),
            path[-1] + timedelta(seconds=1),
            ONTIME,
            r"\Seen",
        )

    me = (DEMO_NAME, DEMO_ADDRESS)
    for h, to, subject in (
        (-68.0, ("Team Lead", "lead@work.example.org"), "Re: Quarterly report draft"),
        (
            96.0,
            ("Priya Natarajan", "priya@example.org"),
            "Re: Where are you? Brunch table is ready",
        ),
    ):
        when = hours(h).replace(microsecond=0)
        add(
            "Sent",
            b.build(
                sender=me,
                to=to,
                subject=subject,
                sent=when.astimezone(_tz(1)),
                body="Sorry! Your mail only reached me today: our provider held it.\n",
            ),
            when + timedelta(seconds=2),
            LOCAL,
            r"\Seen",
        )
    draft = hours(97.0).replace(microsecond=0)
    add(
        "Drafts",
        b.build(
            sender=me,
            to=("Alex Kim", "alex.kim@example.org"),
            subject="Re: Can you review my PR before Monday?",
            sent=draft,
            body="Sorry, I only saw this on Tuesday…\n",
        ),
        draft,
        LOCAL,
        r"\Seen",
        r"\Draft",
    )

    out.sort(key=lambda m: m.arrival)
    return tuple(out)
