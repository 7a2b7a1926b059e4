"""The project's own exceptions: services raise these, never `abort()`.

Each has one HTTP handler (`errors.py`) that answers HTML pages and the JSON API alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from .scoring import Problem


class InvalidInput(ValueError):
    """Bad input: `field` names the form field (or API question), `message` says why.
    Answers 422."""

    def __init__(self, field: str, message: str, code: str = "invalid"):
        self.field = field
        self.message = message
        self.code = code
        super().__init__(f"{field}: {message}")


class NotFound(LookupError):
    """No such object, or not one the caller may see (both answer 404)."""


class PermissionDenied(PermissionError):
    """The caller may see the object but not do this to it (403)."""


class Conflict(Exception):
    """The request contradicts what is stored (409): a uuid sent before with other
    content, an assignment that has another visit, a cancelled assignment."""


class Unprocessable(Exception):
    """What was sent cannot be used (422). `problems` names each question or field with
    a stable code; nothing was stored."""

    def __init__(self, problems: Iterable[Problem]):
        from .problems import english

        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.path}: {english(p)}" for p in self.problems))


class InvalidVisit(Unprocessable):
    """A visit (or draft) cannot be stored as sent: the engine's problems and the
    app's own (a photo that did not arrive, a time with no zone)."""


class TooLarge(Exception):
    """What was sent is over a size limit (413)."""


class Throttled(Exception):
    """Too many failed log-ins or API tokens (429): try again after `retry_after`
    seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"throttled for {self.retry_after} s")
