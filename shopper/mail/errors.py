"""What can go wrong with an e-mail, split by what the caller should do about it."""

from __future__ import annotations


class MailError(Exception):
    """Base of the mail errors; raised as is for a message that cannot be built."""


class InvalidAddress(MailError, ValueError):
    """An address is malformed or holds CR/LF; the message names it.

    Also a ValueError so form code that already catches ValueError treats it as bad input.
    """


class TemporaryFailure(MailError):
    """Try again later: the server was unreachable, dropped us, timed out or answered 4xx."""


class PermanentFailure(MailError):
    """Never retry: the server answered 5xx for every recipient, or refused our login."""
