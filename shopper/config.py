"""Settings. Defaults here; the environment is read in `from_environment`, called by
`create_app`, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEV_SECRET_KEY = "dev-only-not-secret"

DEFAULTS: dict[str, Any] = {
    "SHOPPER_ENV": "production",
    "SECRET_KEY": DEV_SECRET_KEY,
}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given by environment variables (12-factor)."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name in ("SHOPPER_ENV", "SECRET_KEY"):
        if environ.get(name):
            settings[name] = environ[name]
    return settings
