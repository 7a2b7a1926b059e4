"""The project's own exceptions: services raise these, never `abort()`."""

from __future__ import annotations


class InvalidInput(ValueError):
    """Bad input: `field` names the form field (or API question), `message` says why."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotFound(LookupError):
    """No such object, or not one the caller may see (both answer 404)."""


class PermissionDenied(PermissionError):
    """The caller may see the object but not do this to it (403)."""
