"""Building a message: addresses checked, headers safe from injection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from .errors import InvalidAddress, MailError

MAX_ADDRESS_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64

# The dot-atom of RFC 5322: no quoted local parts, no comments. Plain addresses are all
# a person types into a form, and refusing the rest keeps headers predictable.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")

# Control characters, and the Unicode line and paragraph separators, which
# str.splitlines() (and so parts of the email package) treats as line breaks.
_UNSAFE_CATEGORIES = {"Cc", "Zl", "Zp"}


def _has_unsafe_characters(value: str) -> bool:
    return any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in value)


def header_text(value: str) -> str:
    """`value` with every line break and control character made a space: for a
    subject built from stored names (a location's, a client's), which compose() would
    refuse, and so never send, if one of them held a tab or a line break."""
    return "".join(" " if unicodedata.category(char) in _UNSAFE_CATEGORIES else char
                   for char in value)


def _refuse_unsafe(what: str, value: str) -> None:
    """A line break in a header would let the text add headers of its own (Bcc: ...)."""
    if _has_unsafe_characters(value):
        raise MailError(f"the {what} {value!r} holds a line break or control character")


def _is_domain(domain: str) -> bool:
    if domain.lower() == "localhost":
        return True
    labels = domain.split(".")
    return len(labels) >= 2 and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)


def valid_address(value: str) -> str:
    """The address, stripped, when it is one plain e-mail address; raise InvalidAddress otherwise.

    Plain means local@domain: no display name, no CR/LF or other control characters
    (checked before stripping, so a trailing newline is refused too, not hidden), at
    most 254 characters, ASCII only (an international domain can be given in its
    xn-- form), and a domain with a dot, or 'localhost'.
    """
    if not isinstance(value, str):
        raise InvalidAddress(f"{value!r} is not an e-mail address")
    if _has_unsafe_characters(value):
        raise InvalidAddress(f"{value!r} holds a line break or control character")
    address = value.strip()
    if not address:
        raise InvalidAddress("the e-mail address is empty")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidAddress(f"{address[:40]!r}... is longer than {MAX_ADDRESS_LENGTH} characters")
    if not address.isascii():
        raise InvalidAddress(f"{address!r} holds non-ASCII characters")
    local, _, domain = address.rpartition("@")
    if (
        not local
        or len(local) > MAX_LOCAL_PART_LENGTH
        or not _LOCAL_PART.fullmatch(local)
        or not _is_domain(domain)
    ):
        raise InvalidAddress(f"{address!r} is not a plain e-mail address (local@domain)")
    return address


def _set_sender(message: EmailMessage, sender: str) -> str:
    """Set From (a display name is fine there) and return its plain address."""
    if _has_unsafe_characters(sender):
        raise InvalidAddress(f"the sender {sender!r} holds a line break or control character")
    message["From"] = sender
    addresses = message["From"].addresses
    if len(addresses) != 1:
        raise InvalidAddress(f"the sender {sender!r} is not exactly one address")
    return valid_address(addresses[0].addr_spec)


def _add_attachment(message: EmailMessage, filename: str, data: bytes, mimetype: str) -> None:
    _refuse_unsafe("attachment filename", filename)
    _refuse_unsafe("attachment type", mimetype)
    maintype, _, subtype = mimetype.partition("/")
    if not filename.strip():
        raise MailError("an attachment has an empty filename")
    if not maintype or not subtype or "/" in subtype:
        raise MailError(f"the attachment type {mimetype!r} of {filename!r} is not like 'type/sub'")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


def compose(
    *,
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    message_id: str | None = None,
) -> EmailMessage:
    """A message ready for deliver(): text/plain, an HTML alternative, then attachments.

    Everything that goes into a header is checked here, once, so no caller can smuggle a
    header in through a subject or an address taken from a form: recipients must pass
    valid_address (InvalidAddress), and the subject, attachment filenames and types
    refuse line breaks (MailError). A given message_id is kept, so a retry of the same
    notification carries the same Message-ID and mail clients can spot duplicates.
    """
    if isinstance(to, str):
        raise TypeError("to is a list of addresses, not one string")
    recipients = [valid_address(address) for address in to]
    if not recipients:
        raise MailError("a message needs at least one recipient")
    _refuse_unsafe("subject", subject)
    if message_id is not None:
        _refuse_unsafe("Message-ID", message_id)

    message = EmailMessage(policy=policy.SMTP)
    sender_address = _set_sender(message, sender)
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=sender_address.rpartition("@")[2])
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, data, mimetype in attachments:
        _add_attachment(message, filename, data, mimetype)
    return message
