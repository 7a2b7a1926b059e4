"""Sending a message: over SMTP, or into the outbox folder when no SMTP server is set.

Every failure comes out as TemporaryFailure (try again later) or PermanentFailure
(never retry) with a one-line message fit for the delivery log: no traceback, no
password.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from .errors import MailError, PermanentFailure, TemporaryFailure

log = logging.getLogger(__name__)


def deliver(message: EmailMessage, config: Mapping[str, Any]) -> str:
    """Send the message and return where it went: 'smtp://host:port' or the .eml file's path.

    With SMTP_HOST set it goes to that server; without, it is written to OUTBOX_DIR, so
    development and tests need no mail server. Recipients the server refuses while it
    accepts others are logged as a warning, not raised: the message went out, and
    retrying would send it twice to those who got it.
    """
    if config.get("SMTP_HOST"):
        return _send_smtp(message, config)
    return _write_outbox_file(message, config.get("OUTBOX_DIR"))


def _send_smtp(message: EmailMessage, config: Mapping[str, Any]) -> str:
    host = config["SMTP_HOST"]
    port = int(config.get("SMTP_PORT") or 25)
    where = f"{host}:{port}"
    try:
        refused = _talk_smtp(message, config, host, port)
    except OSError as error:  # smtplib.SMTPException is an OSError too
        kind, reason = _classify(error)
        # from None: the chained exception would put the server's raw reply and a
        # traceback back into logs that should hold one line.
        raise kind(_hide(f"SMTP server {where} {reason}", config.get("SMTP_PASSWORD"))) from None
    if refused:
        log.warning(
            "SMTP server %s refused some recipients of %s: %s",
            where,
            message.get("Message-ID", "a message"),
            _describe_recipients(refused),
        )
    return f"smtp://{where}"


def _talk_smtp(message: EmailMessage, config: Mapping[str, Any], host: str, port: int) -> dict:
    """One SMTP session; returns the recipients refused while others were accepted."""
    timeout = config.get("SMTP_TIMEOUT") or 30
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.ehlo()
        if config.get("SMTP_TLS"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.get("SMTP_USER"):
            _login(smtp, config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        return smtp.send_message(message)


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    try:
        smtp.login(user, password)
    except UnicodeEncodeError:
        # smtplib sends the login as ASCII; say so rather than let a codec error out.
        raise smtplib.SMTPException("SMTP_USER or SMTP_PASSWORD is not ASCII") from None


def _classify(error: Exception) -> tuple[type[MailError], str]:
    """Which failure an smtplib or socket error is, and the end of a one-line message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        temporary = bool(codes) and all(_is_temporary(code) for code in codes)
        kind = TemporaryFailure if temporary else PermanentFailure
        return kind, f"refused every recipient: {_describe_recipients(error.recipients)}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return PermanentFailure, f"refused the login: {_reply(error)}"
    if isinstance(error, smtplib.SMTPConnectError):
        return TemporaryFailure, f"refused the connection: {_reply(error)}"
    if isinstance(error, smtplib.SMTPResponseException):
        kind = TemporaryFailure if _is_temporary(error.smtp_code) else PermanentFailure
        return kind, f"refused: {_reply(error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryFailure, f"closed the connection: {_one_line(str(error))}"
    if isinstance(error, ssl.SSLCertVerificationError):
        # A certificate we do not trust stays untrusted however often we retry.
        return PermanentFailure, f"has a certificate we do not trust: {error.verify_message}"
    if isinstance(error, smtplib.SMTPException):
        # No STARTTLS or AUTH on offer, no login method in common: settings to fix.
        return PermanentFailure, f"cannot be used: {_one_line(str(error))}"
    return TemporaryFailure, f"unreachable: {_one_line(str(error) or type(error).__name__)}"


def _is_temporary(code: int) -> bool:
    return 400 <= code < 500


def _reply(error: smtplib.SMTPResponseException) -> str:
    return _reply_text(error.smtp_code, error.smtp_error)


def _reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _one_line(f"{code} {text}")


def _describe_recipients(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} {_reply_text(code, reply)}" for address, (code, reply) in refused.items()
    )


def _one_line(text: str) -> str:
    """Multi-line SMTP replies and odd whitespace folded into one line for the log."""
    return " ".join(text.split())


def _hide(text: str, password: str | None) -> str:
    """A server could echo what it was sent; make sure the password never reaches a log."""
    if password:
        return text.replace(password, "***")
    return text


def _write_outbox_file(message: EmailMessage, outbox_dir: str | os.PathLike | None) -> str:
    """Write the message as an .eml file; atomically, so a reader never sees half a file."""
    if not outbox_dir:
        raise PermanentFailure("neither SMTP_HOST nor OUTBOX_DIR is set: nowhere to deliver")
    path = os.path.join(outbox_dir, _outbox_file_name(message))
    try:
        os.makedirs(outbox_dir, exist_ok=True)
        _write_atomically(path, message.as_bytes())
    except OSError as error:
        raise TemporaryFailure(
            f"could not write to the outbox {os.fspath(outbox_dir)}: {_one_line(str(error))}"
        ) from None
    return path


def _outbox_file_name(message: EmailMessage) -> str:
    """Sorts by time; the random part keeps a resend of the same Message-ID apart."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    message_id = str(message.get("Message-ID", "")).strip().strip("<>")
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", message_id)[:80] or "no-id"
    return f"{stamp}-{safe_id}-{secrets.token_hex(4)}.eml"


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    # In the same folder, because os.replace is only atomic within one file system;
    # a dot name ending .tmp, so nothing looking for *.eml picks up half a message.
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
