"""The connection pool's cleanup never waits on another request, and the deadline watchdog
runs an action exactly when it should (no IMAP server needed: a stand-in mailbox)."""

from __future__ import annotations

import threading
import time

from webmail.config import Settings
from webmail.mailbox.pool import MailboxPool
from webmail.mailbox.watchdog import Watchdog

BOUND = 10.0  # a generous upper bound for what must happen "at once"


class StandIn:
    """Just what the pool calls on a mailbox."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def noop(self) -> None:
        pass

    def close(self) -> None:
        self.closed.set()


def test_discard_of_a_session_whose_request_hangs_returns_and_the_request_closes_it() -> None:
    pool = MailboxPool(Settings())
    mailbox = StandIn()
    pool.open = lambda username, password: mailbox  # type: ignore[assignment,method-assign,return-value]
    inside, leave = threading.Event(), threading.Event()

    def hung_request() -> None:
        with pool.mailbox("s", "user", "pw"):
            inside.set()
            leave.wait(BOUND)

    request = threading.Thread(target=hung_request)
    request.start()
    try:
        assert inside.wait(BOUND)
        cleanup = threading.Thread(target=pool.discard, args=("s",))  # an error page's cleanup
        cleanup.start()
        cleanup.join(BOUND)
        assert not cleanup.is_alive(), "discard waited for the hung request's lock"
        assert request.is_alive() and not mailbox.closed.is_set()
        assert len(pool) == 0  # forgotten at once: the next request opens a new connection
    finally:
        leave.set()
        request.join(BOUND)
    assert mailbox.closed.wait(BOUND), "the request did not close the discarded connection"
    pool.close_all()


def test_discard_of_an_idle_session_closes_its_connection() -> None:
    pool = MailboxPool(Settings())
    mailbox = StandIn()
    pool.open = lambda username, password: mailbox  # type: ignore[assignment,method-assign,return-value]
    with pool.mailbox("s", "user", "pw"):
        pass
    pool.discard("s")
    assert mailbox.closed.is_set()
    assert len(pool) == 0
    pool.close_all()


def test_watchdog_runs_a_past_deadline_and_never_a_disarmed_one() -> None:
    dog = Watchdog()
    fired, spared = threading.Event(), threading.Event()
    token = dog.arm(time.monotonic() + 0.05, fired.set)
    spare = dog.arm(time.monotonic() + 0.2, spared.set)
    assert dog.disarm(spare) is False  # not run yet, and now never
    assert fired.wait(BOUND)
    assert dog.disarm(token) is True  # it ran
    time.sleep(0.4)
    assert not spared.is_set()


def test_watchdog_keeps_going_after_an_action_fails() -> None:
    dog = Watchdog()
    after = threading.Event()

    def broken() -> None:
        raise OSError("socket already closed")

    dog.arm(time.monotonic(), broken)
    dog.arm(time.monotonic() + 0.05, after.set)
    assert after.wait(BOUND)
