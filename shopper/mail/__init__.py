"""E-mail: compose a message, then deliver it over SMTP or into the outbox folder.

Callers need only this package's names; compose() checks everything that reaches a
header, deliver() turns every failure into TemporaryFailure or PermanentFailure.
"""

from .delivery import deliver
from .errors import InvalidAddress, MailError, PermanentFailure, TemporaryFailure
from .message import compose, header_text, valid_address

__all__ = [
    "InvalidAddress",
    "MailError",
    "PermanentFailure",
    "TemporaryFailure",
    "compose",
    "deliver",
    "header_text",
    "valid_address",
]
