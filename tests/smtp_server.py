"""A real SMTP server on loopback for the tests: aiosmtpd in a thread.

Tests import the fixture with ``from tests.smtp_server import smtp_server  # noqa: F401``.
The server keeps what it received and can be told to refuse or drop the next
commands, so the mail code is tested against real SMTP replies, not mocks of smtplib.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on now; the Controller needs a fixed one to check it started."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class _Handler:
    """aiosmtpd hooks; they run in the server's thread and report to the SmtpServer."""

    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        refusal = self.server._take_refusal("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        if self.server._take_drop():
            # Abort, not close: the client gets no reply at all, as when a server
            # dies mid-send. aiosmtpd then cancels this coroutine (connection_lost),
            # which ends the session cleanly inside the sleep.
            smtp.transport.abort()
            await asyncio.sleep(60)
        refusal = self.server._take_refusal("DATA")
        if refusal:
            return refusal
        if self.server.data_delay:  # a slow server: the reply comes late
            await asyncio.sleep(self.server.data_delay)
        self.server._receive(envelope)
        return "250 OK"


class SmtpServer:
    """An SMTP server on 127.0.0.1 that records messages and can misbehave on request."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        """With credentials (user, password) the server offers AUTH and accepts only them."""
        self.host = HOST
        self.credentials = credentials
        self.port: int | None = None
        #: Received messages, parsed with email.policy.default.
        self.messages: list[EmailMessage] = []
        #: The envelope recipients (RCPT TO) of each received message, in order.
        self.envelopes: list[list[str]] = []
        self._lock = threading.Lock()
        self._refusals: dict[str, list[str]] = {"DATA": [], "RCPT": []}
        self._drops = 0
        #: Seconds to wait before answering each DATA (a slow server).
        self.data_delay = 0.0
        self._controller: Controller | None = None

    def refuse_next(
        self, n: int = 1, code: int = 451, text: str = "try again later", *, command: str = "DATA"
    ) -> None:
        """Answer the next n DATA (or, with command='RCPT', RCPT) commands with code and text."""
        with self._lock:
            self._refusals[command].extend([f"{code} {text}"] * n)

    def drop_next(self, n: int = 1) -> None:
        """Cut the connection without a reply at DATA, for the next n sessions."""
        with self._lock:
            self._drops += n

    def start(self, port: int | None = None) -> SmtpServer:
        """Listen on `port` (a free one by default; a given one: a server coming back)."""
        self.port = port or free_port()
        # server_hostname keeps aiosmtpd from looking up this machine's FQDN.
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test",
            ready_timeout=5.0,
            **self._auth_settings(),
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _auth_settings(self) -> dict:
        if self.credentials is None:
            return {}
        # AUTH without TLS: loopback only, and the tests have no certificate to offer.
        return {"authenticator": self._authenticate, "auth_require_tls": False}

    def _authenticate(self, smtp, session, envelope, mechanism, auth_data) -> AuthResult:
        user, password = self.credentials
        accepted = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        # handled=False makes aiosmtpd answer 535 itself; its default (True) means "I replied".
        return AuthResult(success=accepted, handled=False)

    def _take_refusal(self, command: str) -> str | None:
        with self._lock:
            pending = self._refusals[command]
            return pending.pop(0) if pending else None

    def _take_drop(self) -> bool:
        with self._lock:
            if self._drops:
                self._drops -= 1
                return True
            return False

    def _receive(self, envelope) -> None:
        # SMTP carries CRLF; the email parser keeps it inside MIME parts, so a text part
        # would read "...\r\n". Read it as a mail client shows it, with plain newlines.
        data = envelope.original_content.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(data, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append(list(envelope.rcpt_tos))


@pytest.fixture
def smtp_server():
    """A started SmtpServer, stopped after the test."""
    with SmtpServer() as server:
        yield server
