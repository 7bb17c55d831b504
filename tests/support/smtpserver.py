"""A real SMTP submission server on 127.0.0.1 for tests: aiosmtpd in a process of its own, with
AUTH and STARTTLS (or implicit TLS) on a certificate made in the test.

Like the Dovecot and Redis harnesses, :class:`SmtpServer` starts a separate process
(``python -m tests.support.smtpserver CONFIG``) on a free port and waits for it; so a test can
SIGKILL it mid-session (:meth:`SmtpServer.kill`) and the webmail sees a real dead server.
Every message it accepts is written to its spool as ``<n>.eml`` (the bytes as received, dot
stuffing undone) and ``<n>.json`` (envelope, EHLO name, AUTH login, MAIL options), which
:meth:`SmtpServer.received` reads back.

Behaviour is chosen by the recipient's local part, so a test needs no server of its own for
it: ``refuse…`` is refused (550 5.1.1), ``hang-rcpt…`` makes RCPT wait ``hang_seconds``,
``hang-data…`` keeps the message and then holds the answer to the final ``.`` back for
``hang_seconds`` (an MTA that queued it and lost the answer). While waiting the server writes
a marker (``hang-rcpt``, ``hang-data``) that :meth:`SmtpServer.wait_for` sees. Users:
``user<N>`` / ``secret-<N>`` (the Dovecot harness' users), and ``users`` (which win). A
``size_limit`` is announced as SIZE and enforced.

The certificates: a CA of the test's own (``ca.pem``, to trust through ``SSL_CERT_FILE``) and a
server certificate for 127.0.0.1 and localhost signed by it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 15.0
REPO_ROOT = Path(__file__).resolve().parents[2]
_PATTERN_USER = re.compile(r"user(\d+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(CA, server certificate, server key) as PEM files in ``folder``: the server's is for
    127.0.0.1 and localhost, valid from an hour ago for a day, signed by the CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def builder(subject: str, issuer: x509.Name, key: Any) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder().subject_name(name(subject)).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        builder("webmail SMTP test CA", name("webmail SMTP test CA"), ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        builder("smtp.test", ca.subject, key)
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return paths


@dataclass(frozen=True)
class Received:
    """One message the server accepted.

    :ivar data: the message bytes as transmitted (dot stuffing undone).
    :ivar mail_from: also ``rcpt_tos``: the envelope.
    :ivar mail_options: MAIL FROM parameters (``SIZE=…``, ``BODY=8BITMIME``).
    :ivar login: the AUTH username, or ``None``.
    :ivar helo: the EHLO name.
    """

    data: bytes
    mail_from: str
    rcpt_tos: tuple[str, ...]
    mail_options: tuple[str, ...]
    login: str | None
    helo: str

    @property
    def header(self) -> bytes:
        end = self.data.find(b"\r\n\r\n")
        return self.data if end < 0 else self.data[: end + 2]


class SmtpServer:
    """One aiosmtpd process (see the module docstring).

    :ivar port: its port on 127.0.0.1. :ivar ca: the CA file to trust. :ivar security:
        ``starttls``, ``ssl`` or ``plain``.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        security: str = "starttls",
        *,
        users: dict[str, str] | None = None,
        size_limit: int | None = None,
        hang_seconds: float = 30.0,
        auth: bool = True,
    ) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="webmail-smtp-"))
        self.spool = self.dir / "spool"
        self.spool.mkdir()
        self.ca, cert, key = make_certificates(self.dir)
        self.security = security
        self.port = _free_port()
        self.config = self.dir / "config.json"
        self.config.write_text(json.dumps({
            "port": self.port, "security": security, "cert": str(cert), "key": str(key),
            "users": users or {}, "size_limit": size_limit, "hang_seconds": hang_seconds,
            "spool": str(self.spool), "auth": auth, "ready": str(self.dir / "ready"),
        }))
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def log(self) -> str:
        path = self.dir / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"

    def start(self) -> None:
        """Start the process and wait until it listens; raises RuntimeError with its log."""
        ready = self.dir / "ready"
        ready.unlink(missing_ok=True)
        with (self.dir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.support.smtpserver", str(self.config)],
                cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the SMTP test server did not start:\n{self.log()}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: a crash; every connection drops."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def received(self) -> list[Received]:
        """Every message accepted so far, in order."""
        out = []
        for meta in sorted(self.spool.glob("*.json"), key=lambda p: int(p.stem)):
            data = json.loads(meta.read_text())
            out.append(Received(
                data=(self.spool / f"{meta.stem}.eml").read_bytes(),
                mail_from=data["mail_from"], rcpt_tos=tuple(data["rcpt_tos"]),
                mail_options=tuple(data["mail_options"]), login=data["login"],
                helo=data["helo"],
            ))
        return out

    def received_for(self, address: str) -> list[Received]:
        """The messages with ``address`` among the envelope recipients."""
        return [r for r in self.received() if address in r.rcpt_tos]

    def received_from(self, sender: str) -> list[Received]:
        """The messages whose envelope sender is ``sender`` (one test user's mail)."""
        return [r for r in self.received() if r.mail_from == sender]

    def wait_for(self, marker: str, timeout: float = 10.0) -> None:
        """Wait until the server is hanging at ``marker`` (``hang-rcpt``, ``hang-data``)."""
        path = self.dir / "spool" / f"{marker}.marker"
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the SMTP server never reached {marker}:\n{self.log()}")
            time.sleep(0.02)


# -- the server process --------------------------------------------------------------------


def _serve(config: dict[str, Any]) -> None:  # pragma: no cover - runs in the child
    import asyncio
    import ssl

    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    spool = Path(config["spool"])
    users: dict[str, str] = config["users"]
    hang = float(config["hang_seconds"])
    count = [0]

    def mark(name: str) -> None:
        (spool / f"{name}.marker").write_text("1")

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        match = _PATTERN_USER.fullmatch(login)
        expected = users.get(login) or (f"secret-{match.group(1)}" if match else None)
        if expected is not None and password == expected:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    class Handler:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                              rcpt_options: list[str]) -> str:
            local = address.split("@")[0].lower()
            if local.startswith("refuse"):
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            if local.startswith("hang-rcpt"):
                mark("hang-rcpt")
                await asyncio.sleep(hang)
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            n = self.keep(session, envelope)
            # A real MTA that queued the message and then lost the answer: kept, then silent.
            if any(r.split("@")[0].lower().startswith("hang-data") for r in envelope.rcpt_tos):
                mark("hang-data")
                await asyncio.sleep(hang)
            return f"250 2.0.0 Ok: queued as TEST{n:04d}"

        def keep(self, session: Any, envelope: Any) -> int:
            count[0] += 1
            n = count[0]
            (spool / f"{n}.eml").write_bytes(envelope.original_content)
            meta = {
                "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "mail_options": list(envelope.mail_options or []),
                "login": session.auth_data if isinstance(session.auth_data, str) else None,
                "helo": session.host_name or "",
            }
            tmp = spool / f".{n}.tmp"
            tmp.write_text(json.dumps(meta))
            tmp.rename(spool / f"{n}.json")
            return n

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["cert"], config["key"])
    security = config["security"]
    limit = config["size_limit"] or 33554432

    def factory() -> SMTP:
        return SMTP(
            Handler(), hostname="smtp.test", ident="webmail test SMTP",
            tls_context=context if security == "starttls" else None,
            require_starttls=security == "starttls",
            authenticator=authenticator if config["auth"] else None,
            # aiosmtpd knows TLS only from its own STARTTLS: on implicit TLS ("ssl") the
            # connection is encrypted all along, so AUTH need not wait for STARTTLS there.
            auth_required=bool(config["auth"]), auth_require_tls=security == "starttls",
            data_size_limit=limit,
        )

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        factory, "127.0.0.1", config["port"], ssl=context if security == "ssl" else None))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    Path(config["ready"]).write_text(str(os.getpid()))
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":  # pragma: no cover
    _serve(json.loads(Path(sys.argv[1]).read_text()))
